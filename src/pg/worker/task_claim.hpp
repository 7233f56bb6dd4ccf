// Taking up tasks (DESIGN §6; docs/design.md, "The worker pool"): under the claim lock, a worker reads
// the head of the queue and the tasks the other workers run, and takes what core/claim_choice.hpp
// says may start — one task, or a group of small tasks — recording it as its own in shared memory.
#pragma once

#include <string>
#include <vector>

#include "core/task_status.hpp"
#include "pg/bridge/postgres.hpp"

namespace pg_bulk::pg {

struct ClaimedTask {
    std::string bulk_id;
    Target target = Target::Resources;
    Oid submitted_by = InvalidOid;
    Oid writer = InvalidOid;  // the extension's owner, as whom the operations are applied
    int32 operation_count = 0;
    int32 next = 0;  // first operation without a final receipt
    bool resumed = false;  // taken up before without finishing (interrupted): applied alone
    bool atomic = false;   // all or nothing, in one transaction: applied alone
    int64 queue_position = 0;
    bool streamed = false;  // a streamed load's task: it grows as the worker consumes the staging table
};

// A task small enough to share a batch transaction with other tasks. Interrupted tasks are applied
// alone, so one that crashes the worker is failed by its own attempt count; an atomic task is applied
// alone, so its failure undoes only itself; with the test delay on, tasks are applied alone so that tests
// can stop them between operations. A streamed load's task is never small: its operations are still staged.
bool is_small(const ClaimedTask &task);

// Takes up the tasks to apply next, in queue order, and counts the attempt. Returns false when none
// may start now.
bool claim_next_tasks(std::vector<ClaimedTask> &group);

// The claimed tasks ended or were left for later (their transactions committed): other workers may
// take up what conflicts with them.
void release_claims();

} // namespace pg_bulk::pg
