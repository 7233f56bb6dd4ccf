// A task's receipts in operation order, for bulk.task's document and bulk.receipts' rows: the stored
// request chunks (bulk.task_operations) and the stored receipt runs (bulk.operation_results) read side
// by side. Memory holds one chunk and one batch of runs, whatever the task's size; a walk selecting
// only stored statuses (e.g. FAILURE) is driven by the matching runs and loads only the chunks that
// hold them.
//
// Words: a *run* is one stored receipt row, the final receipt of operations seq..last; an operation
// with no run is *unfinished*: PENDING, or CANCELLED when its task is.
#pragma once

#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "core/json_view.hpp"
#include "core/receipt.hpp"
#include "pg/bridge/postgres.hpp"

namespace pg_bulk::pg {

// A stored receipt row. Its values point into the batch of rows it was read in: valid while the
// walk's visitor looks at it.
struct ReceiptRun {
    int32 seq;
    int32 last;
    Status status;
    std::optional<JsonNode> error;  // the whole error object
    Datum completed_at;             // timestamptz
    const int32 *versions;          // of a success: one shared by the run, or one per operation
    size_t version_count;           // 0: no versions stored (a failure, or a receipt written before 0.3)
};

// The receipt of one operation.
struct OperationReceipt {
    int32 seq;
    Receipt receipt;       // without completed_at: the reader renders run->completed_at as it needs
    const ReceiptRun *run;  // nullptr for an unfinished operation
};

// Which receipts a walk visits.
struct ReceiptSelection {
    std::optional<std::vector<std::string>> statuses;  // nullopt: every status
    int32 from_seq = 0;

    bool wants(Status status) const;
};

// Calls `visit` with each selected receipt of task `bulk_id` (whose status is `task_status`) in operation
// order, until it returns false. Reads with SPI, as the caller (row level security applies); the caller
// has connected SPI. `visit` runs in a memory context reset with each chunk (what it pallocs lives
// that long).
void walk_receipts(std::string_view bulk_id, std::string_view task_status, const ReceiptSelection &selection,
                   const std::function<bool(const OperationReceipt &)> &visit);

} // namespace pg_bulk::pg
