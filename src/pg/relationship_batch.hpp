// Applying a batch of relationship operations: probes for the relationships and endpoint
// resources the batch touches, outcomes (409, 404, CARDINALITY_VIOLATION) decided in order in
// memory, then one DELETE and one INSERT. The unique indexes and foreign keys of
// bulk.relationships enforce the same rules in the database against concurrent writers.
#pragma once

#include <stdexcept>
#include <vector>

#include "core/relationship.hpp"
#include "pg/batch_plan.hpp"

namespace pg_bulk::pg {

// The task cannot go on (e.g. its definition was dropped): its remaining operations fail.
class TaskCannotContinue : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

void apply_relationship_batch(std::vector<PlannedOperation> &operations, const RelationshipCatalog &definitions);

} // namespace pg_bulk::pg
