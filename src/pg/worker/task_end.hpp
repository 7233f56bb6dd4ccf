// Ending a task from the worker: the notification of its end, and failing a task that cannot go on.
#pragma once

#include <string>

#include "core/task_status.hpp"

namespace pg_bulk::pg {

// NOTIFY bulk_task, and wake the sessions in bulk.wait, when the transaction ending the task commits.
void notify_task_end(const std::string &bulk_id, Status status);

// Ends a task that cannot be applied: operations `next` to `operation_count` - 1 get FAILURE/INTERNAL.
void fail_task(const std::string &bulk_id, int32_t next, int32_t operation_count, const std::string &why);

// How logs name this worker.
std::string worker_name();

} // namespace pg_bulk::pg
