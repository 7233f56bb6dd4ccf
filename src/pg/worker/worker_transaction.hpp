// The worker's own transactions (it runs outside any client statement): begin, commit, abort, a body
// run in one, and the check that the extension is still there.
#pragma once

namespace pg_bulk::pg {

void begin_transaction();
void commit_transaction();
// Aborts the transaction and any subtransaction left open in it.
void abort_transaction();

// Runs `body` in its own transaction; an exception aborts the transaction and propagates. A PgError
// survives the abort: it owns its ErrorData outside the transaction's memory (pg_call.hpp).
template <typename Body>
auto in_transaction(Body &&body) -> decltype(body())
{
    begin_transaction();
    try {
        auto result = body();
        commit_transaction();
        return result;
    } catch (...) {
        abort_transaction();
        throw;
    }
}

// Whether the extension exists in this database. Share-locks the extension object, which DROP
// EXTENSION locks before any of its tables: a concurrent drop either finished before (absent) or
// waits for this transaction, and never deadlocks with a batch's table locks.
bool extension_present();

// Serializes the workers' claims until the transaction ends (a lock no statement of a user takes).
void lock_claims();

} // namespace pg_bulk::pg
