// Who may write bulk.resources and bulk.relationships: a worker applying a task's operations, or a
// superuser repairing data by hand. The guard trigger (stored_data_guard.cpp) owns the flag that says
// which writes are the worker's.
#pragma once

namespace pg_bulk::pg {

// Marks the start and end of a task's writes in this process; see while_applying_task.
void begin_task_writes();
void end_task_writes();

// Runs `body` as the writes of a task: the guard trigger lets them through. The flag is cleared
// whether `body` returns or throws.
template <typename Body>
void while_applying_task(Body &&body)
{
    begin_task_writes();
    try {
        body();
    } catch (...) {
        end_task_writes();
        throw;
    }
    end_task_writes();
}

} // namespace pg_bulk::pg
