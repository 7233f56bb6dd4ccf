// A streamed load consumed by a worker (DESIGN §7; docs/design.md "Streamed loads"): each batch takes
// staged rows out of the staging table (DELETE … RETURNING), validates them, keeps the invalid ones in
// bulk.load_rejects and appends the valid ones to the load's task as a chunk, planned for the worker
// to apply in the same transaction. So rows leave the table exactly when their effects and receipts
// commit.
#pragma once

#include <string>
#include <vector>

#include "core/planned_operation.hpp"
#include "pg/bridge/jsonb_view.hpp"
#include "pg/store/staged_batch.hpp"
#include "pg/worker/task_claim.hpp"

namespace pg_bulk::pg {

struct StreamBatch {
    bool drained = false;  // the staging table had no row left
    int64 consumed = 0;  // staged rows taken
    std::string load_id;
    std::vector<PlannedOperation> operations;  // the valid rows, in staging order
    LoadReport report;  // the load's new totals, and this batch's new failures and warnings
};

// A worker takes up the streamed load's task: read the staging table from its start again.
void begin_streamed_run(const ClaimedTask &task);

// Takes the next `limit` staged rows (at most) of the task's load, in the current transaction. The
// planned operations point into chunks read through `reader`, in the transaction's memory.
// TaskCannotContinue when the load cannot go on (its staging table dropped or changed, its role's rights lost): the rows not
// consumed stay staged.
StreamBatch take_stream_batch(const JsonbReader &reader, const ClaimedTask &task, int32 limit);

// The batch in flight rolled back: its rows are staged again, and the next batch takes them first.
void rewind_stream_batch();

// Records the batch once applied: the task's operation count and progress, the load's counts.
void record_stream_batch(const ClaimedTask &task, const StreamBatch &batch);

} // namespace pg_bulk::pg
