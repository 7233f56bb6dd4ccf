#include "core/claim_choice.hpp"

#include <map>
#include <optional>

#include "core/conflict_index.hpp"

namespace pg_bulk {

bool is_large(const QueuedTask &task, int32_t batch_size)
{
    return task.remaining > batch_size;
}

namespace {

// The first pass: which tasks could start now, each on its own (held back by any conflicting task
// before it, or run by another worker), and which task each held-back one waits for.
std::vector<bool> startable_tasks(const std::vector<QueuedTask> &queue, const ClaimLimits &limits,
                                  ClaimChoice &choice)
{
    size_t running_large = 0;
    for (const QueuedTask &task : queue)
        if (task.running && is_large(task, limits.batch_size))
            ++running_large;
    bool large_allowed = limits.max_workers <= 1 || running_large < static_cast<size_t>(limits.max_workers - 1);
    ConflictIndex before;
    for (size_t i = 0; i < queue.size(); ++i)
        if (queue[i].running)
            before.add(i, *queue[i].touches);
    std::vector<bool> startable(queue.size(), false);
    for (size_t i = 0; i < queue.size(); ++i) {
        const QueuedTask &task = queue[i];
        if (task.running)
            continue;
        if (std::optional<size_t> blocker = before.find(*task.touches))
            choice.waits_for.emplace_back(i, *blocker);
        else
            startable[i] = !task.paused && (large_allowed || !is_large(task, limits.batch_size));
        before.add(i, *task.touches);
    }
    return startable;
}

// The large task to take: of the startable ones, that of the role with the fewest tasks running, the
// earliest among those.
size_t fairest_large_task(const std::vector<QueuedTask> &queue, const std::vector<bool> &startable,
                          int32_t batch_size)
{
    std::map<uint32_t, size_t> running_per_role;
    for (const QueuedTask &task : queue)
        if (task.running)
            ++running_per_role[task.role];
    std::optional<size_t> best;
    for (size_t i = 0; i < queue.size(); ++i) {
        if (!startable[i] || !is_large(queue[i], batch_size))
            continue;
        if (!best || running_per_role[queue[i].role] < running_per_role[queue[*best].role])
            best = i;
    }
    return *best;
}

// A group led by small task `lead`: the later small tasks of its target that conflict with nothing
// outside the group before them, while it holds at most one batch.
std::vector<size_t> small_group(const std::vector<QueuedTask> &queue, size_t lead, const ClaimLimits &limits)
{
    ConflictIndex outside;  // tasks running elsewhere, and queued tasks left out of the group
    for (size_t i = 0; i < queue.size(); ++i)
        if (queue[i].running || (i < lead))
            outside.add(i, *queue[i].touches);
    std::vector<size_t> group{lead};
    int32_t operations = queue[lead].remaining;
    for (size_t i = lead + 1; i < queue.size() && group.size() < limits.max_group_tasks; ++i) {
        const QueuedTask &task = queue[i];
        if (task.running)
            continue;
        bool joins = !task.paused && !task.alone && task.target == queue[lead].target &&
                     !is_large(task, limits.batch_size) && operations + task.remaining <= limits.batch_size &&
                     !outside.find(*task.touches);
        if (joins) {
            group.push_back(i);
            operations += task.remaining;
        } else {
            outside.add(i, *task.touches);
        }
    }
    return group;
}

} // namespace

ClaimChoice choose_tasks(const std::vector<QueuedTask> &queue, const ClaimLimits &limits)
{
    ClaimChoice choice;
    std::vector<bool> startable = startable_tasks(queue, limits, choice);
    std::optional<size_t> first;
    for (size_t i = 0; i < queue.size() && !first; ++i)
        if (startable[i])
            first = i;
    if (!first)
        return choice;
    const QueuedTask &lead = queue[*first];
    if (is_large(lead, limits.batch_size))
        choice.group = {fairest_large_task(queue, startable, limits.batch_size)};
    else if (lead.alone)
        choice.group = {*first};
    else
        choice.group = small_group(queue, *first, limits);
    size_t taken = 0;
    for (size_t i = 0; i < queue.size(); ++i) {
        bool in_group = taken < choice.group.size() && choice.group[taken] == i;
        if (in_group)
            ++taken;
        else if (startable[i])
            ++choice.startable_left;
    }
    return choice;
}

} // namespace pg_bulk
