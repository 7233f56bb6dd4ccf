// Record versions and ifVersion (DESIGN §11): the versions the batch rules give each operation, the
// preconditions of conditional operations, and how a run of receipts keeps its versions.
#include "core/versions.hpp"

#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "batch_test_support.hpp"
#include "core/planned_operation.hpp"
#include "core/receipt_runs.hpp"
#include "core/relationship_batch_rules.hpp"
#include "core/resource_batch_rules.hpp"

namespace pg_bulk {
namespace {

using test::relationship_operation;
using test::resource_operation;

PlannedOperation conditional(PlannedOperation operation, int32_t if_version)
{
    operation.if_version = if_version;
    return operation;
}

TEST(Versions, EveryWriteCountsUpAndACreateAfterADeleteStartsAgain)
{
    std::vector<PlannedOperation> operations{
        resource_operation(0, Action::Create, "t", "new"), resource_operation(1, Action::Upsert, "t", "new"),
        resource_operation(2, Action::Upsert, "t", "stored"), resource_operation(3, Action::Delete, "t", "stored"),
        resource_operation(4, Action::Create, "t", "stored"), resource_operation(5, Action::Upsert, "t", "stored")};
    ResourceWrites writes = decide_resource_batch(operations, {{resource_key("t", "stored"), 7}});
    std::vector<int32_t> versions;
    for (const PlannedOperation &operation : operations) {
        EXPECT_FALSE(operation.error) << operation.seq;
        versions.push_back(operation.version);
    }
    EXPECT_EQ(versions, (std::vector<int32_t>{1, 2, 8, 8, 1, 2}));
    ASSERT_EQ(writes.inserts.size(), 2u);  // "new" and the recreated "stored", each at its last version
    for (const PlannedOperation *insert : writes.inserts)
        EXPECT_EQ(insert->version, 2);
}

TEST(Versions, IfVersionMatchingTheStoredVersionApplies)
{
    std::vector<PlannedOperation> operations{conditional(resource_operation(0, Action::Upsert, "t", "a"), 3),
                                             conditional(resource_operation(1, Action::Upsert, "t", "a"), 4),
                                             conditional(resource_operation(2, Action::Delete, "t", "a"), 5)};
    EXPECT_FALSE(keys_are_distinct(operations));
    ResourceWrites writes = decide_resource_batch(operations, {{resource_key("t", "a"), 3}});
    for (const PlannedOperation &operation : operations)
        EXPECT_FALSE(operation.error) << operation.seq;
    EXPECT_EQ(operations[2].version, 5);
    EXPECT_EQ(writes.deletes.size(), 1u);
    EXPECT_TRUE(writes.updates.empty());
}

TEST(Versions, IfVersionOfAnotherVersionOrOfAMissingRecordFails)
{
    std::vector<PlannedOperation> operations{conditional(resource_operation(0, Action::Upsert, "t", "a"), 2),
                                             conditional(resource_operation(1, Action::Delete, "t", "a"), 2),
                                             conditional(resource_operation(2, Action::Upsert, "t", "gone"), 1),
                                             conditional(resource_operation(3, Action::Delete, "t", "gone"), 1)};
    ResourceWrites writes = decide_resource_batch(operations, {{resource_key("t", "a"), 3}});
    for (int i : {0, 1}) {
        ASSERT_TRUE(operations[i].error);
        EXPECT_EQ(operations[i].error->type, ErrorType::PreconditionFailed);
        EXPECT_EQ(operations[i].error->message, "record with id 'a' is at version 3, not at the expected version 2");
        EXPECT_EQ(error_type_code(operations[i].error->type), 412);
    }
    for (int i : {2, 3}) {
        ASSERT_TRUE(operations[i].error);
        EXPECT_EQ(operations[i].error->type, ErrorType::NotFound);
        EXPECT_EQ(operations[i].error->message, "record with id 'gone' not found");
    }
    EXPECT_TRUE(writes.deletes.empty() && writes.updates.empty() && writes.inserts.empty());
}

TEST(Versions, ConditionalOperationsAreNeverIndependent)
{
    std::vector<PlannedOperation> operations{resource_operation(0, Action::Upsert, "t", "a"),
                                             conditional(resource_operation(1, Action::Delete, "t", "b"), 1)};
    EXPECT_FALSE(keys_are_distinct(operations));
}

TEST(Versions, RelationshipsCountUpAndCheckIfVersion)
{
    test::InMemoryRelationships definitions;
    definitions.define("r", RelationshipCardinality::ManyToMany);
    Endpoint a{"p", "a"}, b{"p", "b"};
    RelationshipBatch batch;
    batch.add_stored(TypeAndId{"r", "stored"}, a, b, RelationshipCardinality::ManyToMany, "then", 4);
    std::vector<PlannedOperation> operations{
        conditional(relationship_operation(0, Action::Upsert, "r", "stored", a, b), 3),
        conditional(relationship_operation(1, Action::Upsert, "r", "stored", a, b), 4),
        relationship_operation(2, Action::Create, "r", "new", b, a),
        conditional(relationship_operation(3, Action::Delete, "r", "new"), 1),
        conditional(relationship_operation(4, Action::Delete, "r", "missing"), 1)};
    batch.decide(operations, definitions, {{"p", "a"}, {"p", "b"}});
    ASSERT_TRUE(operations[0].error);
    EXPECT_EQ(operations[0].error->message, "record with id 'stored' is at version 4, not at the expected version 3");
    EXPECT_FALSE(operations[1].error);
    EXPECT_EQ(operations[1].version, 5);
    EXPECT_EQ(operations[2].version, 1);
    EXPECT_FALSE(operations[3].error);
    EXPECT_EQ(operations[3].version, 1);
    ASSERT_TRUE(operations[4].error);
    EXPECT_EQ(operations[4].error->type, ErrorType::NotFound);
    RelationshipWrites writes = batch.writes();
    ASSERT_EQ(writes.inserts.size(), 1u);
    EXPECT_EQ(writes.inserts[0].row->version, 5);
}

TEST(Versions, ARunKeepsOneSharedVersionOrOnePerOperation)
{
    std::vector<PlannedOperation> operations;
    for (int32_t seq = 0; seq < 5; ++seq)
        operations.push_back(resource_operation(seq, Action::Create, "t", "x"));
    for (PlannedOperation &operation : operations)
        operation.version = 1;
    operations[2].error = OperationError{ErrorType::AlreadyExists, "m"};
    operations[4].version = 3;
    std::vector<ReceiptRun> runs = receipt_runs(operations);
    ASSERT_EQ(runs.size(), 3u);
    EXPECT_EQ(runs[0].versions, (std::vector<int32_t>{1}));
    EXPECT_TRUE(runs[1].versions.empty());
    EXPECT_EQ(runs[2].versions, (std::vector<int32_t>{1, 3}));
    EXPECT_EQ(version_in_run(runs[0].versions.data(), 1, 0, 1), 1);
    EXPECT_EQ(version_in_run(runs[2].versions.data(), 2, 3, 4), 3);
    EXPECT_EQ(version_in_run(runs[2].versions.data(), 2, 3, 9), 0);
}

} // namespace
} // namespace pg_bulk

