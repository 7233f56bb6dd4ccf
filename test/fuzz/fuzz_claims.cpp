// libFuzzer target over the workers' claim rule (core/claim_choice.hpp, core/conflict_index.hpp,
// core/task_touches.hpp): random queues of tasks go through choose_tasks, and the choice must keep the
// order of DESIGN §6 whatever the queue:
//   - no task of the group conflicts with a running task, or with a pending task before it that is
//     not in the group (a task may only overtake what it does not conflict with);
//   - the group is in queue order, holds no running or paused task, one target, and at most one batch of
//     operations and max_group_tasks tasks — or a single task (large, or one applied alone);
//   - with max_workers > 1 it starts no large task while max_workers - 1 large tasks run;
//   - every waits_for pair names an earlier or running task that conflicts with the held-back one;
//   - ConflictIndex::find agrees with checking every blocker pairwise.
//
// Input bytes (a missing byte reads 0): byte 0: max_workers (1 + b % 4); byte 1: batch size (1 + b % 12);
// then per task 3 bytes: flags (bit 0 running, bit 1 paused, bit 2 alone, bit 3 relationships, bits 4-5
// role), operation count (1 + b % 20), and a key byte from which the task's operations are drawn (each
// operation's action, kind and id from the bytes that follow, read cyclically).
//
// Build and run: test/fuzz/build.sh, then see test/fuzz/README.md.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>
#include <vector>

#include "core/claim_choice.hpp"
#include "core/conflict_index.hpp"

namespace {

using namespace pg_bulk;

struct Bytes {
    const uint8_t *data;
    size_t size;
    size_t at = 0;
    uint8_t next() { return at < size ? data[at++] : 0; }
    bool done() const { return at >= size; }
};

void require(bool holds, const char *what)
{
    if (!holds) {
        std::fprintf(stderr, "fuzz_claims: %s\n", what);
        std::abort();
    }
}

TaskTouches random_touches(Bytes &bytes, int32_t operations, bool relationships)
{
    TouchCollector collector;
    for (int32_t i = 0; i < operations; ++i) {
        uint8_t b = bytes.next();
        Action action = static_cast<Action>(b % 3);
        std::string id = "k" + std::to_string((b / 3) % 6);
        if (relationships) {
            std::string from = "k" + std::to_string((b / 18) % 6), to = "k" + std::to_string(b % 5);
            std::optional<std::pair<std::string_view, std::string_view>> none;
            bool endpoints = action != Action::Delete;
            collector.add_relationship_operation(action, (b & 0x80) ? "link" : "tie", id,
                                                 endpoints ? std::make_optional(std::make_pair(std::string_view("p"), std::string_view(from))) : none,
                                                 endpoints ? std::make_optional(std::make_pair(std::string_view("p"), std::string_view(to))) : none);
        } else {
            collector.add_resource_operation(action, "p", id);
        }
    }
    return collector.finish();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Bytes bytes{data, size};
    ClaimLimits limits;
    limits.max_workers = 1 + bytes.next() % 4;
    limits.batch_size = 1 + bytes.next() % 12;
    limits.max_group_tasks = 3;
    std::deque<TaskTouches> touches;
    std::vector<QueuedTask> queue;
    while (!bytes.done() && queue.size() < 40) {
        uint8_t flags = bytes.next();
        QueuedTask task;
        task.running = flags & 1;
        task.paused = (flags & 2) && !task.running;
        task.alone = flags & 4;
        task.target = (flags & 8) ? Target::Relationships : Target::Resources;
        task.role = (flags >> 4) & 3;
        task.remaining = 1 + bytes.next() % 20;
        touches.push_back(random_touches(bytes, std::min<int32_t>(task.remaining, 6), task.target == Target::Relationships));
        task.touches = &touches.back();
        queue.push_back(task);
    }

    ClaimChoice choice = choose_tasks(queue, limits);
    std::vector<bool> in_group(queue.size(), false);
    for (size_t i = 0; i < choice.group.size(); ++i) {
        size_t index = choice.group[i];
        require(index < queue.size(), "a group index out of the queue");
        require(i == 0 || choice.group[i - 1] < index, "the group is not in queue order");
        require(!queue[index].running && !queue[index].paused, "the group holds a running or paused task");
        in_group[index] = true;
    }
    if (choice.group.size() > 1) {
        int32_t operations = 0;
        for (size_t index : choice.group) {
            const QueuedTask &task = queue[index];
            require(!task.alone && !is_large(task, limits.batch_size), "a large or lone task in a group");
            require(task.target == queue[choice.group.front()].target, "a group of two targets");
            operations += task.remaining;
        }
        require(operations <= limits.batch_size, "a group of more than one batch");
        require(choice.group.size() <= limits.max_group_tasks, "a group of too many tasks");
    }
    for (size_t index : choice.group)
        for (size_t other = 0; other < queue.size(); ++other) {
            bool holds_back = queue[other].running || (other < index && !in_group[other]);
            require(!(holds_back && conflicts(*queue[other].touches, *queue[index].touches)),
                    "a claimed task overtakes a task it conflicts with");
        }
    if (!choice.group.empty() && limits.max_workers > 1 && is_large(queue[choice.group.front()], limits.batch_size)) {
        int running_large = 0;
        for (const QueuedTask &task : queue)
            running_large += task.running && is_large(task, limits.batch_size);
        require(running_large < limits.max_workers - 1, "no worker left for small tasks");
    }
    for (const auto &[held, blocker] : choice.waits_for) {
        require(held < queue.size() && blocker < queue.size(), "a waits_for index out of the queue");
        require(blocker < held || queue[blocker].running, "a task waits for a later task that is not running");
        require(conflicts(*queue[held].touches, *queue[blocker].touches), "a task waits for one it does not conflict with");
    }

    ConflictIndex index(queue.size() % 2 ? 4 : ConflictIndex::default_few_keys);  // large blockers searched or mapped
    for (size_t i = 0; i + 1 < queue.size(); ++i) {
        index.add(i, *queue[i].touches);
        std::optional<size_t> expected;
        for (size_t b = 0; b <= i && !expected; ++b)
            if (conflicts(*queue[b].touches, *queue[i + 1].touches))
                expected = b;
        require(index.find(*queue[i + 1].touches) == expected, "ConflictIndex disagrees with pairwise checks");
    }
    return 0;
}
