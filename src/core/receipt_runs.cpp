// Receipt runs of a batch.
#include "core/receipt_runs.hpp"

namespace pg_bulk {

std::vector<ReceiptRun> receipt_runs(const std::vector<PlannedOperation> &operations)
{
    std::vector<ReceiptRun> runs;
    for (size_t i = 0; i < operations.size(); ++i) {
        const PlannedOperation &operation = operations[i];
        if (operation.error) {
            runs.push_back(ReceiptRun{operation.seq, operation.seq, Status::Failure, &*operation.error, {}});
            continue;
        }
        size_t first = i;
        bool shared = true;
        while (i + 1 < operations.size() && !operations[i + 1].error) {
            ++i;
            shared = shared && operations[i].version == operation.version;
        }
        ReceiptRun run{operation.seq, operations[i].seq, Status::Success, nullptr, {}};
        if (shared)
            run.versions.push_back(operation.version);
        else
            for (size_t j = first; j <= i; ++j)
                run.versions.push_back(operations[j].version);
        runs.push_back(std::move(run));
    }
    return runs;
}

int32_t version_in_run(const int32_t *versions, size_t count, int32_t run_seq, int32_t seq)
{
    if (count == 1)
        return versions[0];
    size_t index = static_cast<size_t>(seq - run_seq);
    return index < count ? versions[index] : 0;
}

std::vector<ReceiptRun> atomic_failure_runs(int32_t operation_count, int32_t failed_seq, const OperationError &error)
{
    std::vector<ReceiptRun> runs;
    if (failed_seq > 0)
        runs.push_back(ReceiptRun{0, failed_seq - 1, Status::Cancelled, nullptr, {}});
    runs.push_back(ReceiptRun{failed_seq, failed_seq, Status::Failure, &error, {}});
    if (failed_seq + 1 < operation_count)
        runs.push_back(ReceiptRun{failed_seq + 1, operation_count - 1, Status::Cancelled, nullptr, {}});
    return runs;
}

} // namespace pg_bulk
