// Unit tests for whole requests (core/request): the outer shape and limits, validating every operation, and
// the ACCEPTED / REJECTED / VALID documents, which are parsed back with nlohmann to prove they are JSON.
#include "core/request.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "core/errors.hpp"
#include "core/nlohmann_view.hpp"
#include "core/operation.hpp"
#include "core/receipt.hpp"
#include "core_test_support.hpp"

namespace pg_bulk {
namespace {

using test::InMemoryProfiles;
using test::json;
using test::repeat;
using test::written;

class RequestTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        profiles.define("provider", R"({"properties": {
            "name": {"type": "symbol", "rules": {"required": true, "maxLength": 200}},
            "practiceNumber": {"type": "integer", "rules": {"min": 0}},
            "specialities": {"type": "array", "items": {"type": "code", "rules": {"enum": ["Pharmacist", "Nurse"]}}}}})");
        profiles.define("coded", R"({"properties": {"code": {"type": "symbol", "rules": {"pattern": "^c"}}}})");
    }

    // "ok <number of operations>", or "<SQLSTATE the server raises>: <message>" of the RequestError.
    std::string outcome_json(const json &request, size_t max_operations = 10000) const
    {
        NlohmannReader reader;
        try {
            JsonNode operations = request_operations(reader.node(request), max_operations);
            EXPECT_TRUE(operations.is(JsonKind::Array));
            return "ok " + std::to_string(operations.size());
        } catch (const RequestError &error) {
            return std::string(error.kind == RequestError::Kind::InvalidParameter ? "22023" : "54000") + ": " +
                   error.what();
        }
    }

    std::string outcome(std::string_view request_text, size_t max_operations = 10000) const
    {
        return outcome_json(json::parse(request_text), max_operations);
    }

    std::vector<RejectedOperation> validate(const json &operations, const std::function<void()> &every_1024 = [] {}) const
    {
        NlohmannReader reader;
        return validate_operations(reader.node(operations), validator, every_1024);
    }

    // The REJECTED document of `operations`, parsed back.
    json rejected(const json &operations) const
    {
        NlohmannReader reader;
        return written([&](JsonBuilder &out) { write_rejected(out, reader.node(operations), validate(operations)); });
    }

    InMemoryProfiles profiles;
    ResourceOperationValidator validator{profiles, profiles.patterns};
};

json error_object(int code, const char *type, const std::string &message)
{
    return {{"code", code}, {"type", type}, {"message", message}};
}

//
// request_operations
//

TEST_F(RequestTest, RequestShapeErrors)
{
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"[]", "22023: bulk request must be a JSON object, got array"},
        {R"("operations")", "22023: bulk request must be a JSON object, got string"},
        {"7", "22023: bulk request must be a JSON object, got number"},
        {"null", "22023: bulk request must be a JSON object, got null"},
        {"true", "22023: bulk request must be a JSON object, got boolean"},
        {"{}", R"(22023: bulk request must have an "operations" array)"},
        {R"({"operations": {}})", R"(22023: bulk request "operations" must be an array, got object)"},
        {R"({"operations": null})", R"(22023: bulk request "operations" must be an array, got null)"},
        {R"({"operations": "[]"})", R"(22023: bulk request "operations" must be an array, got string)"},
        {R"({"operations": []})", R"(22023: bulk request "operations" must not be empty)"},
        // Unexpected keys are found before anything else about "operations".
        {R"({"operations": [], "extra": 1})", R"(22023: bulk request has an unexpected key "extra" (only "operations" and "atomic" are allowed))"},
        {R"({"extra": 1})", R"(22023: bulk request has an unexpected key "extra" (only "operations" and "atomic" are allowed))"},
        {R"({"Operations": [1]})", R"(22023: bulk request has an unexpected key "Operations" (only "operations" and "atomic" are allowed))"},
        {R"({"a\"b\n": 1, "operations": [1]})",
         R"(22023: bulk request has an unexpected key "a\"b\n" (only "operations" and "atomic" are allowed))"},
        {R"({")" + repeat("k", 100) + R"(": 1})",
         "22023: bulk request has an unexpected key \"" + repeat("k", 64) + "...\" (only \"operations\" and \"atomic\" are allowed)"},
        {R"({"operations": [1]})", "ok 1"},
        {R"({"operations": [null, {}, []]})", "ok 3"},
    };
    for (const auto &[request, expected] : cases)
        EXPECT_EQ(outcome(request), expected) << request;
}

