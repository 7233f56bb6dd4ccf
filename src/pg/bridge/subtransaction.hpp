// Running part of the worker's batch transaction in a subtransaction, so that a failing part undoes
// only itself.
#pragma once

#include <optional>

#include "pg/bridge/pg_call.hpp"

extern "C" {
#include "access/xact.h"
#include "utils/resowner.h"
}

namespace pg_bulk::pg {

// Ends the subtransaction begun in `context` / `owner` (kept or rolled back) and returns to them.
inline void end_subtransaction(bool keep, MemoryContext context, ResourceOwner owner)
{
    pg_call([keep] { keep ? ReleaseCurrentSubTransaction() : RollbackAndReleaseCurrentSubTransaction(); });
    MemoryContextSwitchTo(context);
    CurrentResourceOwner = owner;
}

// Runs `body` in a subtransaction: its effects stay when it returns; when it throws a PgError they are
// rolled back and the error is returned (a PgError owns its memory, which the rollback leaves alone).
// Any other exception rolls the subtransaction back and propagates.
template <typename Body>
std::optional<PgError> in_subtransaction(Body &&body)
{
    MemoryContext context = CurrentMemoryContext;
    ResourceOwner owner = CurrentResourceOwner;
    pg_call([] { BeginInternalSubTransaction(nullptr); });
    std::optional<PgError> failure;
    try {
        body();
    } catch (const PgError &error) {
        failure.emplace(error);
    } catch (...) {
        end_subtransaction(false, context, owner);
        throw;
    }
    end_subtransaction(!failure, context, owner);
    return failure;
}

// Batches whose usual case needs no checking beyond the table's constraints (CREATEs of new rows)
// are first tried as plain writes in a subtransaction; a violation rolls the attempt back and the
// batch is applied the careful way. After a failed attempt the next `batches_after_failure` batches
// go the careful way straight away, so a task full of conflicts does not pay for two attempts each.
class OptimisticAttempts {
public:
    explicit OptimisticAttempts(int batches_after_failure) : pause_(batches_after_failure) {}

    // Runs `write` (of a batch of `rows`) in a subtransaction unless paused; true when it applied the
    // batch. Never for one row: one-by-one mode already runs each operation in a subtransaction, and
    // a nested one would double their XIDs past the 64 a snapshot caches.
    template <typename Write>
    bool attempt(size_t rows, Write &&write)
    {
        if (rows < 2)
            return false;
        if (skip_ > 0) {
            --skip_;
            return false;
        }
        if (in_subtransaction(write)) {
            skip_ = pause_;
            return false;
        }
        return true;
    }

private:
    int pause_;
    int skip_ = 0;
};

} // namespace pg_bulk::pg
