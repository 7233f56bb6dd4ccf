// Applying the tasks a worker claimed (task_claim.hpp), each in batch transactions whose effects,
// receipts and progress commit together (DESIGN §5, §6).
#pragma once

#include <csignal>

namespace pg_bulk::pg {

// Set by the worker's SIGTERM handler: stop after the operation in flight.
extern volatile sig_atomic_t stop_requested;

// What became of the task run_next_task took up.
enum class RunResult { NoTask, Finished, Stopped };

// Claims what may start (a task, or a group of small tasks) and applies it until it ends, the worker is
// asked to stop, or it is paused. Errors escape as C++ exceptions with no transaction left open.
RunResult run_next_task();

// Deletes tasks that finished longer than pg_bulk.task_retention ago, and loads that old whose
// tasks are all gone.
void purge_finished_tasks();

} // namespace pg_bulk::pg
