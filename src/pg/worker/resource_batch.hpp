// Applying a batch of resource operations with a few set-based statements: one index probe for
// every key of the batch, the outcome of each operation worked out in order in memory by the core
// (core/resource_batch_rules.hpp: 409/404 need no error and no subtransaction), then one DELETE,
// UPDATE and INSERT for the net effect.
#pragma once

#include <vector>

#include "core/planned_operation.hpp"
#include "pg/store/profile_cache.hpp"

namespace pg_bulk::pg {

// Applies the operations' effects (as the current user) and fills in each one's outcome. PATCHes are
// merged into the stored records and checked against `definitions`.
// Must run SPI-connected inside a transaction; errors (e.g. a unique violation from a concurrent
// writer) propagate as PgError and the caller falls back to one operation per subtransaction.
void apply_resource_batch(std::vector<PlannedOperation> &operations, const Catalog &definitions);

} // namespace pg_bulk::pg
