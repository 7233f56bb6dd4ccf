// When a task was submitted: the commit of the submitting transaction (DESIGN §5), not its start
// (the client may have spent seconds building the request) nor the INSERT (it may commit much later).
#pragma once

#include <string>
#include <string_view>

namespace pg_bulk::pg {

// Sets bulk.tasks.submitted_at of `bulk_id` right before the current transaction commits.
void stamp_submitted_at_commit(std::string_view bulk_id);
// Writes `touches` (its bulk.tasks.touches) in the same UPDATE, so that a submit writes its task's row
// twice rather than three times. `bulk_id` must have been passed to stamp_submitted_at_commit.
void stamp_touches_at_commit(std::string_view bulk_id, std::string touches);

// Registers the transaction callback that does it (from _PG_init).
void register_submit_time_stamp();

} // namespace pg_bulk::pg