namespace pg_bulk {
namespace {

TEST(Versions, ConditionalOperationsOnUniqueKeysAreDecidedFromWhatTheirStatementsMissed)
{
    std::vector<PlannedOperation> operations{resource_operation(0, Action::Upsert, "t", "a"),
                                             conditional(resource_operation(1, Action::Upsert, "t", "b"), 2),
                                             conditional(resource_operation(2, Action::Delete, "t", "c"), 1)};
    EXPECT_TRUE(keys_are_unique(operations));
    EXPECT_FALSE(keys_are_distinct(operations));
    std::vector<PlannedOperation *> unmet{&operations[1], &operations[2]};
    EXPECT_TRUE(decide_unmet_conditions(unmet, {{resource_key("t", "b"), 5}}));
    ASSERT_TRUE(operations[1].error);
    EXPECT_EQ(operations[1].error->type, ErrorType::PreconditionFailed);
    ASSERT_TRUE(operations[2].error);
    EXPECT_EQ(operations[2].error->type, ErrorType::NotFound);
    // A record found at the expected version after all changed in between: the batch is redone.
    EXPECT_FALSE(decide_unmet_conditions(unmet, {{resource_key("t", "b"), 2}}));
    operations.push_back(resource_operation(3, Action::Delete, "t", "a"));
    EXPECT_FALSE(keys_are_unique(operations));
}

} // namespace
} // namespace pg_bulk

namespace pg_bulk {
namespace {

TEST(AtomicRequests, AFailedTaskReceiptsItsFirstFailureAndCancelsEveryOtherOperation)
{
    OperationError error{ErrorType::NotFound, "record with id 'x' not found"};
    std::vector<ReceiptRun> runs = atomic_failure_runs(5, 3, error);
    ASSERT_EQ(runs.size(), 3u);
    EXPECT_EQ(runs[0].seq, 0);
    EXPECT_EQ(runs[0].last_seq, 2);
    EXPECT_EQ(runs[0].status, Status::Cancelled);
    EXPECT_EQ(runs[1].seq, 3);
    EXPECT_EQ(runs[1].last_seq, 3);
    EXPECT_EQ(runs[1].status, Status::Failure);
    EXPECT_EQ(runs[1].error, &error);
    EXPECT_EQ(runs[2].seq, 4);
    EXPECT_EQ(runs[2].last_seq, 4);
    EXPECT_EQ(runs[2].status, Status::Cancelled);
    EXPECT_EQ(atomic_failure_runs(1, 0, error).size(), 1u);
    EXPECT_EQ(atomic_failure_runs(2, 1, error).size(), 2u);

    std::vector<PlannedOperation> operations{resource_operation(0, Action::Create, "t", "a"),
                                             resource_operation(1, Action::Create, "t", "b"),
                                             resource_operation(2, Action::Create, "t", "c")};
    EXPECT_EQ(first_failure(operations), nullptr);
    operations[2].error = error;
    operations[1].error = error;
    EXPECT_EQ(first_failure(operations), &operations[1]);
}

} // namespace
} // namespace pg_bulk