TEST_F(RequestTest, OperationLimit)
{
    EXPECT_EQ(outcome(R"({"operations": [1, 2, 3]})", 2),
              "54000: bulk request has 3 operations, more than pg_bulk.max_operations (2)");
    EXPECT_EQ(outcome(R"({"operations": [1, 2]})", 2), "ok 2");
    EXPECT_EQ(outcome(R"({"operations": [1]})", 0), "54000: bulk request has 1 operations, more than pg_bulk.max_operations (0)");
    // Shape errors come first.
    EXPECT_EQ(outcome(R"({"operations": []})", 0), R"(22023: bulk request "operations" must not be empty)");
    json big = {{"operations", json::array()}};
    for (int i = 0; i < 10001; ++i)
        big["operations"].push_back(i);
    EXPECT_EQ(outcome_json(big), "54000: bulk request has 10001 operations, more than pg_bulk.max_operations (10000)");
    EXPECT_EQ(outcome_json(big, 10001), "ok 10001");
}

TEST_F(RequestTest, AtomicIsABooleanAndBoundsTheOperations)
{
    EXPECT_EQ(outcome(R"({"atomic": 1, "operations": [1]})", 5), "22023: bulk request \"atomic\" must be a boolean, got number");
    EXPECT_EQ(outcome(R"({"atomic": true, "operations": [1, 2]})", 5), "ok 2");
    NlohmannReader reader;
    json atomic = json::parse(R"({"atomic": true, "operations": [1, 2, 3]})");
    json plain = json::parse(R"({"atomic": false, "operations": [1, 2, 3]})");
    json without = json::parse(R"({"operations": [1, 2, 3]})");
    EXPECT_TRUE(request_is_atomic(reader.node(atomic), 3));
    EXPECT_FALSE(request_is_atomic(reader.node(plain), 1));
    EXPECT_FALSE(request_is_atomic(reader.node(without), 1));
    try {
        request_is_atomic(reader.node(atomic), 2);
        ADD_FAILURE() << "no error for an atomic request over the limit";
    } catch (const RequestError &error) {
        EXPECT_EQ(error.kind, RequestError::Kind::LimitExceeded);
        EXPECT_STREQ(error.what(), "atomic bulk request has 3 operations, more than pg_bulk.max_atomic_operations (2)");
    }
}

TEST_F(RequestTest, RequestOperationsReturnsTheArray)
{
    json request = json::parse(R"({"operations": [{"action": "DELETE"}, 2]})");
    NlohmannReader reader;
    JsonNode operations = request_operations(reader.node(request), 10);
    ASSERT_EQ(operations.size(), 2u);
    EXPECT_TRUE(operations.element(0).is(JsonKind::Object));
    EXPECT_EQ(operations.element(0).find("action")->string(), "DELETE");
    EXPECT_EQ(operations.element(1).number_text(), "2");
}

//
// validate_operations
//

// The request of expected/submit.out's rejected example.
const char *const submit_example = R"([
  {"action": "CREATE", "create": {"type": "provider", "id": "ok", "data": {"name": "Fine"}}},
  {"action": "CREATE", "create": {"type": "provider", "id": "bad", "data": {"name": "X", "practiceNumber": "7"}}},
  {"action": "MERGE", "merge": {"type": "provider", "id": "x"}},
  {"action": "UPSERT", "create": {"type": "provider", "id": "x", "data": {"name": "X"}}},
  {"action": "CREATE", "create": {"type": "nurse", "data": {"name": "X"}}},
  {"action": "CREATE", "create": {"type": "provider", "data": {"name": "X", "fax": "123"}}},
  {"action": "CREATE", "create": {"type": "provider", "data": {"practiceNumber": 1}}},
  {"action": "UPSERT", "upsert": {"type": "provider", "data": {"name": "X"}}},
  {"action": "DELETE", "delete": {"type": "provider", "id": "has space"}},
  {"action": "DELETE", "delete": {"type": "provider", "id": "ok2"}},
  {"action": "CREATE", "create": {"type": "provider", "data": {"name": "X", "specialities": ["Nurse", "Surgeon"]}}}
])";

