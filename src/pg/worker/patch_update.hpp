// A batch of PATCHes only, each of its own key, applied by one UPDATE that reads each stored row once: the
// merge and the check of the merged record run per row inside the statement (bulk._patch_row in its WHERE,
// bulk._patched in its SET), instead of a probe reading the rows before an UPDATE writes them.
#pragma once

#include <vector>

#include "core/planned_operation.hpp"
#include "pg/store/profile_cache.hpp"

namespace pg_bulk::pg {

// Whether the batch can be applied by apply_patches: PATCHes only, no key twice, a 0.3 database.
bool patches_alone(const std::vector<PlannedOperation> &operations);

// Applies the PATCHes and fills in each one's outcome (as apply_resource_batch does). A row the UPDATE
// passed as valid but did not write (changed by a concurrent writer in between) fails the batch with a
// serialization failure, and the caller redoes it one operation at a time.
void apply_patches(std::vector<PlannedOperation> &operations, const Catalog &definitions);

} // namespace pg_bulk::pg
