// The receipt rows a batch writes: one per run of consecutive successes (operations seq to
// last_seq), one per failure (its error names the operation). A run of successes keeps the versions
// its operations wrote (or removed) compactly: one number when they are all the same (a run of
// CREATEs: 1), else one per operation — so versions do not cut runs.
#pragma once

#include <cstdint>
#include <vector>

#include "core/planned_operation.hpp"
#include "core/task_status.hpp"

namespace pg_bulk {

struct ReceiptRun {
    int32_t seq = 0;
    int32_t last_seq = 0;
    Status status = Status::Success;        // or Failure, or Cancelled (an atomic task's that failed)
    const OperationError *error = nullptr;  // of a failure
    std::vector<int32_t> versions;          // of a success run: one (shared), or one per operation
};

// The version of operation `seq` of a run stored with `versions` (as above); 0 when none is stored.
int32_t version_in_run(const int32_t *versions, size_t count, int32_t run_seq, int32_t seq);

std::vector<ReceiptRun> receipt_runs(const std::vector<PlannedOperation> &operations);

// The receipts of an atomic task that failed (DESIGN §11): nothing of it was applied; the operation that
// failed first has its FAILURE, every other operation of the task is CANCELLED.
std::vector<ReceiptRun> atomic_failure_runs(int32_t operation_count, int32_t failed_seq, const OperationError &error);

} // namespace pg_bulk