TEST_F(RequestTest, EveryInvalidOperationIsReportedInOrder)
{
    std::vector<RejectedOperation> rejected = validate(json::parse(submit_example));
    struct Expected {
        size_t index;
        ErrorType type;
        std::string message;
    };
    const std::vector<Expected> expected = {
        {1, ErrorType::InvalidValue, "operation 1: create.data.practiceNumber: expected integer, got string"},
        {2, ErrorType::InvalidRequest, R"(operation 2: action: expected CREATE, UPSERT, PATCH or DELETE, got "MERGE")"},
        {3, ErrorType::InvalidRequest, R"(operation 3: create: unexpected key: action UPSERT takes its payload in "upsert")"},
        {4, ErrorType::UnknownType, R"(operation 4: create.type: no profile "nurse")"},
        {5, ErrorType::InvalidProperty, R"(operation 5: create.data.fax: property not declared by profile "provider")"},
        {6, ErrorType::MissingRequired, "operation 6: create.data.name: required property is missing"},
        {7, ErrorType::InvalidRequest, "operation 7: upsert.id: is required for action UPSERT"},
        {8, ErrorType::InvalidRequest,
         R"(operation 8: delete.id: expected 1 to 64 characters of [A-Za-z0-9._:-], got "has space")"},
        {10, ErrorType::InvalidValue,
         R"(operation 10: create.data.specialities[1]: "Surgeon" is not one of the allowed values ["Pharmacist", "Nurse"])"},
    };
    ASSERT_EQ(rejected.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(rejected[i].index, expected[i].index);
        EXPECT_EQ(rejected[i].error.type, expected[i].type) << expected[i].message;
        EXPECT_EQ(rejected[i].error.message, expected[i].message);
        EXPECT_EQ(rejected[i].error.sqlstate, "");
    }
}

TEST_F(RequestTest, ValidOperationsAreNotReported)
{
    EXPECT_TRUE(validate(json::parse(R"([
        {"action": "CREATE", "create": {"type": "provider", "id": "p1", "data": {"name": "Ann"}}},
        {"action": "UPSERT", "upsert": {"type": "provider", "id": "p2", "data": {"name": "Bob", "practiceNumber": 7}}},
        {"action": "DELETE", "delete": {"type": "provider", "id": "p3"}}])"))
                    .empty());
    EXPECT_TRUE(validate(json::array()).empty());
}

// `count` CREATEs of "coded", every 7th one invalid; each runs the pattern engine once.
json coded_operations(size_t count)
{
    json operations = json::array();
    for (size_t i = 0; i < count; ++i) {
        std::string code = (i % 7 == 3 ? "x" : "c") + std::to_string(i);
        operations.push_back({{"action", "CREATE"}, {"create", {{"type", "coded"}, {"data", {{"code", code}}}}}});
    }
    return operations;
}

TEST_F(RequestTest, CallbackRunsEvery1024Operations)
{
    json operations = coded_operations(5000);
    std::vector<int> validated_before_call;
    std::vector<RejectedOperation> rejected =
        validate(operations, [&] { validated_before_call.push_back(profiles.patterns.matches_calls); });
    // Called between operations: after 1023, 2047, 3071 and 4095 operations were validated.
    EXPECT_EQ(validated_before_call, (std::vector<int>{1023, 2047, 3071, 4095}));
    EXPECT_EQ(profiles.patterns.matches_calls, 5000);

    ASSERT_EQ(rejected.size(), 714u);  // i % 7 == 3 for i < 5000
    for (size_t n = 0; n < rejected.size(); ++n) {
        size_t index = 7 * n + 3;
        ASSERT_EQ(rejected[n].index, index);
        EXPECT_EQ(rejected[n].error.message, "operation " + std::to_string(index) + ": create.data.code: \"x" +
                                                 std::to_string(index) + "\" does not match pattern \"^c\"");
    }
}

