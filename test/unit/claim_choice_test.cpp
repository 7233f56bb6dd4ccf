// Unit tests for core/claim_choice and core/conflict_index: which queued tasks a worker takes up.
#include "core/claim_choice.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <algorithm>
#include <random>
#include <unordered_map>

#include "core/conflict_index.hpp"

namespace pg_bulk {
namespace {

// A queue under construction; tasks touch resources of profile "p" named by single letters.
class Queue {
public:
    QueuedTask &add(std::string ids, int32_t operations = 3, Target target = Target::Resources)
    {
        TouchCollector collector;
        for (char id : ids)
            collector.add_resource_operation(Action::Upsert, "p", std::string(1, id));
        touches_.push_back(collector.finish());
        QueuedTask task;
        task.touches = &touches_.back();
        task.target = target;
        task.remaining = operations;
        tasks.push_back(task);
        return tasks.back();
    }
    ClaimChoice choose(int max_workers = 4, int32_t batch_size = 10, size_t max_group_tasks = 256) const
    {
        return choose_tasks(tasks, ClaimLimits{batch_size, max_group_tasks, max_workers});
    }
    std::vector<QueuedTask> tasks;

private:
    std::deque<TaskTouches> touches_;
};

using Group = std::vector<size_t>;
using Waits = std::vector<std::pair<size_t, size_t>>;

TEST(ClaimChoice, AnEmptyQueueGivesNothing)
{
    EXPECT_TRUE(Queue().choose().group.empty());
}

TEST(ClaimChoice, SmallTasksAreGroupedInQueueOrderConflictsIncluded)
{
    Queue queue;
    queue.add("a");
    queue.add("b");
    queue.add("a");  // conflicts with task 0 only: the group applies them in order
    EXPECT_EQ(queue.choose().group, (Group{0, 1, 2}));
}

TEST(ClaimChoice, AGroupHoldsAtMostOneBatch)
{
    Queue queue;
    for (int i = 0; i < 4; ++i)
        queue.add(std::string(1, static_cast<char>('a' + i)), 3);
    ClaimChoice choice = queue.choose(4, 10);
    EXPECT_EQ(choice.group, (Group{0, 1, 2}));
    EXPECT_EQ(choice.startable_left, 1u);
    EXPECT_EQ(queue.choose(4, 10, 2).group, (Group{0, 1}));
}

TEST(ClaimChoice, NothingOvertakesAConflictingTaskRunningElsewhere)
{
    Queue queue;
    queue.add("ab").running = true;
    queue.add("b");   // waits for 0
    queue.add("c");   // free
    queue.add("cb");  // waits for 0 (and 1)
    ClaimChoice choice = queue.choose();
    EXPECT_EQ(choice.group, (Group{2}));
    EXPECT_EQ(choice.waits_for, (Waits{{1, 0}, {3, 0}}));
}

TEST(ClaimChoice, ARunningTaskLaterInTheQueueHoldsBackEarlierOnes)
{
    // It became visible, and was taken up, before the earlier task's transaction committed.
    Queue queue;
    queue.add("a");
    queue.add("a").running = true;
    EXPECT_TRUE(queue.choose().group.empty());
    EXPECT_EQ(queue.choose().waits_for, (Waits{{0, 1}}));
}

TEST(ClaimChoice, APausedTaskHoldsBackWhatConflictsWithIt)
{
    Queue queue;
    queue.add("a").paused = true;
    queue.add("a");
    queue.add("b");
    ClaimChoice choice = queue.choose();
    EXPECT_EQ(choice.group, (Group{2}));
    EXPECT_EQ(choice.waits_for, (Waits{{1, 0}}));
}

TEST(ClaimChoice, AGroupSkipsTasksHeldBackByATaskLeftOut)
{
    Queue queue;
    queue.add("a");
    queue.add("b", 3, Target::Relationships);  // another target: left out
    queue.add("b");                             // conflicts with the task left out
    queue.add("c");
    EXPECT_EQ(queue.choose().group, (Group{0, 3}));
}

TEST(ClaimChoice, ALargeTaskIsTakenAloneAndHoldsBackOnlyWhatItTouches)
{
    Queue queue;
    queue.add("abc", 50);
    queue.add("d");
    EXPECT_EQ(queue.choose().group, (Group{0}));
    queue.tasks[0].running = true;
    EXPECT_EQ(queue.choose().group, (Group{1}));
}

TEST(ClaimChoice, OneWorkerIsKeptForSmallTasks)
{
    Queue queue;
    queue.add("a", 50).running = true;
    queue.add("b", 50).running = true;
    queue.add("c", 50).running = true;
    queue.add("d", 50);
    queue.add("e");
    EXPECT_EQ(queue.choose(4).group, (Group{4}));
    EXPECT_EQ(queue.choose(5).group, (Group{3}));
    queue.tasks.pop_back();
    EXPECT_TRUE(queue.choose(4).group.empty());
    EXPECT_EQ(queue.choose(1).group, (Group{3}));  // one worker: tasks one at a time, in order
}

TEST(ClaimChoice, ALargeTaskOfTheRoleWithFewestRunningGoesFirst)
{
    Queue queue;
    QueuedTask &running = queue.add("a", 50);
    running.running = true;
    running.role = 1;
    queue.add("b", 50).role = 1;
    queue.add("c", 50).role = 2;
    EXPECT_EQ(queue.choose().group, (Group{2}));
}

TEST(ClaimChoice, AnInterruptedTaskRunsAlone)
{
    Queue queue;
    queue.add("a").alone = true;
    queue.add("b");
    EXPECT_EQ(queue.choose().group, (Group{0}));
    Queue second;
    second.add("a");
    second.add("b").alone = true;
    EXPECT_EQ(second.choose().group, (Group{0}));
}

// The index gives the same answer as checking every blocker pairwise, whatever their sizes and however
// it stores them.
TEST(ConflictIndex, AgreesWithPairwiseChecks)
{
    std::mt19937 random(7);
    for (int round = 0; round < 200; ++round) {
        std::deque<TaskTouches> blockers;
        ConflictIndex index(round % 2 ? 64 : ConflictIndex::default_few_keys);  // large blockers searched or mapped
        auto random_task = [&](size_t max_keys) {
            TouchCollector collector;
            size_t count = random() % max_keys;
            for (size_t k = 0; k < count; ++k) {
                std::string id = std::to_string(random() % 400);
                switch (random() % 6) {
                case 0:
                    collector.add_relationship_operation(Action::Delete, "r" + std::to_string(random() % 3), id,
                                                         std::nullopt, std::nullopt);
                    break;
                case 1:
                    collector.add_resource_operation(Action::Delete, "p", id);
                    break;
                default:
                    collector.add_resource_operation(Action::Upsert, "p", id);
                }
            }
            TaskTouches touches = collector.finish();
            touches.everything = random() % 50 == 0;
            return touches;
        };
        for (size_t b = 0; b < 6; ++b) {
            blockers.push_back(random_task(b % 2 ? 200 : 10));
            index.add(b, blockers.back());
        }
        TaskTouches candidate = random_task(round % 3 ? 8 : 300);
        std::optional<size_t> expected;
        for (size_t b = 0; b < blockers.size() && !expected; ++b)
            if (conflicts(blockers[b], candidate))
                expected = b;
        EXPECT_EQ(index.find(candidate), expected) << "round " << round;
    }
}

} // namespace
} // namespace pg_bulk

