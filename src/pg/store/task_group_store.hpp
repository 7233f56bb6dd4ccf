// The bookkeeping of a group of small tasks that share one batch transaction, one statement for the
// whole group rather than one per task: taking them up, ending them (status, logs, NOTIFY), leaving
// them for later. SPI-connected callers inside a transaction only.
#pragma once

#include <string>
#include <vector>

#include "pg/bridge/postgres.hpp"
#include "pg/bridge/spi.hpp"

namespace pg_bulk::pg {

// Counts an attempt for each task still PENDING, stamps started_at and logs "picked up by <worker>".
// Returns the bulk ids of the tasks taken up (a task cancelled meanwhile is not).
std::vector<std::string> start_group_tasks(const std::vector<std::string> &bulk_ids, const std::string &worker);

// Locks the tasks (FOR UPDATE, in the order given) and returns, for each one that still exists, in
// that order: bulk_id, status, applied_count, and whether it is paused (bulk.pause; never with a 0.1
// schema, `pauses` false).
SpiResult lock_group_tasks(const std::vector<std::string> &bulk_ids, bool pauses);

// Ends each task SUCCESS with every operation applied, logs its counts of succeeded and failed
// operations (from its receipts), and NOTIFYs bulk_task at commit.
void finish_group_tasks(const std::vector<std::string> &bulk_ids);

// The worker stops or pauses before applying these tasks: the attempt does not count, and each
// task's log says why and where it resumes.
void leave_group_tasks(const std::vector<std::string> &bulk_ids, const std::vector<int32> &next_operations,
                       const std::string &why);

} // namespace pg_bulk::pg