TEST_F(RequestTest, CallbackCountsAtTheBoundaries)
{
    for (auto [operations, calls] : std::vector<std::pair<size_t, int>>{
             {1, 0}, {1023, 0}, {1024, 1}, {1025, 1}, {2047, 1}, {2048, 2}, {2049, 2}, {3072, 3}}) {
        int called = 0;
        validate(coded_operations(operations), [&] { ++called; });
        EXPECT_EQ(called, calls) << operations << " operations";
    }
}

TEST_F(RequestTest, CallbackMayAbortTheValidation)
{
    // The server's callback checks for a query cancel, which arrives here as an exception.
    EXPECT_THROW(validate(coded_operations(3000), [] { throw std::runtime_error("canceling statement"); }),
                 std::runtime_error);
    EXPECT_EQ(profiles.patterns.matches_calls, 1023);
}

//
// The documents.
//

TEST_F(RequestTest, RejectedDocumentOfTheSubmitExample)
{
    json expected = {
        {"status", "REJECTED"},
        {"receipts",
         {
             {{"action", "CREATE"}, {"type", "provider"}, {"id", "ok"}, {"status", "CANCELLED"}},
             {{"action", "CREATE"}, {"type", "provider"}, {"id", "bad"}, {"status", "FAILURE"},
              {"error", error_object(400, "INVALID_VALUE",
                                     "operation 1: create.data.practiceNumber: expected integer, got string")}},
             {{"status", "FAILURE"},
              {"error", error_object(400, "INVALID_REQUEST",
                                     R"(operation 2: action: expected CREATE, UPSERT, PATCH or DELETE, got "MERGE")")}},
             {{"action", "UPSERT"}, {"status", "FAILURE"},
              {"error", error_object(400, "INVALID_REQUEST",
                                     R"(operation 3: create: unexpected key: action UPSERT takes its payload in "upsert")")}},
             {{"action", "CREATE"}, {"type", "nurse"}, {"status", "FAILURE"},
              {"error", error_object(400, "UNKNOWN_TYPE", R"(operation 4: create.type: no profile "nurse")")}},
             {{"action", "CREATE"}, {"type", "provider"}, {"status", "FAILURE"},
              {"error", error_object(400, "INVALID_PROPERTY",
                                     R"(operation 5: create.data.fax: property not declared by profile "provider")")}},
             {{"action", "CREATE"}, {"type", "provider"}, {"status", "FAILURE"},
              {"error", error_object(400, "MISSING_REQUIRED", "operation 6: create.data.name: required property is missing")}},
             {{"action", "UPSERT"}, {"type", "provider"}, {"status", "FAILURE"},
              {"error", error_object(400, "INVALID_REQUEST", "operation 7: upsert.id: is required for action UPSERT")}},
             {{"action", "DELETE"}, {"type", "provider"}, {"id", "has space"}, {"status", "FAILURE"},
              {"error", error_object(400, "INVALID_REQUEST",
                                     R"(operation 8: delete.id: expected 1 to 64 characters of [A-Za-z0-9._:-], got "has space")")}},
             {{"action", "DELETE"}, {"type", "provider"}, {"id", "ok2"}, {"status", "CANCELLED"}},
             {{"action", "CREATE"}, {"type", "provider"}, {"status", "FAILURE"},
              {"error", error_object(400, "INVALID_VALUE",
                                     R"(operation 10: create.data.specialities[1]: "Surgeon" is not one of the allowed values ["Pharmacist", "Nurse"])")}},
         }},
    };
    EXPECT_EQ(rejected(json::parse(submit_example)), expected);
}

TEST_F(RequestTest, RejectedDocumentOfTheDocExample)
{
    json operations = json::parse(R"([
      {"action": "CREATE", "create": {"type": "provider", "id": "p1", "data": {"name": "Ann"}}},
      {"action": "CREATE", "create": {"type": "provider", "id": "p2", "data": {"name": "Bob", "practiceNumber": "12"}}}])");
    EXPECT_EQ(rejected(operations),
              json::parse(R"({"status": "REJECTED", "receipts": [{"id": "p1", "type": "provider", "action": "CREATE", )"
                          R"("status": "CANCELLED"}, {"id": "p2", "type": "provider", "error": {"code": 400, "type": )"
                          R"("INVALID_VALUE", "message": "operation 1: create.data.practiceNumber: expected integer, got )"
                          R"(string"}, "action": "CREATE", "status": "FAILURE"}]})"));
}

