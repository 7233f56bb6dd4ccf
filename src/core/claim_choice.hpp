// Which queued tasks a worker takes up (DESIGN §6; docs/design.md, "The worker pool"): the pure rule,
// given the queue as the claiming worker sees it under the claim lock.
//
// - Order: a task may start only when it conflicts (task_touches.hpp) with no task before it in the
//   queue that is still pending, running or paused, and with no task another worker is running (which
//   may come later in the queue: it became visible first).
// - Small tasks (their remaining operations fit in one batch) are taken as a group: the first task that
//   may start, then the later ones that may start or conflict only with the group's own tasks (the group
//   applies them in queue order), of the same target, while the group holds at most one batch.
// - Fairness: a large task occupies one worker; while max_workers > 1, at most max_workers - 1 workers
//   run large tasks, so one is always left for small ones; when the first task that may start is large,
//   the worker takes the large task that may start of the role with the fewest tasks running.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/task_status.hpp"
#include "core/task_touches.hpp"

namespace pg_bulk {

struct QueuedTask {
    const TaskTouches *touches = nullptr;  // never null
    Target target = Target::Resources;
    uint32_t role = 0;        // the submitter
    int32_t remaining = 0;    // operations without a final receipt
    bool running = false;     // taken up by another worker
    bool paused = false;      // bulk.pause(bulk_id): may not start, still holds back what conflicts with it
    bool alone = false;       // applied alone, never in a group (it was interrupted before)
};

struct ClaimLimits {
    int32_t batch_size = 1000;       // operations of a group, and the size of a small task
    size_t max_group_tasks = 256;    // tasks of a group
    int max_workers = 1;
};

struct ClaimChoice {
    std::vector<size_t> group;                         // indexes into the queue, in queue order
    std::vector<std::pair<size_t, size_t>> waits_for;  // (a task held back, a task it waits for)
    size_t startable_left = 0;  // tasks that could start now on another worker
};

bool is_large(const QueuedTask &task, int32_t batch_size);

// `queue` holds the pending tasks in queue order, those other workers run included.
ClaimChoice choose_tasks(const std::vector<QueuedTask> &queue, const ClaimLimits &limits);

} // namespace pg_bulk
