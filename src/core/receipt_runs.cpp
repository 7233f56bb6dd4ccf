// Receipt runs of a batch.
#include "core/receipt_runs.hpp"

namespace pg_bulk {

std::vector<ReceiptRun> receipt_runs(const std::vector<PlannedOperation> &operations)
{
    std::vector<ReceiptRun> runs;
    for (size_t i = 0; i < operations.size(); ++i) {
        const PlannedOperation &operation = operations[i];
        if (operation.error) {
            runs.push_back(ReceiptRun{operation.seq, operation.seq, Status::Failure, &*operation.error});
            continue;
        }
        while (i + 1 < operations.size() && !operations[i + 1].error)
            ++i;
        runs.push_back(ReceiptRun{operation.seq, operations[i].seq, Status::Success, nullptr});
    }
    return runs;
}

} // namespace pg_bulk
