// Unit tests of a batch's plan and bookkeeping: operations read from a stored chunk (generated ids),
// receipt runs, and PostgreSQL errors mapped to receipt errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "batch_test_support.hpp"
#include "core/apply_errors.hpp"
#include "core/ksuid.hpp"
#include "core/nlohmann_view.hpp"
#include "core/planned_operation.hpp"
#include "core/receipt_runs.hpp"

namespace pg_bulk {
namespace {

using json = nlohmann::json;
using test::resource_operation;

const std::string bulk_id = std::string(bulk_id_prefix) + ksuid_encode(ksuid_make(1700000000, KsuidPayload{}));

TEST(PlanOperations, ReadsTheRangeAndGeneratesMissingIds)
{
    json chunk = json::parse(R"([
        {"action": "DELETE", "delete": {"type": "t", "id": "a"}},
        {"action": "CREATE", "create": {"type": "t", "data": {"x": 1}, "meta": null}},
        {"action": "UPSERT", "upsert": {"type": "r", "id": "b", "from": {"type": "p", "id": "p1"},
                                        "to": {"type": "o", "id": "o1"}, "contained": {}}}])");
    NlohmannReader reader;
    auto operations = plan_operations(reader.node(chunk), 10, 11, 2, bulk_id);
    ASSERT_EQ(operations.size(), 2u);
    EXPECT_EQ(operations[0].seq, 11);
    EXPECT_EQ(operations[0].action, Action::Create);
    EXPECT_EQ(operations[0].id, generated_resource_id(bulk_id, 11).value());
    EXPECT_TRUE(operations[0].data);
    EXPECT_FALSE(operations[0].meta);
    EXPECT_EQ(operations[1].id, "b");
    EXPECT_EQ(operations[1].from.id, "p1");
    EXPECT_EQ(operations[1].to.type, "o");
    EXPECT_TRUE(operations[1].contained);
}

TEST(PlanOperations, InvalidBulkIdForAGeneratedId)
{
    json chunk = json::parse(R"([{"action": "CREATE", "create": {"type": "t", "data": {}}}])");
    NlohmannReader reader;
    EXPECT_THROW(plan_operations(reader.node(chunk), 0, 0, 1, "bk_nope"), RequestError);
    EXPECT_FALSE(generated_resource_id("xx_" + bulk_id.substr(3), 0));
}

TEST(PlanOperations, KeyOrderIsByteOrder)
{
    std::vector<PlannedOperation> operations{resource_operation(0, Action::Create, "t", "p9"),
                                             resource_operation(1, Action::Create, "t", "p10"),
                                             resource_operation(2, Action::Create, "a", "z")};
    auto ordered = in_key_order(operations);
    EXPECT_EQ(ordered[0]->seq, 2);
    EXPECT_EQ(ordered[1]->seq, 1);
    EXPECT_EQ(ordered[2]->seq, 0);
}

TEST(ReceiptRuns, SuccessesRunTogetherFailuresStandAlone)
{
    std::vector<PlannedOperation> operations;
    for (int32_t seq = 5; seq < 11; ++seq)
        operations.push_back(resource_operation(seq, Action::Create, "t", "x"));
    operations[2].error = already_exists(operations[2]);
    operations[3].error = already_exists(operations[3]);
    auto runs = receipt_runs(operations);
    ASSERT_EQ(runs.size(), 4u);
    EXPECT_EQ(runs[0].seq, 5);
    EXPECT_EQ(runs[0].last_seq, 6);
    EXPECT_EQ(runs[0].error, nullptr);
    EXPECT_EQ(runs[1].seq, 7);
    EXPECT_EQ(runs[1].last_seq, 7);
    EXPECT_EQ(runs[1].error, &*operations[2].error);
    EXPECT_EQ(runs[1].status, Status::Failure);
    EXPECT_EQ(runs[2].status, Status::Failure);
    EXPECT_EQ(runs[3].status, Status::Success);
    EXPECT_EQ(runs[2].seq, 8);
    EXPECT_EQ(runs[3].seq, 9);
    EXPECT_EQ(runs[3].last_seq, 10);
    EXPECT_TRUE(receipt_runs({}).empty());
}

struct ErrorCase {
    const char *sqlstate;
    const char *constraint;
    ErrorType expected;
    const char *message;  // the receipt's message
};

TEST(ApplyErrors, PostgresErrorsBecomeReceiptErrors)
{
    const ErrorCase cases[] = {
        {"23505", "relationships_one_from", ErrorType::CardinalityViolation, "pg says"},
        {"23505", "relationships_pkey", ErrorType::AlreadyExists, "record with id 'r1' already exists"},
        {"23505", "resources_pkey", ErrorType::AlreadyExists, "record with id 'r1' already exists"},
        {"23503", "relationships_from_fkey", ErrorType::NotFound, "pg says"},
        {"42501", "", ErrorType::Forbidden, "pg says"},
        {"22P02", "", ErrorType::Internal, "pg says"},
    };
    PlannedOperation operation = resource_operation(0, Action::Create, "t", "r1");
    for (const ErrorCase &c : cases) {
        char code[6] = {};
        std::copy(c.sqlstate, c.sqlstate + 5, code);
        OperationError error = error_from_postgres(operation, make_sqlstate(code), "pg says", c.constraint);
        EXPECT_EQ(error.type, c.expected) << c.sqlstate << " " << c.constraint;
        EXPECT_EQ(error.message, c.message);
        EXPECT_EQ(error.sqlstate, c.expected == ErrorType::Internal ? c.sqlstate : "");
    }
}

TEST(ApplyErrors, SqlstatePacking)
{
    EXPECT_EQ(sqlstate_text(make_sqlstate("XX000")), "XX000");
    EXPECT_EQ(sqlstate_text(sqlstate_unique_violation), "23505");
    // MAKE_SQLSTATE('2','3','5','0','5'): six bits per character, the first lowest.
    EXPECT_EQ(sqlstate_unique_violation, 2 | (3 << 6) | (5 << 12) | (0 << 18) | (5 << 24));
}

} // namespace
} // namespace pg_bulk
