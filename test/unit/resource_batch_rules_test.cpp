// Decision tables for the resource batch rules (DESIGN §3, §4): each operation's outcome and the
// rows written, for the cases a batch can meet.
#include "core/resource_batch_rules.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "batch_test_support.hpp"

namespace pg_bulk {
namespace {

using test::resource_operation;

struct Step {
    Action action;
    const char *id;
    const char *outcome;  // "ok", "409", "404"
};

struct ResourceCase {
    const char *name;
    std::set<std::string> stored;  // ids of type "t" before the batch
    std::vector<Step> steps;
    std::set<std::string> deletes;  // ids
    std::set<int> updates, inserts;  // seqs of the operations whose content is written
};

// The case's name in test output, not its bytes.
void PrintTo(const ResourceCase &c, std::ostream *out)
{
    *out << c.name;
}

const char *outcome_of(const PlannedOperation &operation)
{
    if (!operation.error)
        return "ok";
    return operation.error->type == ErrorType::AlreadyExists ? "409"
           : operation.error->type == ErrorType::NotFound    ? "404"
                                                             : "other";
}

std::set<int> seqs_of(const std::vector<const PlannedOperation *> &operations)
{
    std::set<int> seqs;
    for (const PlannedOperation *operation : operations)
        seqs.insert(operation->seq);
    return seqs;
}

const ResourceCase resource_cases[] = {
    {"repeated CREATE of a new id", {}, {{Action::Create, "a", "ok"}, {Action::Create, "a", "409"}}, {}, {}, {0}},
    {"repeated CREATE of a stored id", {"a"}, {{Action::Create, "a", "409"}, {Action::Create, "a", "409"}}, {}, {}, {}},
    {"CREATE after DELETE of a stored id", {"a"}, {{Action::Delete, "a", "ok"}, {Action::Create, "a", "ok"}}, {"a"}, {}, {1}},
    {"CREATE after DELETE of a missing id", {}, {{Action::Delete, "a", "404"}, {Action::Create, "a", "ok"}}, {}, {}, {1}},
    {"DELETE twice", {"a"}, {{Action::Delete, "a", "ok"}, {Action::Delete, "a", "404"}}, {"a"}, {}, {}},
    {"CREATE then DELETE of a new id", {}, {{Action::Create, "a", "ok"}, {Action::Delete, "a", "ok"}}, {}, {}, {}},
    {"UPSERT twice of a stored id: the last content is an update", {"a"},
     {{Action::Upsert, "a", "ok"}, {Action::Upsert, "a", "ok"}}, {}, {1}, {}},
    {"UPSERT twice of a new id: one insert", {}, {{Action::Upsert, "a", "ok"}, {Action::Upsert, "a", "ok"}}, {}, {}, {1}},
    {"CREATE of a stored id, then UPSERT", {"a"}, {{Action::Create, "a", "409"}, {Action::Upsert, "a", "ok"}}, {}, {1}, {}},
    {"UPSERT, DELETE, UPSERT of a stored id: the row is replaced", {"a"},
     {{Action::Upsert, "a", "ok"}, {Action::Delete, "a", "ok"}, {Action::Upsert, "a", "ok"}}, {"a"}, {}, {2}},
    {"DELETE, CREATE, DELETE of a stored id", {"a"},
     {{Action::Delete, "a", "ok"}, {Action::Create, "a", "ok"}, {Action::Delete, "a", "ok"}}, {"a"}, {}, {}},
    {"two ids interleaved", {"b"},
     {{Action::Create, "a", "ok"}, {Action::Create, "b", "409"}, {Action::Delete, "a", "ok"}, {Action::Upsert, "b", "ok"},
      {Action::Create, "a", "ok"}},
     {}, {3}, {4}},
};

class ResourceBatchRules : public ::testing::TestWithParam<ResourceCase> {};

TEST_P(ResourceBatchRules, DecidesInOrderAndWritesTheNetEffect)
{
    const ResourceCase &c = GetParam();
    std::vector<PlannedOperation> operations;
    for (const Step &step : c.steps)
        operations.push_back(resource_operation(static_cast<int32_t>(operations.size()), step.action, "t", step.id));
    ResourceKeys existing;
    for (const std::string &id : c.stored)
        existing.emplace(resource_key("t", id), 1);
    ResourceWrites writes = decide_resource_batch(operations, existing);
    for (size_t i = 0; i < c.steps.size(); ++i)
        EXPECT_STREQ(outcome_of(operations[i]), c.steps[i].outcome) << "operation " << i;
    std::set<std::string> deletes;
    for (const PlannedOperation *operation : writes.deletes)
        deletes.insert(operation->id);
    EXPECT_EQ(deletes, c.deletes);
    EXPECT_EQ(seqs_of(writes.updates), c.updates);
    EXPECT_EQ(seqs_of(writes.inserts), c.inserts);
}

INSTANTIATE_TEST_SUITE_P(Cases, ResourceBatchRules, ::testing::ValuesIn(resource_cases),
                         [](const auto &info) {
                             std::string name = info.param.name;
                             std::replace_if(name.begin(), name.end(), [](char c) { return !isalnum(c); }, '_');
                             return name;
                         });

TEST(ResourceBatchRules, SameIdOfAnotherTypeIsAnotherKey)
{
    std::vector<PlannedOperation> operations{resource_operation(0, Action::Create, "t", "a"),
                                             resource_operation(1, Action::Create, "u", "a")};
    EXPECT_TRUE(keys_are_distinct(operations));
    ResourceWrites writes = decide_resource_batch(operations, {{resource_key("u", "a"), 1}});
    EXPECT_FALSE(operations[0].error);
    ASSERT_TRUE(operations[1].error);
    EXPECT_EQ(operations[1].error->message, "record with id 'a' already exists");
    EXPECT_EQ(seqs_of(writes.inserts), std::set<int>{0});
}

TEST(ResourceBatchRules, KeysAreDistinctUnlessAnIdRepeats)
{
    std::vector<PlannedOperation> operations{resource_operation(0, Action::Create, "t", "a"),
                                             resource_operation(1, Action::Delete, "t", "b")};
    EXPECT_TRUE(keys_are_distinct(operations));
    operations.push_back(resource_operation(2, Action::Upsert, "t", "a"));
    EXPECT_FALSE(keys_are_distinct(operations));
    EXPECT_EQ(first_of_each_key(operations).size(), 2u);
}

TEST(ResourceBatchRules, IndependentDeletesAndCreates)
{
    std::vector<PlannedOperation> operations{
        resource_operation(0, Action::Delete, "t", "gone"), resource_operation(1, Action::Delete, "t", "there"),
        resource_operation(2, Action::Create, "t", "taken"), resource_operation(3, Action::Create, "t", "free")};
    decide_deletes({&operations[0], &operations[1]}, {{resource_key("t", "there"), 4}});
    auto fresh = decide_creates({&operations[2], &operations[3]}, {{resource_key("t", "taken"), 1}});
    ASSERT_TRUE(operations[0].error);
    EXPECT_EQ(operations[0].error->message, "record with id 'gone' not found");
    EXPECT_FALSE(operations[1].error);
    EXPECT_EQ(operations[1].version, 4);  // the version removed
    ASSERT_TRUE(operations[2].error);
    EXPECT_EQ(operations[2].error->type, ErrorType::AlreadyExists);
    EXPECT_FALSE(operations[3].error);
    ASSERT_EQ(fresh.size(), 1u);
    EXPECT_EQ(fresh[0], &operations[3]);
    EXPECT_EQ(operations[3].version, 1);
}

} // namespace
} // namespace pg_bulk
