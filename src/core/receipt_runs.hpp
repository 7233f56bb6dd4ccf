// The receipt rows a batch writes: one per run of consecutive successes (operations seq to
// last_seq), one per failure (its error names the operation).
#pragma once

#include <cstdint>
#include <vector>

#include "core/planned_operation.hpp"
#include "core/task_status.hpp"

namespace pg_bulk {

struct ReceiptRun {
    int32_t seq = 0;
    int32_t last_seq = 0;
    Status status = Status::Success;        // or Failure
    const OperationError *error = nullptr;  // of a failure
};

std::vector<ReceiptRun> receipt_runs(const std::vector<PlannedOperation> &operations);

} // namespace pg_bulk