TEST_F(RequestTest, ReceiptsSayWhatTheyCanReadOfAnOperation)
{
    json operations = json::parse(R"([
      null,
      {"action": 7},
      {"action": "MERGE", "merge": {"type": "provider", "id": "x"}},
      {"action": "UPSERT", "create": {"type": "provider", "id": "x", "data": {}}},
      {"action": "CREATE", "create": []},
      {"action": "CREATE", "create": {"type": 7, "id": 8, "data": {}}},
      {"action": "DELETE", "delete": {"type": "provider", "id": "ok"}},
      {"action": "CREATE", "create": {"type": "provider", "id": 9, "data": {"name": "n"}}},
      {"action": "DELETE", "delete": {"id": "only-id"}}])");
    json document = rejected(operations);
    EXPECT_EQ(document["status"], "REJECTED");
    EXPECT_EQ(document.size(), 2u);
    const json &receipts = document["receipts"];
    ASSERT_EQ(receipts.size(), operations.size());
    auto keys_of = [](const json &receipt) {
        std::vector<std::string> keys;
        for (const auto &item : receipt.items())
            keys.push_back(item.key());
        return keys;
    };
    using Keys = std::vector<std::string>;
    EXPECT_EQ(keys_of(receipts[0]), (Keys{"error", "status"}));
    EXPECT_EQ(receipts[0]["error"], error_object(400, "INVALID_REQUEST", "operation 0: expected an operation object, got null"));
    EXPECT_EQ(keys_of(receipts[1]), (Keys{"error", "status"}));
    EXPECT_EQ(keys_of(receipts[2]), (Keys{"error", "status"}));
    EXPECT_EQ(keys_of(receipts[3]), (Keys{"action", "error", "status"}));
    EXPECT_EQ(receipts[3]["action"], "UPSERT");
    EXPECT_EQ(keys_of(receipts[4]), (Keys{"action", "error", "status"}));
    EXPECT_EQ(receipts[4]["error"]["message"], "operation 4: create: expected object, got array");
    EXPECT_EQ(keys_of(receipts[5]), (Keys{"action", "error", "status"}));
    EXPECT_EQ(receipts[6], json::parse(R"({"action": "DELETE", "type": "provider", "id": "ok", "status": "CANCELLED"})"));
    EXPECT_EQ(keys_of(receipts[7]), (Keys{"action", "error", "status", "type"}));
    EXPECT_EQ(receipts[7]["error"]["message"],
              "operation 7: create.id: expected 1 to 64 characters of [A-Za-z0-9._:-], got number");
    EXPECT_EQ(keys_of(receipts[8]), (Keys{"action", "error", "id", "status"}));
    EXPECT_EQ(receipts[8]["id"], "only-id");
    for (size_t i = 0; i < 9; ++i)
        EXPECT_EQ(receipts[i]["status"], i == 6 ? "CANCELLED" : "FAILURE") << i;
}

TEST_F(RequestTest, LongTypesAndIdsAreCutTo200Characters)
{
    json operations = json::array();
    operations.push_back({{"action", "DELETE"}, {"delete", {{"type", "provider"}, {"id", repeat("i", 300)}}}});
    operations.push_back({{"action", "DELETE"}, {"delete", {{"type", repeat("é", 300)}, {"id", "x"}}}});
    operations.push_back({{"action", "DELETE"}, {"delete", {{"type", "provider"}, {"id", repeat("i", 200)}}}});
    json receipts = rejected(operations)["receipts"];
    ASSERT_EQ(receipts.size(), 3u);
    EXPECT_EQ(receipts[0]["id"], repeat("i", 200));
    EXPECT_EQ(receipts[0]["error"]["message"],
              "operation 0: delete.id: expected 1 to 64 characters of [A-Za-z0-9._:-], got \"" + repeat("i", 64) + "...\"");
    EXPECT_EQ(receipts[1]["type"], repeat("é", 200));  // 200 characters, 400 bytes
    EXPECT_EQ(receipts[1]["error"]["message"], "operation 1: delete.type: no profile \"" + repeat("é", 64) + "...\"");
    EXPECT_EQ(receipts[2]["id"], repeat("i", 200));
}