namespace pg_bulk {
namespace {

TEST(KeyBlockers, KeepsTheEarliestBlockerOfEveryKeyThroughGrowth)
{
    KeyBlockers map;
    std::unordered_map<uint64_t, size_t> expected;
    std::mt19937_64 random(11);
    for (size_t i = 0; i < 20000; ++i) {
        uint64_t key = i % 7 == 0 ? random() % 50 : random();  // small keys repeat, 0 among them
        size_t blocker = random() % 1000;
        map.add(key, blocker);
        auto [entry, inserted] = expected.emplace(key, blocker);
        if (!inserted)
            entry->second = std::min(entry->second, blocker);
    }
    EXPECT_EQ(map.size(), expected.size());
    for (const auto &[key, blocker] : expected)
        EXPECT_EQ(map.find(key), std::optional<size_t>(blocker)) << key;
    EXPECT_EQ(map.find(0xdeadbeefdeadbeefULL), std::nullopt);
    size_t visited = 0;
    map.for_each([&](uint64_t key, size_t blocker) {
        ++visited;
        EXPECT_EQ(expected.at(key), blocker);
    });
    EXPECT_EQ(visited, expected.size());
}

TEST(SortedIntersect, AgreesWithASetWhateverTheSizes)
{
    std::mt19937_64 random(5);
    for (int round = 0; round < 300; ++round) {
        auto sorted_set = [&](size_t count) {
            std::vector<uint64_t> values;
            for (size_t i = 0; i < count; ++i)
                values.push_back(random() % 5000);
            std::sort(values.begin(), values.end());
            values.erase(std::unique(values.begin(), values.end()), values.end());
            return values;
        };
        std::vector<uint64_t> a = sorted_set(random() % 40), b = sorted_set(round % 2 ? random() % 40 : random() % 2000);
        bool shared = std::any_of(a.begin(), a.end(), [&](uint64_t v) { return std::binary_search(b.begin(), b.end(), v); });
        EXPECT_EQ(sorted_intersect(a, b), shared) << "round " << round;
        EXPECT_EQ(sorted_intersect(b, a), shared) << "round " << round;
    }
}

} // namespace
} // namespace pg_bulk
