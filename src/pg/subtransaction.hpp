// Running part of the worker's batch transaction in a subtransaction, so that a failing part undoes
// only itself.
#pragma once

#include <optional>

#include "pg/pg_call.hpp"

extern "C" {
#include "access/xact.h"
#include "utils/resowner.h"
}

namespace pg_bulk::pg {

// Runs `body` in a subtransaction: its effects stay when it returns; when it throws a PgError they are
// rolled back and the error is returned (copied to the caller's memory context, which outlives the
// subtransaction's).
template <typename Body>
std::optional<PgError> in_subtransaction(Body &&body)
{
    MemoryContext context = CurrentMemoryContext;
    ResourceOwner owner = CurrentResourceOwner;
    pg_call([] { BeginInternalSubTransaction(nullptr); });
    std::optional<PgError> failure;
    try {
        body();
        pg_call([] { ReleaseCurrentSubTransaction(); });
    } catch (const PgError &error) {
        failure.emplace(copy_error(error.data(), context));
        MemoryContextSwitchTo(context);
        CurrentResourceOwner = owner;
        pg_call([] { RollbackAndReleaseCurrentSubTransaction(); });
    }
    MemoryContextSwitchTo(context);
    CurrentResourceOwner = owner;
    return failure;
}

} // namespace pg_bulk::pg