TEST_F(RequestTest, HostileTypesAndIdsRoundTrip)
{
    const std::string type = "a\"b\\c\n\t\x01\x1f\x7f \xF0\x9F\x98\x80";
    const std::string id = std::string("\"}, {\"status\": \"SUCCESS") + '\0' + "end";
    json operations = json::array();
    operations.push_back({{"action", "DELETE"}, {"delete", {{"type", type}, {"id", "x"}}}});
    operations.push_back({{"action", "DELETE"}, {"delete", {{"type", "provider"}, {"id", id}}}});
    json receipts = rejected(operations)["receipts"];
    ASSERT_EQ(receipts.size(), 2u);
    EXPECT_EQ(receipts[0]["type"], type);
    EXPECT_EQ(receipts[0]["error"]["message"],
              "operation 0: delete.type: no profile \"a\\\"b\\\\c\\n\\t\\u0001\\u001f\x7f \xF0\x9F\x98\x80\"");
    EXPECT_EQ(receipts[1]["id"], id);
    EXPECT_EQ(receipts[1]["status"], "FAILURE");
}

TEST_F(RequestTest, RejectedDocumentShapes)
{
    json operations = json::parse(R"([{"action": "DELETE", "delete": {"type": "provider", "id": "a"}},
                                       {"action": "DELETE", "delete": {"type": "provider", "id": "b"}}])");
    NlohmannReader reader;
    // No rejection: every receipt CANCELLED (the server never writes this, but the document stays valid).
    EXPECT_EQ(written([&](JsonBuilder &out) { write_rejected(out, reader.node(operations), {}); }),
              json::parse(R"({"status": "REJECTED", "receipts": [{"action": "DELETE", "type": "provider", "id": "a", )"
                          R"("status": "CANCELLED"}, {"action": "DELETE", "type": "provider", "id": "b", )"
                          R"("status": "CANCELLED"}]})"));
    // Errors from elsewhere carry their SQLSTATE in details.
    std::vector<RejectedOperation> rejections = {
        {1, OperationError{ErrorType::Internal, "operation 1: boom", "XX000"}}};
    json document = written([&](JsonBuilder &out) { write_rejected(out, reader.node(operations), rejections); });
    EXPECT_EQ(document["receipts"][0]["status"], "CANCELLED");
    EXPECT_EQ(document["receipts"][1]["error"],
              json::parse(R"({"code": 500, "type": "INTERNAL", "message": "operation 1: boom", "details": [{"sqlstate": "XX000"}]})"));
}

TEST_F(RequestTest, RejectedDocumentOf5000Operations)
{
    json operations = coded_operations(5000);
    json document = rejected(operations);
    const json &receipts = document["receipts"];
    ASSERT_EQ(receipts.size(), 5000u);
    size_t failures = 0;
    for (size_t i = 0; i < receipts.size(); ++i) {
        bool invalid = i % 7 == 3;
        failures += invalid;
        ASSERT_EQ(receipts[i]["status"], invalid ? "FAILURE" : "CANCELLED") << i;
        ASSERT_EQ(receipts[i]["type"], "coded");
        ASSERT_EQ(receipts[i].contains("error"), invalid) << i;
        if (invalid) {
            ASSERT_EQ(receipts[i]["error"]["message"],
                      "operation " + std::to_string(i) + ": create.data.code: \"x" + std::to_string(i) +
                          "\" does not match pattern \"^c\"");
        }
    }
    EXPECT_EQ(failures, 714u);
}

