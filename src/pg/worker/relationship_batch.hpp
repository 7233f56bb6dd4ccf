// Applying a batch of relationship operations: probes for the relationships and endpoint
// resources the batch touches, outcomes (409, 404, CARDINALITY_VIOLATION) decided by the core
// (core/relationship_batch_rules.hpp), then one DELETE and one INSERT.
#pragma once

#include <vector>

#include "core/planned_operation.hpp"
#include "core/relationship.hpp"

namespace pg_bulk::pg {

// Applies the operations' effects and fills in each one's outcome; PATCHes are merged into the stored
// relationships and checked against `definitions` (`profiles` completes the validator's catalog).
void apply_relationship_batch(std::vector<PlannedOperation> &operations, const RelationshipCatalog &definitions,
                              const ProfileCatalog &profiles);

} // namespace pg_bulk::pg