TEST(Documents, AcceptedAndValid)
{
    auto accepted = [](std::string_view bulk_id, bool replayed = false) {
        return written([&](JsonBuilder &out) { write_accepted(out, bulk_id, replayed); });
    };
    EXPECT_EQ(accepted("bk_2xKqQ4ThRvvZbXbLgKNNoXLxKGh"),
              json::parse(R"({"status": "ACCEPTED", "bulkId": "bk_2xKqQ4ThRvvZbXbLgKNNoXLxKGh"})"));
    EXPECT_EQ(accepted(""), json::parse(R"({"status": "ACCEPTED", "bulkId": ""})"));
    EXPECT_EQ(accepted("bk_2xKqQ4ThRvvZbXbLgKNNoXLxKGh", true),
              json::parse(R"({"status": "ACCEPTED", "bulkId": "bk_2xKqQ4ThRvvZbXbLgKNNoXLxKGh", "replayed": true})"));
    EXPECT_EQ(accepted("a\"b\\\n")["bulkId"], "a\"b\\\n");
    EXPECT_EQ(written([](JsonBuilder &out) { write_valid(out); }), json({{"status", "VALID"}}));
}

TEST(Documents, ErrorObjectForEveryType)
{
    const std::vector<std::tuple<ErrorType, int, std::string>> types = {
        {ErrorType::InvalidRequest, 400, "INVALID_REQUEST"},
        {ErrorType::UnknownType, 400, "UNKNOWN_TYPE"},
        {ErrorType::InvalidProperty, 400, "INVALID_PROPERTY"},
        {ErrorType::MissingRequired, 400, "MISSING_REQUIRED"},
        {ErrorType::InvalidValue, 400, "INVALID_VALUE"},
        {ErrorType::InvalidContained, 400, "INVALID_CONTAINED"},
        {ErrorType::AlreadyExists, 409, "ALREADY_EXISTS"},
        {ErrorType::NotFound, 404, "NOT_FOUND"},
        {ErrorType::CardinalityViolation, 409, "CARDINALITY_VIOLATION"},
        {ErrorType::Forbidden, 403, "FORBIDDEN"},
        {ErrorType::Internal, 500, "INTERNAL"},
    };
    for (const auto &[type, code, name] : types) {
        EXPECT_EQ(error_type_code(type), code) << name;
        EXPECT_EQ(error_type_name(type), name);
        EXPECT_EQ(error_type_from_name(name), type);
        EXPECT_EQ(written([&](JsonBuilder &out) { write_error(out, OperationError{type, "m"}); }),
                  json({{"code", code}, {"type", name}, {"message", "m"}}));
    }
}

TEST(Documents, UnknownErrorTypeNames)
{
    EXPECT_EQ(error_type_from_name(""), std::nullopt);
    EXPECT_EQ(error_type_from_name("invalid_value"), std::nullopt);
    EXPECT_EQ(error_type_from_name("CANCELLED"), std::nullopt);
    EXPECT_EQ(error_type_from_name("INTERNAL "), std::nullopt);
}

TEST(Documents, ErrorObject)
{
    auto error_object = [](const OperationError &error) {
        return written([&](JsonBuilder &out) { write_error(out, error); });
    };
    EXPECT_EQ(error_object(OperationError{ErrorType::AlreadyExists, "record with id 'p1' already exists"}),
              json::parse(R"({"code": 409, "type": "ALREADY_EXISTS", "message": "record with id 'p1' already exists"})"));
    EXPECT_EQ(error_object(OperationError{ErrorType::Internal, "duplicate key value violates unique constraint \"x\"",
                                          "23505"}),
              json::parse(R"({"code": 500, "type": "INTERNAL", "message": "duplicate key value violates unique )"
                          R"(constraint \"x\"", "details": [{"sqlstate": "23505"}]})"));
    const std::string message = "line\nbreak \"quoted\" back\\slash \x01 \xC3\xA9";
    EXPECT_EQ(error_object(OperationError{ErrorType::NotFound, message})["message"], message);
}

TEST(Documents, ReceiptMembersPresentWhenKnown)
{
    auto receipt_object = [](const Receipt &receipt) {
        return written([&](JsonBuilder &out) { write_receipt(out, receipt); });
    };
    Receipt pending;
    pending.action = Action::Create;
    pending.type = "provider";
    pending.id = "p1";
    EXPECT_EQ(receipt_object(pending),
              json::parse(R"({"action": "CREATE", "type": "provider", "id": "p1", "status": "PENDING"})"));
    Receipt done = pending;
    done.status = Status::Success;
    done.completed_at = "2026-12-07T10:00:00+00:00";
    done.version = 3;
    EXPECT_EQ(receipt_object(done), json::parse(R"({"action": "CREATE", "type": "provider", "id": "p1", )"
                                                R"("status": "SUCCESS", "completedAt": "2026-12-07T10:00:00+00:00", )"
                                                R"("version": 3})"));
    // A stored error is copied as it was stored (an older version's shape included).
    json stored = json::parse(R"({"code": 404, "type": "NOT_FOUND", "message": "old", "extra": [1]})");
    NlohmannReader reader;
    Receipt failed;
    failed.status = Status::Failure;
    failed.stored_error = reader.node(stored);
    EXPECT_EQ(receipt_object(failed), json({{"status", "FAILURE"}, {"error", stored}}));
    OperationError error{ErrorType::Forbidden, "no"};
    failed.error = &error;  // an error decided now wins over a stored one
    EXPECT_EQ(receipt_object(failed)["error"], json::parse(R"({"code": 403, "type": "FORBIDDEN", "message": "no"})"));
}

//
// Actions and receipt summaries.
//

TEST(Actions, NamesAndPayloadKeys)
{
    EXPECT_STREQ(action_name(Action::Create), "CREATE");
    EXPECT_STREQ(action_name(Action::Upsert), "UPSERT");
    EXPECT_STREQ(action_name(Action::Patch), "PATCH");
    EXPECT_STREQ(action_name(Action::Delete), "DELETE");
    EXPECT_STREQ(payload_key(Action::Patch), "patch");
    EXPECT_STREQ(payload_key(Action::Create), "create");
    EXPECT_STREQ(payload_key(Action::Upsert), "upsert");
    EXPECT_STREQ(payload_key(Action::Delete), "delete");
    EXPECT_EQ(action_from_name("CREATE"), Action::Create);
    EXPECT_EQ(action_from_name("UPSERT"), Action::Upsert);
    EXPECT_EQ(action_from_name("DELETE"), Action::Delete);
    EXPECT_EQ(action_from_name("PATCH"), Action::Patch);
    for (std::string_view other : {"create", "Create", "MERGE", "", "CREATE ", "UPDATE"})
        EXPECT_EQ(action_from_name(other), std::nullopt) << other;
}

TEST(Actions, SummarizeOperation)
{
    NlohmannReader reader;
    auto summary_of = [&](std::string_view text) {
        static json document;  // kept alive for the string_views of the summary
        document = json::parse(text);
        return summarize_operation(reader.node(document));
    };
    OperationSummary full = summary_of(R"({"action": "UPSERT", "upsert": {"type": "provider", "id": "p1", "data": {}}})");
    EXPECT_EQ(full.action, Action::Upsert);
    EXPECT_EQ(full.type, "provider");
    EXPECT_EQ(full.id, "p1");

    OperationSummary none = summary_of("[1]");
    EXPECT_FALSE(none.action);
    EXPECT_FALSE(none.type);
    EXPECT_FALSE(none.id);

    OperationSummary unknown_action = summary_of(R"({"action": "MERGE", "merge": {"type": "t", "id": "i"}})");
    EXPECT_FALSE(unknown_action.action);
    EXPECT_FALSE(unknown_action.type);

    OperationSummary wrong_payload = summary_of(R"({"action": "DELETE", "create": {"type": "t", "id": "i"}})");
    EXPECT_EQ(wrong_payload.action, Action::Delete);
    EXPECT_FALSE(wrong_payload.type);
    EXPECT_FALSE(wrong_payload.id);

    OperationSummary unreadable = summary_of(R"({"action": "CREATE", "create": {"type": ["t"], "id": 5}})");
    EXPECT_EQ(unreadable.action, Action::Create);
    EXPECT_FALSE(unreadable.type);
    EXPECT_FALSE(unreadable.id);

    OperationSummary invalid_but_readable = summary_of(R"({"action": "DELETE", "delete": {"type": "", "id": "has space"}})");
    EXPECT_EQ(invalid_but_readable.type, "");
    EXPECT_EQ(invalid_but_readable.id, "has space");
}

} // namespace
} // namespace pg_bulk
