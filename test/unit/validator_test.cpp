// Unit tests for submit-time validation (core/operation, core/data_validator): every error type a resource
// operation can get, with the exact message "operation N: <path>: <detail>" of the regression tests
// (expected/types.out, rules.out, contained.out, hostile.out, submit.out), read through NlohmannReader.
#include "core/data_validator.hpp"
#include "core/operation.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.hpp"
#include "core/json_path.hpp"
#include "core/nlohmann_view.hpp"
#include "core/profile.hpp"
#include "core/relationship.hpp"
#include "core_test_support.hpp"

namespace pg_bulk {
namespace {

using test::InMemoryProfiles;
using test::json;
using test::NumberTextReader;
using test::repeat;

const char *const client_id_rule = "expected 1 to 64 characters of [A-Za-z0-9._:-], ";

struct Case {
    std::string input;
    std::string expected;
};

class ValidatorTest : public ::testing::Test {
protected:
    // "VALID", or "<ERROR_TYPE>: <message>" as the regression tests print a receipt's error.
    std::string verdict_json(const json &operation, size_t index = 0) const
    {
        NlohmannReader reader;
        return describe(validator.validate(index, reader.node(operation)));
    }

    std::string verdict(std::string_view operation_text, size_t index = 0) const
    {
        return verdict_json(json::parse(operation_text), index);
    }

    // The same through NumberTextReader: {"$number": "<text>"} is a number with jsonb's text.
    std::string verdict_with_number_texts(const json &operation) const
    {
        NumberTextReader reader;
        return describe(validator.validate(0, reader.node(operation)));
    }

    static json create_of(std::string_view type, const json &data)
    {
        return {{"action", "CREATE"}, {"create", {{"type", type}, {"data", data}}}};
    }

    // A CREATE of `type` with `data`, like pg_temp.check of the regression tests.
    std::string check(std::string_view type, std::string_view data_text) const
    {
        return verdict_json(create_of(type, json::parse(data_text)));
    }

    // A CREATE of `type` with `data` and, unless absent, `contained`.
    std::string check_contained(std::string_view type, std::optional<std::string_view> contained_text,
                                std::string_view data_text = "{}") const
    {
        json operation = create_of(type, json::parse(data_text));
        if (contained_text)
            operation["create"]["contained"] = json::parse(*contained_text);
        return verdict_json(operation);
    }

    template <typename Check>
    void expect_cases(const std::vector<Case> &cases, Check check_one) const
    {
        for (const Case &c : cases)
            EXPECT_EQ(check_one(c.input), c.expected) << c.input;
    }

    static std::string describe(const std::optional<OperationError> &error)
    {
        if (!error)
            return "VALID";
        EXPECT_TRUE(error->sqlstate.empty());
        return std::string(error_type_name(error->type)) + ": " + error->message;
    }

    InMemoryProfiles profiles;
    ResourceOperationValidator validator{profiles, profiles.patterns};
};

//
// The operation's shape: INVALID_REQUEST, UNKNOWN_TYPE, and the order of checks.
//

class OperationTest : public ValidatorTest {
protected:
    void SetUp() override
    {
        profiles.define("phone", R"({"properties": {"number": {"type": "symbol"}}})", ProfileKind::Contained);
        profiles.define("provider", R"({"properties": {
            "name": {"type": "symbol", "rules": {"required": true, "maxLength": 200}},
            "practiceNumber": {"type": "integer", "rules": {"min": 0}},
            "rating": {"type": "decimal"},
            "specialities": {"type": "array", "items": {"type": "code", "rules": {"enum": ["Pharmacist", "Nurse"]}}},
            "address": {"type": "object", "properties": {"city": {"type": "symbol"}}}},
          "contained": {"phones": {"types": ["phone"], "cardinality": "0:*"}}})");
    }
};

TEST_F(OperationTest, ValidOperations)
{
    expect_cases(
        {
            {R"({"action": "CREATE", "create": {"type": "provider", "id": "p1", "data": {"name": "Ann"}}})", "VALID"},
            {R"({"action": "CREATE", "create": {"type": "provider", "data": {"name": "Generated id"}}})", "VALID"},
            {R"({"action": "CREATE", "create": {"type": "provider", "id": null, "data": {"name": "x"}, "meta": null,
                 "contained": null}})",
             "VALID"},
            {R"({"action": "UPSERT", "upsert": {"type": "provider", "id": "p2", "data": {"name": "Bob", "practiceNumber": 7},
                 "meta": {"source": "test"}}})",
             "VALID"},
            {R"({"action": "DELETE", "delete": {"type": "provider", "id": "p3"}})", "VALID"},
            {R"({"action": "CREATE", "create": {"type": "provider", "id": "a.b_c:d-1", "data": {"name": "Dr Who",
                 "practiceNumber": 0, "rating": -1.5, "specialities": ["Nurse", "Pharmacist"], "address": {"city": "Bern"}},
                 "contained": {"phones": [{"data": {"number": "1"}}, {"id": "ph2", "type": "phone", "data": {}}]}}})",
             "VALID"},
        },
        [&](const std::string &text) { return verdict(text); });
}

TEST_F(OperationTest, OperationAndActionShape)
{
    expect_cases(
        {
            {"null", "INVALID_REQUEST: operation 0: expected an operation object, got null"},
            {"[]", "INVALID_REQUEST: operation 0: expected an operation object, got array"},
            {"7", "INVALID_REQUEST: operation 0: expected an operation object, got number"},
            {R"("CREATE")", "INVALID_REQUEST: operation 0: expected an operation object, got string"},
            {"true", "INVALID_REQUEST: operation 0: expected an operation object, got boolean"},
            {"{}", "INVALID_REQUEST: operation 0: action: is required"},
            {R"({"create": {"type": "provider", "data": {"name": "n"}}})", "INVALID_REQUEST: operation 0: action: is required"},
            {R"({"action": null, "create": {}})",
             "INVALID_REQUEST: operation 0: action: expected CREATE, UPSERT, PATCH or DELETE, got null"},
            {R"({"action": 1})", "INVALID_REQUEST: operation 0: action: expected CREATE, UPSERT, PATCH or DELETE, got number"},
            {R"({"action": ["CREATE"]})",
             "INVALID_REQUEST: operation 0: action: expected CREATE, UPSERT, PATCH or DELETE, got array"},
            {R"({"action": "MERGE", "merge": {"type": "provider", "id": "x"}})",
             R"(INVALID_REQUEST: operation 0: action: expected CREATE, UPSERT, PATCH or DELETE, got "MERGE")"},
            {R"({"action": "create", "create": {}})",
             R"(INVALID_REQUEST: operation 0: action: expected CREATE, UPSERT, PATCH or DELETE, got "create")"},
            {R"({"action": "CREATE ", "create": {}})",
             R"(INVALID_REQUEST: operation 0: action: expected CREATE, UPSERT, PATCH or DELETE, got "CREATE ")"},
            {R"({"action": "créate", "créate": {}})",
             R"(INVALID_REQUEST: operation 0: action: expected CREATE, UPSERT, PATCH or DELETE, got "créate")"},
            {R"({"action": ")" + repeat("A", 100) + R"("})",
             "INVALID_REQUEST: operation 0: action: expected CREATE, UPSERT, PATCH or DELETE, got \"" + repeat("A", 64) + "...\""},
            // The action is checked before the other keys.
            {R"({"action": "MERGE", "create": {}, "other": 1})",
             R"(INVALID_REQUEST: operation 0: action: expected CREATE, UPSERT, PATCH or DELETE, got "MERGE")"},
        },
        [&](const std::string &text) { return verdict(text); });
}

TEST_F(OperationTest, PayloadKeyMustMatchTheAction)
{
    expect_cases(
        {
            {R"({"action": "UPSERT", "create": {"type": "provider", "id": "x", "data": {"name": "X"}}})",
             R"(INVALID_REQUEST: operation 0: create: unexpected key: action UPSERT takes its payload in "upsert")"},
            {R"({"action": "CREATE", "create": {"type": "provider", "data": {"name": "X"}}, "upsert": {}})",
             R"(INVALID_REQUEST: operation 0: upsert: unexpected key: action CREATE takes its payload in "create")"},
            {R"({"action": "DELETE", "delete": {"type": "provider", "id": "x"}, "meta": {}})",
             R"(INVALID_REQUEST: operation 0: meta: unexpected key: action DELETE takes its payload in "delete")"},
            {R"({"action": "DELETE", "a b": 1})",
             R"(INVALID_REQUEST: operation 0: ["a b"]: unexpected key: action DELETE takes its payload in "delete")"},
            {R"({"action": "CREATE"})", "INVALID_REQUEST: operation 0: create: is required for action CREATE"},
            {R"({"action": "UPSERT"})", "INVALID_REQUEST: operation 0: upsert: is required for action UPSERT"},
            {R"({"action": "DELETE"})", "INVALID_REQUEST: operation 0: delete: is required for action DELETE"},
            {R"({"action": "CREATE", "create": null})", "INVALID_REQUEST: operation 0: create: expected object, got null"},
            {R"({"action": "CREATE", "create": []})", "INVALID_REQUEST: operation 0: create: expected object, got array"},
            {R"({"action": "DELETE", "delete": "provider/p1"})",
             "INVALID_REQUEST: operation 0: delete: expected object, got string"},
        },
        [&](const std::string &text) { return verdict(text); });
}

TEST_F(OperationTest, PayloadKeys)
{
    expect_cases(
        {
            {R"({"action": "CREATE", "create": {"type": "provider", "data": {"name": "n"}, "extra": 1}})",
             "INVALID_REQUEST: operation 0: create.extra: unknown key (expected type, id, data, contained, meta)"},
            {R"({"action": "CREATE", "create": {"type": "provider", "data": {"name": "n"}, "\"": 1}})",
             R"(INVALID_REQUEST: operation 0: create["\""]: unknown key (expected type, id, data, contained, meta))"},
            {R"({"action": "UPSERT", "upsert": {"type": "provider", "id": "u", "data": {"name": "n"}, "Data": {}}})",
             "INVALID_REQUEST: operation 0: upsert.Data: unknown key (expected type, id, ifVersion, data, contained, meta)"},
            {R"({"action": "DELETE", "delete": {"type": "provider", "id": "p1", "data": {}}})",
             "INVALID_REQUEST: operation 0: delete.data: unknown key (a delete takes only type, id and ifVersion)"},
            {R"({"action": "DELETE", "delete": {"type": "provider", "id": "r1", "contained": {}}})",
             "INVALID_REQUEST: operation 0: delete.contained: unknown key (a delete takes only type, id and ifVersion)"},
            {R"({"action": "DELETE", "delete": {"type": "provider", "id": "r1", "meta": null}})",
             "INVALID_REQUEST: operation 0: delete.meta: unknown key (a delete takes only type, id and ifVersion)"},
            {R"({"action": "CREATE", "create": {"type": "provider", "data": {"name": "n"}, "ifVersion": 1}})",
             "INVALID_REQUEST: operation 0: create.ifVersion: unknown key (expected type, id, data, contained, meta)"},
            // Unknown keys are found before the type is looked at.
            {R"({"action": "CREATE", "create": {"type": 7, "zzz": 1}})",
             "INVALID_REQUEST: operation 0: create.zzz: unknown key (expected type, id, data, contained, meta)"},
        },
        [&](const std::string &text) { return verdict(text); });
}

TEST_F(OperationTest, IfVersionIsAVersionNumber)
{
    const std::string upsert = R"({"action": "UPSERT", "upsert": {"type": "provider", "id": "u", "data": {"name": "n"}, )";
    const std::string del = R"({"action": "DELETE", "delete": {"type": "provider", "id": "u", )";
    expect_cases(
        {
            {upsert + R"("ifVersion": 1}})", "VALID"},
            {del + R"("ifVersion": 2147483647}})", "VALID"},
            {upsert + R"("ifVersion": 0}})",
             "INVALID_REQUEST: operation 0: upsert.ifVersion: expected a version from 1 to 2147483647, got 0"},
            {upsert + R"("ifVersion": 2147483648}})",
             "INVALID_REQUEST: operation 0: upsert.ifVersion: expected a version from 1 to 2147483647, got 2147483648"},
            {del + R"("ifVersion": 1.5}})",
             "INVALID_REQUEST: operation 0: delete.ifVersion: expected a version from 1 to 2147483647, got 1.5"},
            {del + R"("ifVersion": "3"}})",
             "INVALID_REQUEST: operation 0: delete.ifVersion: expected a version from 1 to 2147483647, got string"},
            {del + R"("ifVersion": null}})",
             "INVALID_REQUEST: operation 0: delete.ifVersion: expected a version from 1 to 2147483647, got null"},
        },
        [&](const std::string &text) { return verdict(text); });
}

TEST_F(OperationTest, Type)
{
    expect_cases(
        {
            {R"({"action": "CREATE", "create": {"data": {}}})", "INVALID_REQUEST: operation 0: create.type: is required"},
            {R"({"action": "CREATE", "create": {"type": null, "data": {}}})",
             "INVALID_REQUEST: operation 0: create.type: is required"},
            {R"({"action": "DELETE", "delete": {"id": "x"}})", "INVALID_REQUEST: operation 0: delete.type: is required"},
            {R"({"action": "CREATE", "create": {"type": 7, "data": {}}})",
             "INVALID_REQUEST: operation 0: create.type: expected string, got number"},
            {R"({"action": "CREATE", "create": {"type": {"name": "provider"}, "data": {}}})",
             "INVALID_REQUEST: operation 0: create.type: expected string, got object"},
            {R"({"action": "CREATE", "create": {"type": "nurse", "data": {"name": "X"}}})",
             R"(UNKNOWN_TYPE: operation 0: create.type: no profile "nurse")"},
            {R"({"action": "CREATE", "create": {"type": "Provider", "data": {"name": "X"}}})",
             R"(UNKNOWN_TYPE: operation 0: create.type: no profile "Provider")"},
            {R"({"action": "DELETE", "delete": {"type": "", "id": "x"}})",
             R"(UNKNOWN_TYPE: operation 0: delete.type: no profile "")"},
            {R"({"action": "CREATE", "create": {"type": "x'; DROP TABLE bulk.tasks; --", "data": {}}})",
             R"(UNKNOWN_TYPE: operation 0: create.type: no profile "x'; DROP TABLE bulk.tasks; --")"},
            {R"({"action": "CREATE", "create": {"type": "a\"b\\c\n", "data": {}}})",
             R"(UNKNOWN_TYPE: operation 0: create.type: no profile "a\"b\\c\n")"},
            // A CONTAINED profile is no resource type of its own, whatever the action.
            {R"({"action": "CREATE", "create": {"type": "phone", "data": {"number": "1"}}})",
             R"(UNKNOWN_TYPE: operation 0: create.type: profile "phone" is CONTAINED: it can only be used inside contained)"},
            {R"({"action": "UPSERT", "upsert": {"type": "phone", "id": "h1", "data": {}}})",
             R"(UNKNOWN_TYPE: operation 0: upsert.type: profile "phone" is CONTAINED: it can only be used inside contained)"},
            {R"({"action": "DELETE", "delete": {"type": "phone", "id": "p1"}})",
             R"(UNKNOWN_TYPE: operation 0: delete.type: profile "phone" is CONTAINED: it can only be used inside contained)"},
        },
        [&](const std::string &text) { return verdict(text); });
}

TEST_F(OperationTest, Id)
{
    auto with_id = [](std::string_view action, const json &id) {
        std::string payload = action == "CREATE" ? "create" : action == "UPSERT" ? "upsert" : "delete";
        json operation = {{"action", action}, {payload, {{"type", "provider"}, {"id", id}}}};
        if (action != "DELETE")
            operation[payload]["data"] = {{"name", "n"}};
        return operation;
    };
    EXPECT_EQ(verdict_json(with_id("CREATE", nullptr)), "VALID");
    EXPECT_EQ(verdict_json(with_id("CREATE", "a.b_c:d-1")), "VALID");
    EXPECT_EQ(verdict_json(with_id("CREATE", repeat("i", 64))), "VALID");
    EXPECT_EQ(verdict_json(with_id("UPSERT", nullptr)), "INVALID_REQUEST: operation 0: upsert.id: is required for action UPSERT");
    EXPECT_EQ(verdict(R"({"action": "UPSERT", "upsert": {"type": "provider", "data": {"name": "X"}}})"),
              "INVALID_REQUEST: operation 0: upsert.id: is required for action UPSERT");
    EXPECT_EQ(verdict(R"({"action": "DELETE", "delete": {"type": "provider"}})"),
              "INVALID_REQUEST: operation 0: delete.id: is required for action DELETE");
    EXPECT_EQ(verdict_json(with_id("DELETE", nullptr)), "INVALID_REQUEST: operation 0: delete.id: is required for action DELETE");
    const std::string prefix = std::string("INVALID_REQUEST: operation 0: ");
    for (const char *action : {"CREATE", "UPSERT", "DELETE"}) {
        std::string path = action == std::string("CREATE") ? "create.id: " : action == std::string("UPSERT") ? "upsert.id: " : "delete.id: ";
        EXPECT_EQ(verdict_json(with_id(action, "has space")), prefix + path + client_id_rule + R"(got "has space")");
        EXPECT_EQ(verdict_json(with_id(action, "")), prefix + path + client_id_rule + R"(got "")");
        EXPECT_EQ(verdict_json(with_id(action, 5)), prefix + path + client_id_rule + "got number");
        EXPECT_EQ(verdict_json(with_id(action, json::array())), prefix + path + client_id_rule + "got array");
        EXPECT_EQ(verdict_json(with_id(action, false)), prefix + path + client_id_rule + "got boolean");
        EXPECT_EQ(verdict_json(with_id(action, repeat("i", 65))),
                  prefix + path + client_id_rule + "got \"" + repeat("i", 64) + "...\"");
        EXPECT_EQ(verdict_json(with_id(action, "a/b\"c")), prefix + path + client_id_rule + R"(got "a/b\"c")");
        EXPECT_EQ(verdict_json(with_id(action, "caf\xC3\xA9")), prefix + path + client_id_rule + "got \"caf\xC3\xA9\"");
    }
}

TEST_F(OperationTest, DataAndMeta)
{
    expect_cases(
        {
            {R"({"action": "CREATE", "create": {"type": "provider"}})",
             "INVALID_REQUEST: operation 0: create.data: is required for action CREATE"},
            {R"({"action": "CREATE", "create": {"type": "provider", "data": null}})",
             "INVALID_REQUEST: operation 0: create.data: is required for action CREATE"},
            {R"({"action": "UPSERT", "upsert": {"type": "provider", "id": "u1"}})",
             "INVALID_REQUEST: operation 0: upsert.data: is required for action UPSERT"},
            {R"({"action": "CREATE", "create": {"type": "provider", "data": []}})",
             "INVALID_REQUEST: operation 0: create.data: expected object, got array"},
            {R"({"action": "CREATE", "create": {"type": "provider", "data": "x"}})",
             "INVALID_REQUEST: operation 0: create.data: expected object, got string"},
            {R"({"action": "CREATE", "create": {"type": "provider", "data": {"name": "n"}, "meta": {"source": "test"}}})",
             "VALID"},
            {R"({"action": "CREATE", "create": {"type": "provider", "data": {"name": "n"}, "meta": {}}})", "VALID"},
            {R"({"action": "CREATE", "create": {"type": "provider", "data": {"name": "n"}, "meta": 1}})",
             "INVALID_REQUEST: operation 0: create.meta: expected object, got number"},
            {R"({"action": "UPSERT", "upsert": {"type": "provider", "id": "u", "data": {"name": "n"}, "meta": []}})",
             "INVALID_REQUEST: operation 0: upsert.meta: expected object, got array"},
            {R"({"action": "CREATE", "create": {"type": "provider", "data": {"name": "n"}, "meta": "m"}})",
             "INVALID_REQUEST: operation 0: create.meta: expected object, got string"},
            {R"({"action": "CREATE", "create": {"type": "provider", "data": {"name": "n"}, "contained": "x"}})",
             "INVALID_CONTAINED: operation 0: create.contained: expected object, got string"},
        },
        [&](const std::string &text) { return verdict(text); });
}

TEST_F(OperationTest, OrderOfChecks)
{
    expect_cases(
        {
            // type before id, id before data, data's shape before meta, meta before data's content,
            // data before contained.
            {R"({"action": "UPSERT", "upsert": {"type": "nurse", "id": "bad id"}})",
             R"(UNKNOWN_TYPE: operation 0: upsert.type: no profile "nurse")"},
            {R"({"action": "UPSERT", "upsert": {"type": "provider", "id": "bad id"}})",
             std::string("INVALID_REQUEST: operation 0: upsert.id: ") + client_id_rule + R"(got "bad id")"},
            {R"({"action": "CREATE", "create": {"type": "provider", "data": [], "meta": 1}})",
             "INVALID_REQUEST: operation 0: create.data: expected object, got array"},
            {R"({"action": "CREATE", "create": {"type": "provider", "data": {"x": 1}, "meta": 1}})",
             "INVALID_REQUEST: operation 0: create.meta: expected object, got number"},
            {R"({"action": "CREATE", "create": {"type": "provider", "data": {}, "contained": "x"}})",
             "MISSING_REQUIRED: operation 0: create.data.name: required property is missing"},
            {R"({"action": "CREATE", "create": {"type": "provider", "data": {"fax": 1}, "contained": "x"}})",
             R"(INVALID_PROPERTY: operation 0: create.data.fax: property not declared by profile "provider")"},
        },
        [&](const std::string &text) { return verdict(text); });
}

TEST_F(OperationTest, MessageNamesTheOperationIndex)
{
    json operation = json::parse(R"({"action": "CREATE", "create": {"type": "provider", "data": {"name": 1}}})");
    EXPECT_EQ(verdict_json(operation, 0), "INVALID_VALUE: operation 0: create.data.name: expected symbol, got number");
    EXPECT_EQ(verdict_json(operation, 41), "INVALID_VALUE: operation 41: create.data.name: expected symbol, got number");
    EXPECT_EQ(verdict_json(operation, 99999),
              "INVALID_VALUE: operation 99999: create.data.name: expected symbol, got number");
    EXPECT_EQ(verdict("null", 7), "INVALID_REQUEST: operation 7: expected an operation object, got null");

    NlohmannReader reader;
    auto error = validator.validate(3, reader.node(operation));
    ASSERT_TRUE(error);
    EXPECT_EQ(error->type, ErrorType::InvalidValue);
    EXPECT_EQ(error->message, "operation 3: create.data.name: expected symbol, got number");
    EXPECT_EQ(error->sqlstate, "");
    EXPECT_EQ(validator.validate(3, reader.node(json::parse(
                                        R"({"action": "DELETE", "delete": {"type": "provider", "id": "p"}})"))),
              std::nullopt);
}

TEST_F(OperationTest, LabelIsBuiltOnlyForInvalidOperations)
{
    NlohmannReader reader;
    int built = 0;
    auto label = [&] {
        ++built;
        return std::string("row (0,3)");
    };
    json valid = json::parse(R"({"action": "CREATE", "create": {"type": "provider", "data": {"name": "n"}}})");
    EXPECT_EQ(validator.validate(reader.node(valid), label), std::nullopt);
    EXPECT_EQ(built, 0);
    json invalid = json::parse(R"({"action": "CREATE", "create": {"type": "provider", "data": {"name": 1}}})");
    auto error = validator.validate(reader.node(invalid), label);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->type, ErrorType::InvalidValue);
    EXPECT_EQ(error->message, "row (0,3): create.data.name: expected symbol, got number");
    EXPECT_EQ(built, 1);
    json not_object = nullptr;
    error = validator.validate(reader.node(not_object), label);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->message, "row (0,3): expected an operation object, got null");
}

TEST_F(OperationTest, RelationshipShapesAreNamed)
{
    expect_cases(
        {
            {R"({"action": "CREATE", "create": {"type": "provider", "data": {"name": "n"}, "from": {}}})",
             "INVALID_REQUEST: operation 0: create.from: a resource operation has no from: relationship operations go to "
             "bulk.submit_relationships"},
            {R"({"action": "DELETE", "delete": {"type": "provider", "id": "x", "to": {}}})",
             "INVALID_REQUEST: operation 0: delete.to: a resource operation has no to: relationship operations go to "
             "bulk.submit_relationships"},
        },
        [&](const std::string &text) { return verdict(text); });

    // With a relationship catalog, a relationship type sent as a resource is named as such.
    class OneRelationship final : public RelationshipCatalog {
    public:
        OneRelationship() { definition.key = "works_at"; }
        const RelationshipDefinition *find_relationship(std::string_view key) const override
        {
            return key == definition.key ? &definition : nullptr;
        }
        RelationshipDefinition definition;
    } relationships;
    ResourceOperationValidator with_relationships(profiles, profiles.patterns, &relationships);
    NlohmannReader reader;
    json operation = json::parse(R"({"action": "CREATE", "create": {"type": "works_at", "data": {}}})");
    EXPECT_EQ(describe(with_relationships.validate(0, reader.node(operation))),
              R"(INVALID_REQUEST: operation 0: create.type: "works_at" is a relationship type: relationship operations go to bulk.submit_relationships)");
    EXPECT_EQ(verdict_json(operation), R"(UNKNOWN_TYPE: operation 0: create.type: no profile "works_at")");
    json other = json::parse(R"({"action": "CREATE", "create": {"type": "nurse", "data": {}}})");
    EXPECT_EQ(describe(with_relationships.validate(0, reader.node(other))),
              R"(UNKNOWN_TYPE: operation 0: create.type: no profile "nurse")");
}

TEST_F(OperationTest, UndeclaredAndMissingProperties)
{
    expect_cases(
        {
            {R"({"name": "X", "fax": "123"})",
             R"(INVALID_PROPERTY: operation 0: create.data.fax: property not declared by profile "provider")"},
            {R"({"name": "X", "fax": null})",  // null does not excuse an undeclared property
             R"(INVALID_PROPERTY: operation 0: create.data.fax: property not declared by profile "provider")"},
            {R"({"name": "n", "address": {"x.y": 1}})",
             R"(INVALID_PROPERTY: operation 0: create.data.address["x.y"]: property not declared by object "address")"},
            {R"({"practiceNumber": 1})", "MISSING_REQUIRED: operation 0: create.data.name: required property is missing"},
            {R"({"name": null})", "MISSING_REQUIRED: operation 0: create.data.name: required property is missing"},
            {"{}", "MISSING_REQUIRED: operation 0: create.data.name: required property is missing"},
        },
        [&](const std::string &text) { return check("provider", text); });
}

//
// Data types (expected/types.out).
//

class DataTypeTest : public ValidatorTest {
protected:
    void SetUp() override
    {
        profiles.define("all", R"({"properties": {
          "s":   {"type": "symbol"},   "c":  {"type": "code"},     "m":  {"type": "markdown"}, "u": {"type": "uri"},
          "l":   {"type": "url"},      "i":  {"type": "integer"},  "d":  {"type": "decimal"},  "b": {"type": "boolean"},
          "dt":  {"type": "date"},     "ts": {"type": "datetime"}, "tm": {"type": "time"},
          "arr": {"type": "array", "items": {"type": "integer"}},
          "obj": {"type": "object", "properties": {
                   "x":     {"type": "symbol"},
                   "inner": {"type": "object", "properties": {"y": {"type": "integer", "rules": {"required": true}}}}}}}})");
        profiles.define("person", R"({"properties": {"name": {"type": "symbol", "rules": {"required": true}},
                                                     "age": {"type": "integer"}}})");
    }

    // Like pg_temp.check: a CREATE of "all" with data {property: value}.
    std::string check_value(const std::string &property, const json &value) const
    {
        return verdict_json(create_of("all", {{property, value}}));
    }

    std::string check_number_text(const std::string &property, const std::string &text) const
    {
        return verdict_with_number_texts(create_of("all", {{property, NumberTextReader::number(text)}}));
    }

    // Like pg_temp.brief: "ok", or what follows "create.data.<property>: " of an INVALID_VALUE.
    std::string brief(const std::string &property, const json &value) const
    {
        std::string result = check_value(property, value);
        if (result == "VALID")
            return "ok";
        std::string prefix = "INVALID_VALUE: operation 0: create.data." + property + ": ";
        return result.compare(0, prefix.size(), prefix) == 0 ? result.substr(prefix.size()) : result;
    }
};

TEST_F(DataTypeTest, EachTypeAcceptsExactlyOneJsonKind)
{
    struct Row {
        std::string property;
        json sample;
        std::vector<std::string> expected;  // string, number, boolean, array, object
    };
    auto wrong = [](const std::string &type, const char *kind) { return "expected " + type + ", got " + kind; };
    auto text_row = [&](const std::string &property, const std::string &type, const json &sample) {
        return Row{property, sample,
                   {"ok", wrong(type, "number"), wrong(type, "boolean"), wrong(type, "array"), wrong(type, "object")}};
    };
    const std::vector<Row> rows = {
        text_row("s", "symbol", "x"),
        text_row("c", "code", "x"),
        text_row("m", "markdown", "x"),
        text_row("u", "uri", "x"),
        text_row("l", "url", "https://x"),
        {"i", "1", {"expected integer, got string", "ok", wrong("integer", "boolean"), wrong("integer", "array"),
                    wrong("integer", "object")}},
        {"d", "1.5", {"expected decimal, got string", "ok", wrong("decimal", "boolean"), wrong("decimal", "array"),
                      wrong("decimal", "object")}},
        {"b", "true", {"expected boolean, got string", wrong("boolean", "number"), "ok", wrong("boolean", "array"),
                       wrong("boolean", "object")}},
        text_row("dt", "date", "2023"),
        text_row("ts", "datetime", "2023-01-01T00:00:00Z"),
        text_row("tm", "time", "00:00:00"),
        {"arr", "[]", {"expected array, got string", wrong("array", "number"), wrong("array", "boolean"), "ok",
                       wrong("array", "object")}},
        {"obj", "{}", {"expected object, got string", wrong("object", "number"), wrong("object", "boolean"),
                       wrong("object", "array"), "ok"}},
    };
    for (const Row &row : rows) {
        const std::vector<json> values = {row.sample, 1, true, json::array(), json::object()};
        for (size_t i = 0; i < values.size(); ++i)
            EXPECT_EQ(brief(row.property, values[i]), row.expected[i]) << row.property << " " << values[i].dump();
    }
}

TEST_F(DataTypeTest, SymbolAndMarkdownAcceptAnyString)
{
    for (const char *value : {"x", "", "  two  spaces ", "tab\there\nnewline", "\xC3\xA9moji \xF0\x9F\x98\x80"}) {
        EXPECT_EQ(check_value("s", value), "VALID") << value;
        EXPECT_EQ(check_value("m", value), "VALID") << value;
    }
    EXPECT_EQ(check_value("m", "# Title\n\n*bold*  text "), "VALID");
}

TEST_F(DataTypeTest, Code)
{
    const std::string expected = ": expected a code (no leading, trailing or repeated whitespace)";
    expect_cases(
        {
            {"Pharmacist", "VALID"},
            {"General Practitioner", "VALID"},
            {"\xC3\xA9 \xC3\xBC-1.2", "VALID"},
            {"a  b", R"(INVALID_VALUE: operation 0: create.data.c: invalid code "a  b")" + expected},
            {" a", R"(INVALID_VALUE: operation 0: create.data.c: invalid code " a")" + expected},
            {"a ", R"(INVALID_VALUE: operation 0: create.data.c: invalid code "a ")" + expected},
            {"", R"(INVALID_VALUE: operation 0: create.data.c: invalid code "")" + expected},
            {"a\tb", R"(INVALID_VALUE: operation 0: create.data.c: invalid code "a\tb")" + expected},
            {"a\nb", R"(INVALID_VALUE: operation 0: create.data.c: invalid code "a\nb")" + expected},
        },
        [&](const std::string &value) { return check_value("c", value); });
}

TEST_F(DataTypeTest, UriAndUrl)
{
    const std::string uri = ": expected a URI (no whitespace)";
    expect_cases(
        {
            {"urn:oid:1.2.3", "VALID"},
            {"../relative/path", "VALID"},
            {"ftp://x.org/a", "VALID"},
            {"a b", R"(INVALID_VALUE: operation 0: create.data.u: invalid uri "a b")" + uri},
            {"", R"(INVALID_VALUE: operation 0: create.data.u: invalid uri "")" + uri},
            {"a\x01" "b", R"(INVALID_VALUE: operation 0: create.data.u: invalid uri "a\u0001b")" + uri},
        },
        [&](const std::string &value) { return check_value("u", value); });
    const std::string url = ": expected an absolute http or https URL";
    std::vector<Case> cases = {
        {"https://example.org/a?b=1#c", "VALID"},
        {"http://localhost:8080", "VALID"},
        {"HTTPS://EXAMPLE.ORG", "VALID"},
        {"https://user@host/", "VALID"},
    };
    for (const char *invalid : {"ftp://example.org/file", "https://", "http:///path", "https://?q", "example.org",
                                "//example.org", "https://exa mple.org", "mailto:a@b.c", ""})
        cases.push_back({invalid, "INVALID_VALUE: operation 0: create.data.l: invalid url \"" + std::string(invalid) +
                                      "\"" + url});
    expect_cases(cases, [&](const std::string &value) { return check_value("l", value); });
}

TEST_F(DataTypeTest, IntegerThroughNlohmann)
{
    // nlohmann keeps the text of integers; a number with a fraction or an exponent becomes a double, whose text
    // nlohmann writes its own way ("1e2" reads back as 100.0).
    expect_cases(
        {
            {"1", "VALID"},
            {"-0", "VALID"},
            {"9223372036854775807", "VALID"},
            {"-9223372036854775808", "VALID"},
            {"1.0", "INVALID_VALUE: operation 0: create.data.i: expected integer, got 1.0 (a fraction or exponent)"},
            {"1.5", "INVALID_VALUE: operation 0: create.data.i: expected integer, got 1.5 (a fraction or exponent)"},
            {"1e-2", "INVALID_VALUE: operation 0: create.data.i: expected integer, got 0.01 (a fraction or exponent)"},
            {"9223372036854775808", "INVALID_VALUE: operation 0: create.data.i: integer out of int64 range"},
            {"18446744073709551615", "INVALID_VALUE: operation 0: create.data.i: integer out of int64 range"},
            {R"("1")", "INVALID_VALUE: operation 0: create.data.i: expected integer, got string"},
        },
        [&](const std::string &value) { return check_value("i", json::parse(value)); });
}

TEST_F(DataTypeTest, IntegerWithJsonbTexts)
{
    // What jsonb hands over for the values written in expected/types.out (1e2 arrives as 100, 1.50e1 as 15.0).
    const std::string e400 = "1" + repeat("0", 400);
    expect_cases(
        {
            {"100", "VALID"},
            {"15", "VALID"},
            {"0", "VALID"},
            {"15.0", "INVALID_VALUE: operation 0: create.data.i: expected integer, got 15.0 (a fraction or exponent)"},
            {"0.01", "INVALID_VALUE: operation 0: create.data.i: expected integer, got 0.01 (a fraction or exponent)"},
            {"-9223372036854775809", "INVALID_VALUE: operation 0: create.data.i: integer out of int64 range"},
            {"123456789012345678901234567890", "INVALID_VALUE: operation 0: create.data.i: integer out of int64 range"},
            {e400, "INVALID_VALUE: operation 0: create.data.i: integer out of int64 range"},
            {"-" + e400, "INVALID_VALUE: operation 0: create.data.i: integer out of int64 range"},
            {"0." + repeat("0", 399) + "1",
             "INVALID_VALUE: operation 0: create.data.i: expected integer, got 0.00000000000000000000000000000000000000... "
             "(a fraction or exponent)"},
            {"NaN", R"(INVALID_VALUE: operation 0: create.data.i: expected integer, got "NaN")"},
            {"Infinity", R"(INVALID_VALUE: operation 0: create.data.i: expected integer, got "Infinity")"},
        },
        [&](const std::string &text) { return check_number_text("i", text); });
}

TEST_F(DataTypeTest, Decimal)
{
    for (const char *value : {"0", "-1.5", "3.14159265358979323846264338327950288", "1e300", "-1e-300"})
        EXPECT_EQ(check_value("d", json::parse(value)), "VALID") << value;
    const std::string e400 = "1" + repeat("0", 400);
    for (const std::string &text : {e400, "-" + e400, "0." + repeat("0", 399) + "1"})
        EXPECT_EQ(check_number_text("d", text), "VALID") << text.substr(0, 10);
    EXPECT_EQ(check_value("d", "1.5"), "INVALID_VALUE: operation 0: create.data.d: expected decimal, got string");
    EXPECT_EQ(check_value("d", "NaN"), "INVALID_VALUE: operation 0: create.data.d: expected decimal, got string");
    EXPECT_EQ(check_number_text("d", "NaN"), R"(INVALID_VALUE: operation 0: create.data.d: expected decimal, got "NaN")");
    EXPECT_EQ(check_number_text("d", "-Infinity"),
              R"(INVALID_VALUE: operation 0: create.data.d: expected decimal, got "-Infinity")");
}

TEST_F(DataTypeTest, Boolean)
{
    EXPECT_EQ(check_value("b", true), "VALID");
    EXPECT_EQ(check_value("b", false), "VALID");
    EXPECT_EQ(check_value("b", "true"), "INVALID_VALUE: operation 0: create.data.b: expected boolean, got string");
    EXPECT_EQ(check_value("b", 0), "INVALID_VALUE: operation 0: create.data.b: expected boolean, got number");
}

TEST_F(DataTypeTest, Date)
{
    std::vector<Case> cases;
    for (const char *valid : {"2023", "2023-02", "2023-02-28", "2024-02-29", "2000-02-29", "0001-01-01", "9999-12-31"})
        cases.push_back({valid, "VALID"});
    for (const char *invalid : {"2023-02-30", "2023-02-29", "1900-02-29", "2023-04-31", "2023-13", "2023-00",
                                "2023-01-00", "2023-2-1", "23", "0000", "20230101", "2023/01/01",
                                "2023-01-01T00:00:00Z", " 2023", ""})
        cases.push_back({invalid, "INVALID_VALUE: operation 0: create.data.dt: invalid date \"" + std::string(invalid) +
                                      "\": expected a date YYYY, YYYY-MM or YYYY-MM-DD"});
    expect_cases(cases, [&](const std::string &value) { return check_value("dt", value); });
}

TEST_F(DataTypeTest, DateTime)
{
    std::vector<Case> cases;
    for (const char *valid : {"2023-01-01T10:00:00Z", "2023-01-01T10:00:00+02:00", "2023-01-01T10:00:00.123-05:30",
                              "2024-02-29T23:59:59.123456789+14:00"})
        cases.push_back({valid, "VALID"});
    for (const char *invalid : {"2023-01-01T10:00:00", "2023-01-01T10:00:00.5", "2023-01-01 10:00:00Z",
                                "2023-01-01t10:00:00z", "2023-02-30T10:00:00Z", "2023-01-01T24:00:00Z",
                                "2023-01-01T10:00Z", "2023-01-01T10:00:00+15:00", "2023-01-01T10:00:00+0200",
                                "2023-01-01", "2023-01-01T10:00:00.Z", "2023-01-01T10:00:00.1234567890Z"})
        cases.push_back({invalid, "INVALID_VALUE: operation 0: create.data.ts: invalid datetime \"" +
                                      std::string(invalid) +
                                      "\": expected a datetime YYYY-MM-DDThh:mm:ss[.fff] with timezone (Z or +hh:mm)"});
    expect_cases(cases, [&](const std::string &value) { return check_value("ts", value); });
}

TEST_F(DataTypeTest, Time)
{
    std::vector<Case> cases;
    for (const char *valid : {"10:00:00", "00:00:00", "23:59:59.999"})
        cases.push_back({valid, "VALID"});
    for (const char *invalid :
         {"24:00:00", "10:60:00", "10:00:60", "10:00", "1:00:00", "10:00:00Z", "10:00:00+01:00", "10:00:00."})
        cases.push_back({invalid, "INVALID_VALUE: operation 0: create.data.tm: invalid time \"" + std::string(invalid) +
                                      "\": expected a time hh:mm:ss[.fff]"});
    expect_cases(cases, [&](const std::string &value) { return check_value("tm", value); });
}

TEST_F(DataTypeTest, Array)
{
    expect_cases(
        {
            {"[]", "VALID"},
            {"[1, 2, 3]", "VALID"},
            {R"([1, "2"])", "INVALID_VALUE: operation 0: create.data.arr[1]: expected integer, got string"},
            {"[1, null]", "INVALID_VALUE: operation 0: create.data.arr[1]: expected integer, got null"},
            {"[[1]]", "INVALID_VALUE: operation 0: create.data.arr[0]: expected integer, got array"},
            {"[1, 2.5]", "INVALID_VALUE: operation 0: create.data.arr[1]: expected integer, got 2.5 (a fraction or exponent)"},
            {R"({"0": 1})", "INVALID_VALUE: operation 0: create.data.arr: expected array, got object"},
            {"[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, true]",
             "INVALID_VALUE: operation 0: create.data.arr[11]: expected integer, got boolean"},
        },
        [&](const std::string &value) { return check_value("arr", json::parse(value)); });
}

TEST_F(DataTypeTest, Object)
{
    expect_cases(
        {
            {"{}", "VALID"},
            {R"({"x": "a", "inner": {"y": 1}})", "VALID"},
            {R"({"x": null, "inner": null})", "VALID"},
            {R"({"inner": {}})", "MISSING_REQUIRED: operation 0: create.data.obj.inner.y: required property is missing"},
            {R"({"inner": {"y": null}})",
             "MISSING_REQUIRED: operation 0: create.data.obj.inner.y: required property is missing"},
            {R"({"inner": {"y": 1, "z": 2}})",
             R"(INVALID_PROPERTY: operation 0: create.data.obj.inner.z: property not declared by object "inner")"},
            {R"({"z": 1})", R"(INVALID_PROPERTY: operation 0: create.data.obj.z: property not declared by object "obj")"},
            {R"({"x": 1})", "INVALID_VALUE: operation 0: create.data.obj.x: expected symbol, got number"},
            {R"({"inner": {"y": "1"}})", "INVALID_VALUE: operation 0: create.data.obj.inner.y: expected integer, got string"},
            {"[]", "INVALID_VALUE: operation 0: create.data.obj: expected object, got array"},
        },
        [&](const std::string &value) { return check_value("obj", json::parse(value)); });
}

TEST_F(DataTypeTest, NullIsAbsent)
{
    expect_cases(
        {
            {R"({"name": "Ann", "age": null})", "VALID"},
            {R"({"name": null})", "MISSING_REQUIRED: operation 0: create.data.name: required property is missing"},
            {"{}", "MISSING_REQUIRED: operation 0: create.data.name: required property is missing"},
            {R"({"name": "Ann", "nmae": null})",
             R"(INVALID_PROPERTY: operation 0: create.data.nmae: property not declared by profile "person")"},
            {R"({"name": "Ann", "we\"ird\\key": 1})",
             R"(INVALID_PROPERTY: operation 0: create.data["we\"ird\\key"]: property not declared by profile "person")"},
            {R"({"name": "Ann", "": 1})",
             R"(INVALID_PROPERTY: operation 0: create.data[""]: property not declared by profile "person")"},
        },
        [&](const std::string &text) { return check("person", text); });
    // Every property of "all" null at once: nothing to check.
    json all_null = json::object();
    for (const char *property : {"s", "c", "m", "u", "l", "i", "d", "b", "dt", "ts", "tm", "arr", "obj"})
        all_null[property] = nullptr;
    EXPECT_EQ(verdict_json(create_of("all", all_null)), "VALID");
}

//
// Rules (expected/rules.out).
//

class RuleTest : public ValidatorTest {
protected:
    void SetUp() override
    {
        profiles.define("r", R"({"properties": {
          "req":   {"type": "symbol", "rules": {"required": true}},
          "opt":   {"type": "symbol", "rules": {"required": false}},
          "flag":  {"type": "boolean", "rules": {"required": false}},
          "age":   {"type": "integer", "rules": {"min": 0, "max": 150}},
          "neg":   {"type": "integer", "rules": {"min": -10, "max": -5}},
          "frac":  {"type": "integer", "rules": {"min": 0.5, "max": 2.5}},
          "big":   {"type": "integer", "rules": {"max": 9007199254740992}},
          "huge":  {"type": "integer", "rules": {"min": -1e300, "max": 1e300}},
          "score": {"type": "decimal", "rules": {"min": -1.5, "max": 2.25}},
          "tiny":  {"type": "decimal", "rules": {"min": 0.0000001}},
          "name":  {"type": "symbol", "rules": {"minLength": 2, "maxLength": 3}},
          "empty": {"type": "symbol", "rules": {"maxLength": 0}},
          "c":     {"type": "code", "rules": {"minLength": 3, "enum": ["a b", "abc", "ab", "bcd"], "pattern": "^a"}},
          "tags":  {"type": "array", "items": {"type": "code", "rules": {"enum": ["a", "b"]}}, "rules": {"minItems": 1, "maxItems": 2}},
          "any":   {"type": "array", "items": {"type": "symbol"}, "rules": {"maxItems": 0}},
          "color": {"type": "code", "rules": {"enum": ["red", "green", "Rouge vif", "é"]}},
          "level": {"type": "integer", "rules": {"enum": [1, 2, 3, -4]}},
          "zip":   {"type": "symbol", "rules": {"pattern": "^[0-9]{4}$"}},
          "loose": {"type": "symbol", "rules": {"pattern": "[0-9]{4}"}},
          "three": {"type": "symbol", "rules": {"pattern": "^.{3}$"}},
          "site":  {"type": "url", "rules": {"pattern": "^https://", "maxLength": 30}},
          "nest":  {"type": "object", "properties": {"inner": {"type": "integer", "rules": {"required": true, "min": 1}}}}
        }})");
    }

    // Like pg_temp.check_member: data {"req": "x", <member>}.
    std::string check_member(const std::string &member) const { return check("r", R"({"req": "x", )" + member + "}"); }

    // The same with the member's value given as jsonb's number text.
    std::string check_member_number(const std::string &property, const std::string &text) const
    {
        return verdict_with_number_texts(create_of("r", {{"req", "x"}, {property, NumberTextReader::number(text)}}));
    }
};

TEST_F(RuleTest, Required)
{
    expect_cases(
        {
            {R"({"req": "x"})", "VALID"},
            {R"({"req": ""})", "VALID"},
            {"{}", "MISSING_REQUIRED: operation 0: create.data.req: required property is missing"},
            {R"({"req": null})", "MISSING_REQUIRED: operation 0: create.data.req: required property is missing"},
            {R"({"opt": "x"})", "MISSING_REQUIRED: operation 0: create.data.req: required property is missing"},
            {R"({"req": "x", "opt": null, "flag": false})", "VALID"},
            {R"({"req": "x", "nest": {}})", "MISSING_REQUIRED: operation 0: create.data.nest.inner: required property is missing"},
            {R"({"req": "x", "nest": {"inner": null}})",
             "MISSING_REQUIRED: operation 0: create.data.nest.inner: required property is missing"},
            {R"({"req": "x", "nest": {"inner": 1}})", "VALID"},
        },
        [&](const std::string &text) { return check("r", text); });
    EXPECT_EQ(verdict(R"({"action": "UPSERT", "upsert": {"type": "r", "id": "r1", "data": {"opt": "x"}}})"),
              "MISSING_REQUIRED: operation 0: upsert.data.req: required property is missing");
}

TEST_F(RuleTest, FirstMissingRequiredPropertyInNameOrder)
{
    profiles.define("two", R"({"properties": {"b": {"type": "symbol", "rules": {"required": true}},
                                              "a": {"type": "symbol", "rules": {"required": true}},
                                              "c": {"type": "symbol", "rules": {"required": true}}}})");
    EXPECT_EQ(check("two", "{}"), "MISSING_REQUIRED: operation 0: create.data.a: required property is missing");
    EXPECT_EQ(check("two", R"({"a": "x"})"), "MISSING_REQUIRED: operation 0: create.data.b: required property is missing");
    EXPECT_EQ(check("two", R"({"a": "x", "b": null, "c": "z"})"),
              "MISSING_REQUIRED: operation 0: create.data.b: required property is missing");
    EXPECT_EQ(check("two", R"({"a": "x", "b": "y", "c": "z"})"), "VALID");
}

TEST_F(RuleTest, MinAndMaxOfIntegersCompareExactly)
{
    expect_cases(
        {
            {R"("age": 0)", "VALID"},
            {R"("age": 150)", "VALID"},
            {R"("age": -1)", "INVALID_VALUE: operation 0: create.data.age: value -1 is less than min 0"},
            {R"("age": 151)", "INVALID_VALUE: operation 0: create.data.age: value 151 is greater than max 150"},
            {R"("neg": -10)", "VALID"},
            {R"("neg": -5)", "VALID"},
            {R"("neg": -11)", "INVALID_VALUE: operation 0: create.data.neg: value -11 is less than min -10"},
            {R"("neg": -4)", "INVALID_VALUE: operation 0: create.data.neg: value -4 is greater than max -5"},
            {R"("frac": 0)", "INVALID_VALUE: operation 0: create.data.frac: value 0 is less than min 0.5"},
            {R"("frac": 1)", "VALID"},
            {R"("frac": 2)", "VALID"},
            {R"("frac": 3)", "INVALID_VALUE: operation 0: create.data.frac: value 3 is greater than max 2.5"},
            {R"("big": 9007199254740992)", "VALID"},
            {R"("big": 9007199254740993)",
             "INVALID_VALUE: operation 0: create.data.big: value 9007199254740993 is greater than max 9007199254740992"},
            {R"("big": -9223372036854775808)", "VALID"},
            {R"("huge": 9223372036854775807)", "VALID"},
            {R"("huge": -9223372036854775808)", "VALID"},
        },
        [&](const std::string &member) { return check_member(member); });
}

TEST_F(RuleTest, IntegerBoundsAtTheEdgesOfInt64)
{
    profiles.define("edges", R"({"properties": {
        "top": {"type": "integer", "rules": {"min": 9223372036854775807}},
        "above": {"type": "integer", "rules": {"min": 1e19}},
        "below": {"type": "integer", "rules": {"max": -1e19}},
        "bottom": {"type": "integer", "rules": {"max": -9223372036854775808}},
        "halves": {"type": "integer", "rules": {"min": -0.5, "max": 0.5}}}})");
    // 2^63 - 1 is no double, but bounds compare exactly: the bound is 2^63 - 1 itself.
    EXPECT_EQ(check("edges", R"({"top": 9223372036854775807})"), "VALID");
    EXPECT_EQ(check("edges", R"({"top": 9223372036854775806})"),
              "INVALID_VALUE: operation 0: create.data.top: value 9223372036854775806 is less than min 9223372036854775807");
    EXPECT_EQ(check("edges", R"({"above": 9223372036854775807})"),
              "INVALID_VALUE: operation 0: create.data.above: value 9223372036854775807 is less than min 1e+19");
    EXPECT_EQ(check("edges", R"({"below": -9223372036854775808})"),
              "INVALID_VALUE: operation 0: create.data.below: value -9223372036854775808 is greater than max -1e+19");
    EXPECT_EQ(check("edges", R"({"bottom": -9223372036854775808})"), "VALID");
    EXPECT_EQ(check("edges", R"({"bottom": -9223372036854775807})"),
              "INVALID_VALUE: operation 0: create.data.bottom: value -9223372036854775807 is greater than max "
              "-9223372036854775808");
    EXPECT_EQ(check("edges", R"({"halves": 0})"), "VALID");
    EXPECT_EQ(check("edges", R"({"halves": 1})"),
              "INVALID_VALUE: operation 0: create.data.halves: value 1 is greater than max 0.5");
    EXPECT_EQ(check("edges", R"({"halves": -1})"),
              "INVALID_VALUE: operation 0: create.data.halves: value -1 is less than min -0.5");
}

TEST_F(RuleTest, MinAndMaxOfDecimals)
{
    const std::string e400 = "1" + repeat("0", 400);
    expect_cases(
        {
            {"score -1.5", "VALID"},
            {"score 2.25", "VALID"},
            {"score 0", "VALID"},
            {"score 2.2500001", "INVALID_VALUE: operation 0: create.data.score: value 2.2500001 is greater than max 2.25"},
            {"score -1.51", "INVALID_VALUE: operation 0: create.data.score: value -1.51 is less than min -1.5"},
            {"score 3", "INVALID_VALUE: operation 0: create.data.score: value 3 is greater than max 2.25"},
            {"score " + e400,
             "INVALID_VALUE: operation 0: create.data.score: value 1000000000000000000000000000000000000000... is greater "
             "than max 2.25"},
            {"score -" + e400,
             "INVALID_VALUE: operation 0: create.data.score: value -100000000000000000000000000000000000000... is less "
             "than min -1.5"},
            {"tiny 0.0000001", "VALID"},
            {"tiny 0.00000009", "INVALID_VALUE: operation 0: create.data.tiny: value 0.00000009 is less than min 1e-07"},
            {"tiny 0", "INVALID_VALUE: operation 0: create.data.tiny: value 0 is less than min 1e-07"},
        },
        [&](const std::string &input) {
            size_t space = input.find(' ');
            return check_member_number(input.substr(0, space), input.substr(space + 1));
        });
    // Through nlohmann, the same doubles with nlohmann's text.
    EXPECT_EQ(check_member(R"("tiny": 0.00000009)"),
              "INVALID_VALUE: operation 0: create.data.tiny: value 9e-08 is less than min 1e-07");
}

// Issue 12: bounds compare exactly with the value as written and are quoted as the definition holds them.
TEST_F(RuleTest, BoundsCompareExactlyAndAreQuotedAsWritten)
{
    profiles.define_with_number_texts("exact", R"({"properties": {
        "big":   {"type": "integer", "rules": {"max": {"$number": "9007199254740993"}}},
        "third": {"type": "decimal", "rules": {"min": {"$number": "0.1"}, "max": {"$number": "0.3"}}},
        "kilo":  {"type": "decimal", "rules": {"max": {"$number": "1e3"}}},
        "frac":  {"type": "integer", "rules": {"min": {"$number": "-2.5E-1"}, "max": {"$number": "0.30000000000000000001"}}},
        "vast":  {"type": "decimal", "rules": {"min": {"$number": "-1e400"}, "max": {"$number": "1e400"}}}}})");
    const std::string e400 = "1" + repeat("0", 400);
    expect_cases(
        {
            {"big 9007199254740993", "VALID"},
            {"big 9007199254740994",
             "INVALID_VALUE: operation 0: create.data.big: value 9007199254740994 is greater than max 9007199254740993"},
            {"third 0.3", "VALID"},
            {"third 0.30000000000000000000", "VALID"},
            {"third 0.30000000000000000001",
             "INVALID_VALUE: operation 0: create.data.third: value 0.30000000000000000001 is greater than max 0.3"},
            {"third 0.1", "VALID"},
            {"third 0.0999999999999999999999999",
             "INVALID_VALUE: operation 0: create.data.third: value 0.0999999999999999999999999 is less than min 0.1"},
            {"kilo 1000", "VALID"},
            {"kilo 1000.0000000000000000001",
             "INVALID_VALUE: operation 0: create.data.kilo: value 1000.0000000000000000001 is greater than max 1e3"},
            {"frac 0", "VALID"},
            {"frac -1", "INVALID_VALUE: operation 0: create.data.frac: value -1 is less than min -2.5E-1"},
            {"frac 1", "INVALID_VALUE: operation 0: create.data.frac: value 1 is greater than max 0.30000000000000000001"},
            {"vast " + e400, "VALID"},
            {"vast -" + e400, "VALID"},
            {"vast " + e400 + ".5",
             "INVALID_VALUE: operation 0: create.data.vast: value 1000000000000000000000000000000000000000... is greater "
             "than max 1e400"},
        },
        [&](const std::string &input) {
            size_t space = input.find(' ');
            return verdict_with_number_texts(
                create_of("exact", {{input.substr(0, space), NumberTextReader::number(input.substr(space + 1))}}));
        });
}

TEST_F(RuleTest, LengthsCountCharactersNotBytes)
{
    expect_cases(
        {
            {R"("ab")", "VALID"},
            {R"("abc")", "VALID"},
            {R"("a")", "INVALID_VALUE: operation 0: create.data.name: length 1 is less than minLength 2"},
            {R"("abcd")", "INVALID_VALUE: operation 0: create.data.name: length 4 exceeds maxLength 3"},
            {R"("é")", "INVALID_VALUE: operation 0: create.data.name: length 1 is less than minLength 2"},
            {R"("éé")", "VALID"},
            {R"("ééé")", "VALID"},
            {R"("éééé")", "INVALID_VALUE: operation 0: create.data.name: length 4 exceeds maxLength 3"},
            {R"("😀")", "INVALID_VALUE: operation 0: create.data.name: length 1 is less than minLength 2"},
            {R"("😀😀")", "VALID"},
            {R"("😀😀😀")", "VALID"},
            {R"("😀😀😀😀")", "INVALID_VALUE: operation 0: create.data.name: length 4 exceeds maxLength 3"},
            {R"("e\u0301")", "VALID"},
            {R"("e\u0301e\u0301")", "INVALID_VALUE: operation 0: create.data.name: length 4 exceeds maxLength 3"},
            {R"("\ud83d\ude00\ud83d\ude00")", "VALID"},
        },
        [&](const std::string &value) { return check_member(R"("name": )" + value); });
    expect_cases(
        {
            {R"("empty": "")", "VALID"},
            {R"("empty": " ")", "INVALID_VALUE: operation 0: create.data.empty: length 1 exceeds maxLength 0"},
            {R"("empty": null)", "VALID"},
        },
        [&](const std::string &member) { return check_member(member); });
}

TEST_F(RuleTest, ItemCountsAndItems)
{
    expect_cases(
        {
            {R"("tags": [])", "INVALID_VALUE: operation 0: create.data.tags: 0 items, fewer than minItems 1"},
            {R"("tags": ["a"])", "VALID"},
            {R"("tags": ["a", "b"])", "VALID"},
            {R"("tags": ["a", "b", "a"])", "INVALID_VALUE: operation 0: create.data.tags: 3 items, more than maxItems 2"},
            {R"("tags": ["a", "c"])",
             R"(INVALID_VALUE: operation 0: create.data.tags[1]: "c" is not one of the allowed values ["a", "b"])"},
            {R"("tags": ["a", null])", "INVALID_VALUE: operation 0: create.data.tags[1]: expected code, got null"},
            {R"("any": [])", "VALID"},
            {R"("any": ["x"])", "INVALID_VALUE: operation 0: create.data.any: 1 items, more than maxItems 0"},
            // The count is checked before the items.
            {R"("tags": ["x", "y", "z"])", "INVALID_VALUE: operation 0: create.data.tags: 3 items, more than maxItems 2"},
        },
        [&](const std::string &member) { return check_member(member); });
}

TEST_F(RuleTest, Enum)
{
    expect_cases(
        {
            {R"("color": "red")", "VALID"},
            {R"("color": "Rouge vif")", "VALID"},
            {R"("color": "é")", "VALID"},
            {R"("color": "Red")",
             R"(INVALID_VALUE: operation 0: create.data.color: "Red" is not one of the allowed values ["red", "green", "Rouge vif", "é"])"},
            {R"("color": "rouge vif")",
             R"(INVALID_VALUE: operation 0: create.data.color: "rouge vif" is not one of the allowed values ["red", "green", "Rouge vif", "é"])"},
            {R"("color": "e\u0301")",
             "INVALID_VALUE: operation 0: create.data.color: \"e\xCC\x81\" is not one of the allowed values [\"red\", "
             "\"green\", \"Rouge vif\", \"\xC3\xA9\"]"},
            {R"("level": 1)", "VALID"},
            {R"("level": -4)", "VALID"},
            {R"("level": 4)", "INVALID_VALUE: operation 0: create.data.level: 4 is not one of the allowed values [1, 2, 3, -4]"},
            {R"("level": 1.0)",
             "INVALID_VALUE: operation 0: create.data.level: expected integer, got 1.0 (a fraction or exponent)"},
            {R"("level": "1")", "INVALID_VALUE: operation 0: create.data.level: expected integer, got string"},
        },
        [&](const std::string &member) { return check_member(member); });
    // jsonb hands over 1e0 as 1.
    EXPECT_EQ(check_member_number("level", "1"), "VALID");
}

TEST_F(RuleTest, Pattern)
{
    expect_cases(
        {
            {R"("zip": "1234")", "VALID"},
            {R"("zip": "12345")", R"(INVALID_VALUE: operation 0: create.data.zip: "12345" does not match pattern "^[0-9]{4}$")"},
            {R"("zip": "x1234")", R"(INVALID_VALUE: operation 0: create.data.zip: "x1234" does not match pattern "^[0-9]{4}$")"},
            {R"("zip": "123")", R"(INVALID_VALUE: operation 0: create.data.zip: "123" does not match pattern "^[0-9]{4}$")"},
            {R"("loose": "1234")", "VALID"},
            {R"("loose": "ab12345cd")", "VALID"},
            {R"("loose": "12a34")", R"(INVALID_VALUE: operation 0: create.data.loose: "12a34" does not match pattern "[0-9]{4}")"},
            {R"("three": "abc")", "VALID"},
            {R"("three": "ab")", R"(INVALID_VALUE: operation 0: create.data.three: "ab" does not match pattern "^.{3}$")"},
            {R"("site": "https://a.org")", "VALID"},
            {R"("site": "http://a.org")",
             R"(INVALID_VALUE: operation 0: create.data.site: "http://a.org" does not match pattern "^https://")"},
            {R"("site": "https://a-very-long-host-name.example.org")",
             "INVALID_VALUE: operation 0: create.data.site: length 41 exceeds maxLength 30"},
        },
        [&](const std::string &member) { return check_member(member); });
}

TEST_F(RuleTest, OrderOfChecksOnOneValue)
{
    // Type and format, then minLength/maxLength, then enum, then pattern.
    expect_cases(
        {
            {R"("c": "a  b")",
             R"(INVALID_VALUE: operation 0: create.data.c: invalid code "a  b": expected a code (no leading, trailing or repeated whitespace))"},
            {R"("c": "ab")", "INVALID_VALUE: operation 0: create.data.c: length 2 is less than minLength 3"},
            {R"("c": "abcd")",
             R"(INVALID_VALUE: operation 0: create.data.c: "abcd" is not one of the allowed values ["a b", "abc", "ab", "bcd"])"},
            {R"("c": "bcd")", R"(INVALID_VALUE: operation 0: create.data.c: "bcd" does not match pattern "^a")"},
            {R"("c": "abc")", "VALID"},
            {R"("c": "a b")", "VALID"},
        },
        [&](const std::string &member) { return check_member(member); });
    // One error per operation: the first property in key order (nlohmann: bytewise; jsonb: shorter keys
    // first) — "age" under both here.
    EXPECT_EQ(check("r", R"({"name": "a", "age": -1, "zip": "x"})"),
              "INVALID_VALUE: operation 0: create.data.age: value -1 is less than min 0");
}

TEST_F(RuleTest, PatternEngineRunsOnlyWhenEarlierChecksPass)
{
    int before = profiles.patterns.matches_calls;
    EXPECT_EQ(check_member(R"("c": "ab")"), "INVALID_VALUE: operation 0: create.data.c: length 2 is less than minLength 3");
    EXPECT_EQ(check_member(R"("c": "abcd")"),
              R"(INVALID_VALUE: operation 0: create.data.c: "abcd" is not one of the allowed values ["a b", "abc", "ab", "bcd"])");
    EXPECT_EQ(check_member(R"("zip": null)"), "VALID");
    EXPECT_EQ(check_member(R"("age": 3)"), "VALID");
    EXPECT_EQ(profiles.patterns.matches_calls, before);
    EXPECT_EQ(check_member(R"("c": "abc")"), "VALID");
    EXPECT_EQ(profiles.patterns.matches_calls, before + 1);
}

//
// Contained entries (expected/contained.out).
//

class ContainedTest : public ValidatorTest {
protected:
    void SetUp() override
    {
        profiles.define("slot", R"({"properties": {"from": {"type": "time", "rules": {"required": true}}}})",
                        ProfileKind::Contained);
        profiles.define("hours", R"({"properties": {"day": {"type": "code", "rules": {"required": true}}},
                                    "contained": {"slots": {"types": ["slot"], "cardinality": "0:*"}}})",
                        ProfileKind::Contained);
        profiles.define("phone", R"({"properties": {"number": {"type": "symbol"}}})", ProfileKind::Contained);
        profiles.define("email", R"({"properties": {"address": {"type": "symbol", "rules": {"required": true}}}})",
                        ProfileKind::Contained);
        profiles.define("tree", R"({"contained": {"child": {"types": ["tree"], "cardinality": "0:1"}}})",
                        ProfileKind::Contained);
        profiles.define("node", R"({"contained": {"kids": {"types": ["node"], "cardinality": "0:*"}}})",
                        ProfileKind::Contained);
        profiles.define("c01", R"({"contained": {"x": {"types": ["phone"], "cardinality": "0:1"}}})");
        profiles.define("c11", R"({"contained": {"x": {"types": ["phone"], "cardinality": "1:1"}}})");
        profiles.define("c0n", R"({"contained": {"x": {"types": ["phone"], "cardinality": "0:*"}}})");
        profiles.define("c1n", R"({"contained": {"x": {"types": ["phone"], "cardinality": "1:*"}}})");
        profiles.define("provider", R"({"properties": {"name": {"type": "symbol", "rules": {"required": true}}},
          "contained": {"contact": {"types": ["phone", "email"], "cardinality": "0:*"},
                        "openingHours": {"types": ["hours"], "cardinality": "0:*"},
                        "tree": {"types": ["tree"], "cardinality": "0:1"},
                        "nodes": {"types": ["node"], "cardinality": "0:*"}}})");
        profiles.define("plain", R"({"properties": {"name": {"type": "symbol"}}})");
    }

    std::string check_provider(std::string_view contained) const
    {
        return check_contained("provider", contained, R"({"name": "Dr Who"})");
    }
};

TEST_F(ContainedTest, Cardinalities)
{
    struct Row {
        const char *type;
        std::optional<std::string_view> contained;
        std::string expected;
    };
    const std::string missing = "MISSING_REQUIRED: operation 0: create.contained.x: required contained entry is missing";
    const std::vector<Row> rows = {
        {"c01", std::nullopt, "VALID"},
        {"c01", "{}", "VALID"},
        {"c01", R"({"x": null})", "VALID"},
        {"c01", R"({"x": {"data": {"number": "1"}}})", "VALID"},
        {"c01", R"({"x": [{"data": {}}]})",
         "INVALID_CONTAINED: operation 0: create.contained.x: cardinality 0:1 holds one entry: expected object, got array"},
        {"c11", std::nullopt, missing + " (cardinality 1:1)"},
        {"c11", "null", missing + " (cardinality 1:1)"},
        {"c11", "{}", missing + " (cardinality 1:1)"},
        {"c11", R"({"x": null})", missing + " (cardinality 1:1)"},
        {"c11", R"({"x": {"data": {}}})", "VALID"},
        {"c11", R"({"x": []})",
         "INVALID_CONTAINED: operation 0: create.contained.x: cardinality 1:1 holds one entry: expected object, got array"},
        {"c11", R"({"x": [{"data": {}}]})",
         "INVALID_CONTAINED: operation 0: create.contained.x: cardinality 1:1 holds one entry: expected object, got array"},
        {"c11", R"({"x": "phone"})",
         "INVALID_CONTAINED: operation 0: create.contained.x: cardinality 1:1 holds one entry: expected object, got string"},
        {"c0n", std::nullopt, "VALID"},
        {"c0n", R"({"x": []})", "VALID"},
        {"c0n", R"({"x": [{"data": {}}, {"id": "p2", "data": {"number": "2"}}]})", "VALID"},
        {"c0n", R"({"x": {"data": {}}})",
         "INVALID_CONTAINED: operation 0: create.contained.x: cardinality 0:* holds an array of entries: expected array, "
         "got object"},
        {"c1n", std::nullopt, missing + " (cardinality 1:*)"},
        {"c1n", R"({"x": null})", missing + " (cardinality 1:*)"},
        {"c1n", R"({"x": []})", "INVALID_CONTAINED: operation 0: create.contained.x: cardinality 1:* needs at least one entry"},
        {"c1n", R"({"x": [{"data": {}}]})", "VALID"},
        {"c1n", R"({"x": [{"data": {}}, {"data": {}}]})", "VALID"},
        {"c1n", R"({"x": {"data": {}}})",
         "INVALID_CONTAINED: operation 0: create.contained.x: cardinality 1:* holds an array of entries: expected array, "
         "got object"},
        {"c1n", R"({"x": 1})",
         "INVALID_CONTAINED: operation 0: create.contained.x: cardinality 1:* holds an array of entries: expected array, "
         "got number"},
    };
    for (const Row &row : rows)
        EXPECT_EQ(check_contained(row.type, row.contained), row.expected)
            << row.type << " " << (row.contained ? *row.contained : "<absent>");
}

TEST_F(ContainedTest, ContainedObject)
{
    expect_cases(
        {
            {"c0n []", "INVALID_CONTAINED: operation 0: create.contained: expected object, got array"},
            {R"(c0n "x")", "INVALID_CONTAINED: operation 0: create.contained: expected object, got string"},
            {R"(c0n {"y": []})", R"(INVALID_CONTAINED: operation 0: create.contained.y: contained key not declared by profile "c0n")"},
            {R"(c0n {"x": [], "X": []})",
             R"(INVALID_CONTAINED: operation 0: create.contained.X: contained key not declared by profile "c0n")"},
            {R"(c0n {"y": null})",
             R"(INVALID_CONTAINED: operation 0: create.contained.y: contained key not declared by profile "c0n")"},
            {R"(plain {"x": []})",
             R"(INVALID_CONTAINED: operation 0: create.contained.x: contained key not declared by profile "plain")"},
            {"plain {}", "VALID"},
            {"plain null", "VALID"},
        },
        [&](const std::string &input) {
            size_t space = input.find(' ');
            return check_contained(input.substr(0, space), std::string_view(input).substr(space + 1));
        });
}

TEST_F(ContainedTest, EntryShape)
{
    const std::string id_error = std::string("INVALID_REQUEST: operation 0: create.contained.x[0].id: ") + client_id_rule;
    expect_cases(
        {
            {R"({"x": [1]})", "INVALID_CONTAINED: operation 0: create.contained.x[0]: expected an entry object, got number"},
            {R"({"x": [null]})", "INVALID_CONTAINED: operation 0: create.contained.x[0]: expected an entry object, got null"},
            {R"({"x": ["phone"]})", "INVALID_CONTAINED: operation 0: create.contained.x[0]: expected an entry object, got string"},
            {R"({"x": [{}]})", "INVALID_CONTAINED: operation 0: create.contained.x[0].data: is required in a contained entry"},
            {R"({"x": [{"data": null}]})",
             "INVALID_CONTAINED: operation 0: create.contained.x[0].data: is required in a contained entry"},
            {R"({"x": [{"data": []}]})", "INVALID_CONTAINED: operation 0: create.contained.x[0].data: expected object, got array"},
            {R"({"x": [{"data": "x"}]})", "INVALID_CONTAINED: operation 0: create.contained.x[0].data: expected object, got string"},
            {R"({"x": [{"data": {"nope": 1}}]})",
             R"(INVALID_PROPERTY: operation 0: create.contained.x[0].data.nope: property not declared by profile "phone")"},
            {R"({"x": [{"data": {"number": 1}}]})",
             "INVALID_VALUE: operation 0: create.contained.x[0].data.number: expected symbol, got number"},
            {R"({"x": [{"data": {}, "meta": {}}]})",
             "INVALID_CONTAINED: operation 0: create.contained.x[0].meta: unknown key in contained entry (expected type, id, "
             "data, contained)"},
            {R"({"x": [{"data": {}, "Data": {}}]})",
             "INVALID_CONTAINED: operation 0: create.contained.x[0].Data: unknown key in contained entry (expected type, id, "
             "data, contained)"},
            {R"({"x": [{"data": {}, "id": "a.b_c:d-1"}]})", "VALID"},
            {R"({"x": [{"data": {}, "id": null}]})", "VALID"},
            {R"({"x": [{"data": {}, "id": "bad id"}]})", id_error + R"(got "bad id")"},
            {R"({"x": [{"data": {}, "id": ""}]})", id_error + R"(got "")"},
            {R"({"x": [{"data": {}, "id": 5}]})", id_error + "got number"},
            {R"({"x": [{"data": {}, "id": ")" + repeat("i", 64) + R"("}]})", "VALID"},
            {R"({"x": [{"data": {}, "id": ")" + repeat("i", 65) + R"("}]})",
             id_error + "got \"" + repeat("i", 64) + "...\""},
            {R"({"x": [{"type": "phone", "data": {}}]})", "VALID"},
            {R"({"x": [{"type": null, "data": {}}]})", "VALID"},
            {R"({"x": [{"type": "email", "data": {}}]})",
             R"(INVALID_CONTAINED: operation 0: create.contained.x[0].type: type "email" is not allowed in "x" (allowed: ["phone"]))"},
            {R"({"x": [{"type": "nosuch", "data": {}}]})",
             R"(INVALID_CONTAINED: operation 0: create.contained.x[0].type: type "nosuch" is not allowed in "x" (allowed: ["phone"]))"},
            {R"({"x": [{"type": "c0n", "data": {}}]})",
             R"(INVALID_CONTAINED: operation 0: create.contained.x[0].type: type "c0n" is not allowed in "x" (allowed: ["phone"]))"},
            {R"({"x": [{"type": 1, "data": {}}]})",
             "INVALID_CONTAINED: operation 0: create.contained.x[0].type: expected string, got number"},
            {R"({"x": [{"data": {}}, {"data": {"number": true}}]})",
             "INVALID_VALUE: operation 0: create.contained.x[1].data.number: expected symbol, got boolean"},
            // Within an entry: its keys, then type, id, data.
            {R"({"x": [{"type": "email", "id": "bad id", "zz": 1}]})",
             "INVALID_CONTAINED: operation 0: create.contained.x[0].zz: unknown key in contained entry (expected type, id, "
             "data, contained)"},
            {R"({"x": [{"type": "email", "id": "bad id"}]})",
             R"(INVALID_CONTAINED: operation 0: create.contained.x[0].type: type "email" is not allowed in "x" (allowed: ["phone"]))"},
            {R"({"x": [{"id": "bad id"}]})", id_error + R"(got "bad id")"},
        },
        [&](const std::string &contained) { return check_contained("c0n", contained); });
}

TEST_F(ContainedTest, SlotWithSeveralTypes)
{
    expect_cases(
        {
            {R"({"contact": [{"type": "phone", "data": {"number": "1"}}, {"type": "email", "data": {"address": "a@b.org"}}]})",
             "VALID"},
            {R"({"contact": [{"data": {"number": "1"}}]})",
             R"(INVALID_CONTAINED: operation 0: create.contained.contact[0].type: is required because "contact" allows several types ["phone", "email"])"},
            {R"({"contact": [{"type": null, "data": {"number": "1"}}]})",
             R"(INVALID_CONTAINED: operation 0: create.contained.contact[0].type: is required because "contact" allows several types ["phone", "email"])"},
            {R"({"contact": [{"type": "email", "data": {"number": "1"}}]})",
             R"(INVALID_PROPERTY: operation 0: create.contained.contact[0].data.number: property not declared by profile "email")"},
            {R"({"contact": [{"type": "email", "data": {}}]})",
             "MISSING_REQUIRED: operation 0: create.contained.contact[0].data.address: required property is missing"},
            {R"({"contact": [{"type": "hours", "data": {"day": "MON"}}]})",
             R"(INVALID_CONTAINED: operation 0: create.contained.contact[0].type: type "hours" is not allowed in "contact" (allowed: ["phone", "email"]))"},
        },
        [&](const std::string &contained) { return check_provider(contained); });
}

TEST_F(ContainedTest, EntriesNestTheirOwnContained)
{
    expect_cases(
        {
            {R"({"openingHours": [{"data": {"day": "MON"}, "contained": {"slots": [{"data": {"from": "08:00:00"}}, {"data": {"from": "14:00:00"}}]}}]})",
             "VALID"},
            {R"({"openingHours": [{"data": {"day": "MON"}, "contained": null}]})", "VALID"},
            {R"({"openingHours": [{"data": {"day": "MON"}, "contained": {"slots": [{"data": {"from": "08:00:00"}}, {"data": {"from": "8am"}}]}}]})",
             R"(INVALID_VALUE: operation 0: create.contained.openingHours[0].contained.slots[1].data.from: invalid time "8am": expected a time hh:mm:ss[.fff])"},
            {R"({"openingHours": [{"data": {"day": "MON"}, "contained": {"slots": [{"data": {}}]}}]})",
             "MISSING_REQUIRED: operation 0: create.contained.openingHours[0].contained.slots[0].data.from: required property "
             "is missing"},
            {R"({"openingHours": [{"data": {"day": "MON"}, "contained": {"slots": {"data": {"from": "08:00:00"}}}}]})",
             "INVALID_CONTAINED: operation 0: create.contained.openingHours[0].contained.slots: cardinality 0:* holds an "
             "array of entries: expected array, got object"},
            {R"({"openingHours": [{"data": {"day": "MON"}, "contained": {"nope": []}}]})",
             R"(INVALID_CONTAINED: operation 0: create.contained.openingHours[0].contained.nope: contained key not declared by profile "hours")"},
            {R"({"openingHours": [{"data": {"day": "MON"}, "contained": []}]})",
             "INVALID_CONTAINED: operation 0: create.contained.openingHours[0].contained: expected object, got array"},
            {R"({"openingHours": [{"data": {}, "contained": {"nope": []}}]})",
             "MISSING_REQUIRED: operation 0: create.contained.openingHours[0].data.day: required property is missing"},
            {R"({"tree": {"data": {}, "contained": {"child": {"data": {}, "contained": {"child": {"data": {"leaf": 1}}}}}}})",
             "INVALID_PROPERTY: operation 0: create.contained.tree.contained.child.contained.child.data.leaf: property not "
             "declared by profile \"tree\""},
        },
        [&](const std::string &contained) { return check_provider(contained); });
}

// contained for provider: `levels` tree entries, each the child of the one before.
std::string nested_tree(size_t levels)
{
    return R"({"tree": )" + repeat(R"({"data": {}, "contained": {"child": )", levels - 1) + R"({"data": {}})" +
           repeat("}}", levels - 1) + "}";
}

// contained for provider: `levels` node entries in arrays, each in the "kids" of the one before.
std::string nested_nodes(size_t levels)
{
    return R"({"nodes": [)" + repeat(R"({"data": {}, "contained": {"kids": [)", levels - 1) + R"({"data": {}})" +
           repeat("]}}", levels - 1) + "]}";
}

TEST_F(ContainedTest, EntriesNestAtMost16Levels)
{
    const std::string too_deep = ": contained entries nested deeper than 16 levels";
    EXPECT_EQ(check_provider(nested_tree(1)), "VALID");
    EXPECT_EQ(check_provider(nested_tree(16)), "VALID");
    EXPECT_EQ(check_provider(nested_tree(17)),
              "INVALID_CONTAINED: operation 0: create.contained.tree" + repeat(".contained.child", 16) + too_deep);
    EXPECT_EQ(check_provider(nested_tree(5000)),
              "INVALID_CONTAINED: operation 0: create.contained.tree" + repeat(".contained.child", 16) + too_deep);
    EXPECT_EQ(check_provider(nested_nodes(16)), "VALID");
    EXPECT_EQ(check_provider(nested_nodes(17)),
              "INVALID_CONTAINED: operation 0: create.contained.nodes[0]" + repeat(".contained.kids[0]", 16) + too_deep);
    EXPECT_EQ(check_provider(nested_nodes(5000)),
              "INVALID_CONTAINED: operation 0: create.contained.nodes[0]" + repeat(".contained.kids[0]", 16) + too_deep);
}

TEST_F(ContainedTest, ResourceDataIsCheckedBeforeItsContainedEntries)
{
    EXPECT_EQ(check_contained("provider", R"({"contact": [{"data": {}}]})", "{}"),
              "MISSING_REQUIRED: operation 0: create.data.name: required property is missing");
    EXPECT_EQ(check_contained("provider", R"({"contact": [{"data": {}}]})", R"({"name": "Dr Who"})"),
              R"(INVALID_CONTAINED: operation 0: create.contained.contact[0].type: is required because "contact" allows several types ["phone", "email"])");
}

TEST_F(ContainedTest, UpsertValidatesContainedLikeCreate)
{
    EXPECT_EQ(verdict(R"({"action": "UPSERT", "upsert": {"type": "c11", "id": "r1", "data": {}}})"),
              "MISSING_REQUIRED: operation 0: upsert.contained.x: required contained entry is missing (cardinality 1:1)");
    EXPECT_EQ(verdict(R"({"action": "UPSERT", "upsert": {"type": "c11", "id": "r1", "data": {}, "contained": {"x": {"data": {"number": "1"}}}}})"),
              "VALID");
    EXPECT_EQ(verdict(R"({"action": "DELETE", "delete": {"type": "c11", "id": "r1"}})"), "VALID");
}

TEST_F(ContainedTest, ProfileThatIsNoLongerContained)
{
    // The catalog changed after c0n was compiled: the entry's profile was dropped, or redefined as ROOT.
    profiles.drop("phone");
    EXPECT_EQ(check_contained("c0n", R"({"x": [{"data": {}}]})"),
              R"(INVALID_CONTAINED: operation 0: create.contained.x[0].type: no CONTAINED profile "phone")");
    profiles.define("phone", "{}", ProfileKind::Root);
    EXPECT_EQ(check_contained("c0n", R"({"x": [{"type": "phone", "data": {}}]})"),
              R"(INVALID_CONTAINED: operation 0: create.contained.x[0].type: no CONTAINED profile "phone")");
    EXPECT_EQ(check_contained("c0n", "{}"), "VALID");
}

//
// Hostile input: keys, long values, deep nesting.
//

TEST_F(OperationTest, HostileKeysAreQuotedInPaths)
{
    expect_cases(
        {
            {R"({"name": "n", "a\"b\\c": 1})",
             R"(INVALID_PROPERTY: operation 0: create.data["a\"b\\c"]: property not declared by profile "provider")"},
            {R"({"name": "n", "": 1})", R"(INVALID_PROPERTY: operation 0: create.data[""]: property not declared by profile "provider")"},
            {R"({"name": "n", "line\nbreak\u0001": 1})",
             R"(INVALID_PROPERTY: operation 0: create.data["line\nbreak\u0001"]: property not declared by profile "provider")"},
            {R"({"name": "n", "tab\there\u001f\u007f": 1})",
             "INVALID_PROPERTY: operation 0: create.data[\"tab\\there\\u001f\x7f\"]: property not declared by profile "
             "\"provider\""},
            {R"({"name": "n", "a\u0000b": 1})",
             R"(INVALID_PROPERTY: operation 0: create.data["a\u0000b"]: property not declared by profile "provider")"},
            {R"({"name": "n", "x.y": 1})", R"(INVALID_PROPERTY: operation 0: create.data["x.y"]: property not declared by profile "provider")"},
            {R"({"name": "n", "[0]": 1})", R"(INVALID_PROPERTY: operation 0: create.data["[0]"]: property not declared by profile "provider")"},
            {R"({"name": "n", "café": 1})", R"(INVALID_PROPERTY: operation 0: create.data["café"]: property not declared by profile "provider")"},
            {R"({"name": "n", "address": {"x.y": 1}})",
             R"(INVALID_PROPERTY: operation 0: create.data.address["x.y"]: property not declared by object "address")"},
            {R"({"name": "n", ")" + repeat("k", 64) + R"(": 1})",
             "INVALID_PROPERTY: operation 0: create.data." + repeat("k", 64) + R"(: property not declared by profile "provider")"},
            {R"({"name": "n", ")" + repeat("k", 65) + R"(": 1})",
             "INVALID_PROPERTY: operation 0: create.data[\"" + repeat("k", 32) + R"(..."]: property not declared by profile "provider")"},
            {R"({"name": "n", ")" + repeat("é", 40) + R"(": 1})",
             "INVALID_PROPERTY: operation 0: create.data[\"" + repeat("é", 32) + R"(..."]: property not declared by profile "provider")"},
        },
        [&](const std::string &data) { return check("provider", data); });
    expect_cases(
        {
            {R"({"action": "CREATE", "create": {"type": "provider", "data": {"name": "n"}, "contained": {"a b": []}}})",
             R"(INVALID_CONTAINED: operation 0: create.contained["a b"]: contained key not declared by profile "provider")"},
            {R"({"action": "CREATE", "create": {"type": "provider", "data": {"name": "n"}, "contained": {"phones": [{"data": {}, "\\": 1}]}}})",
             "INVALID_CONTAINED: operation 0: create.contained.phones[0][\"\\\\\"]: unknown key in contained entry "
             "(expected type, id, data, contained)"},
            {R"({"action": "CREATE", "create": {"type": "provider", "data": {"name": "n"}, "contained": {"phones": [{"data": {"\"": 1}}]}}})",
             R"(INVALID_PROPERTY: operation 0: create.contained.phones[0].data["\""]: property not declared by profile "phone")"},
            {R"({"action": "CREATE", "\n": 1})",
             R"(INVALID_REQUEST: operation 0: ["\n"]: unexpected key: action CREATE takes its payload in "create")"},
        },
        [&](const std::string &operation) { return verdict(operation); });
}

TEST_F(OperationTest, LongValuesAreCutInMessages)
{
    EXPECT_EQ(check("provider", R"({"name": ")" + repeat("x", 100000) + R"("})"),
              "INVALID_VALUE: operation 0: create.data.name: length 100000 exceeds maxLength 200");
    EXPECT_EQ(check("provider", R"({"name": "n", ")" + repeat("k", 100000) + R"(": 1})"),
              "INVALID_PROPERTY: operation 0: create.data[\"" + repeat("k", 32) +
                  R"(..."]: property not declared by profile "provider")");
    EXPECT_EQ(verdict(R"({"action": "CREATE", "create": {"type": ")" + repeat("t", 100000) + R"(", "data": {}}})"),
              "UNKNOWN_TYPE: operation 0: create.type: no profile \"" + repeat("t", 64) + "...\"");
    EXPECT_EQ(verdict(R"({"action": "DELETE", "delete": {"type": "provider", "id": ")" + repeat("i", 100000) + R"("}})"),
              std::string("INVALID_REQUEST: operation 0: delete.id: ") + client_id_rule + "got \"" + repeat("i", 64) +
                  "...\"");
    EXPECT_EQ(check("provider", R"({"name": "n", "specialities": [")" + repeat("x", 1000) + R"("]})"),
              "INVALID_VALUE: operation 0: create.data.specialities[0]: \"" + repeat("x", 64) +
                  R"(..." is not one of the allowed values ["Pharmacist", "Nurse"])");
    // Cut at a character boundary: a space and 63 two-byte characters.
    EXPECT_EQ(check("provider", R"({"name": "n", "specialities": [" )" + repeat("é", 100) + R"("]})"),
              "INVALID_VALUE: operation 0: create.data.specialities[0]: invalid code \" " + repeat("é", 63) +
                  R"(...": expected a code (no leading, trailing or repeated whitespace))");
    // Escapes do not count against the cut: 64 quotes, each written \".
    EXPECT_EQ(check("provider", R"({"name": "n", "specialities": [")" + repeat("\\\"", 70) + R"("]})"),
              "INVALID_VALUE: operation 0: create.data.specialities[0]: \"" + repeat("\\\"", 64) +
                  R"(..." is not one of the allowed values ["Pharmacist", "Nurse"])");
}

TEST_F(ValidatorTest, LongPatternsAndEnumsAreCutInMessages)
{
    profiles.define("long", json{{"properties",
                                  {{"p", {{"type", "symbol"}, {"rules", {{"pattern", "^" + repeat("a", 100) + "$"}}}}},
                                   {"e", {{"type", "code"}, {"rules", {{"enum", {repeat("v", 50), "w"}}}}}},
                                   {"many",
                                    {{"type", "code"},
                                     {"rules", {{"enum", {repeat("a", 30), repeat("b", 30), repeat("c", 30), repeat("d", 30),
                                                          repeat("e", 30), repeat("f", 30), repeat("g", 30)}}}}}}}}}
                                 .dump());
    EXPECT_EQ(check("long", R"({"p": "b"})"),
              "INVALID_VALUE: operation 0: create.data.p: \"b\" does not match pattern \"^" + repeat("a", 63) + "...\"");
    // Each allowed value is cut at 40 characters.
    EXPECT_EQ(check("long", R"({"e": "x"})"),
              "INVALID_VALUE: operation 0: create.data.e: \"x\" is not one of the allowed values [\"" + repeat("v", 40) +
                  "...\", \"w\"]");
    // The list stops once it passes 200 characters.
    std::string listed;
    for (const char *letter : {"a", "b", "c", "d", "e", "f"})
        listed += (listed.empty() ? "\"" : ", \"") + repeat(letter, 30) + "\"";
    EXPECT_EQ(check("long", R"({"many": "x"})"),
              "INVALID_VALUE: operation 0: create.data.many: \"x\" is not one of the allowed values [" + listed + ", ...]");
}

// The allowed-values list ends with ", ..." only when values were left out (6 values of 30 characters:
// the text passes 200 characters, but all 6 are listed).
TEST_F(ValidatorTest, EnumListEndsWithEllipsisOnlyWhenValuesWereLeftOut)
{
    profiles.define("six", json{{"properties",
                                 {{"c",
                                   {{"type", "code"},
                                    {"rules", {{"enum", {repeat("a", 30), repeat("b", 30), repeat("c", 30), repeat("d", 30),
                                                         repeat("e", 30), repeat("f", 30)}}}}}}}}}
                                .dump());
    std::string listed;
    for (const char *letter : {"a", "b", "c", "d", "e", "f"})
        listed += (listed.empty() ? "\"" : ", \"") + repeat(letter, 30) + "\"";
    EXPECT_EQ(check("six", R"({"c": "x"})"),
              "INVALID_VALUE: operation 0: create.data.c: \"x\" is not one of the allowed values [" + listed + "]");
}

TEST_F(OperationTest, DeepDataStopsAtTheFirstLevelTheProfileDoesNotAllow)
{
    // Whole operations as text, parsed once: copying a deep nlohmann::json would recurse in the test itself.
    const size_t depth = 10000;
    auto create = [](const std::string &payload_members) {
        return R"({"action": "CREATE", "create": {"type": "provider", )" + payload_members + "}}";
    };
    EXPECT_EQ(verdict(create(R"("data": {"name": "x", "address": )" + repeat(R"({"city": )", depth) + R"("deep")" +
                             repeat("}", depth) + "}")),
              "INVALID_VALUE: operation 0: create.data.address.city: expected symbol, got object");
    EXPECT_EQ(verdict(create(R"("data": {"name": "x", "specialities": )" + repeat("[", depth) + repeat("]", depth) + "}")),
              "INVALID_VALUE: operation 0: create.data.specialities[0]: expected code, got array");
    EXPECT_EQ(verdict(create(R"("data": {"name": "x", "undeclared": )" + repeat(R"({"a": )", depth) + "1" +
                             repeat("}", depth) + "}")),
              R"(INVALID_PROPERTY: operation 0: create.data.undeclared: property not declared by profile "provider")");
    EXPECT_EQ(verdict(create(R"("data": {"name": "x"}, "contained": {"phones": [{"data": {"number": )" +
                             repeat("[", depth) + repeat("]", depth) + "}}]}")),
              "INVALID_VALUE: operation 0: create.contained.phones[0].data.number: expected symbol, got array");
    EXPECT_EQ(verdict(repeat("[", depth) + repeat("]", depth)),
              "INVALID_REQUEST: operation 0: expected an operation object, got array");
    // meta is only checked to be an object: its content is never walked.
    EXPECT_EQ(verdict(create(R"("data": {"name": "x"}, "meta": )" + repeat(R"({"a": )", depth) + "1" + repeat("}", depth))),
              "VALID");
}

//
// DataValidator on its own: ValidationFailure carries the type, the rendered path and the detail.
//

class DataValidatorTest : public ContainedTest {
protected:
    // The failure of `run`, or nullopt when it passes.
    template <typename Run>
    static std::optional<ValidationFailure> failure_of(Run run)
    {
        try {
            run();
            return std::nullopt;
        } catch (const ValidationFailure &failure) {
            return failure;
        }
    }

    DataValidator data{profiles, profiles.patterns};
    NlohmannReader reader;
};

TEST_F(DataValidatorTest, ValidatePropertiesNamesItsOwner)
{
    NlohmannReader names;
    json definition = json::parse(R"({"since": {"type": "date", "rules": {"required": true}}, "role": {"type": "code"}})");
    std::vector<PropertySpec> specs = compile_properties(names.node(definition), "properties", profiles.patterns);
    PathFrame root;
    PathFrame data_path = root.member("data");

    json valid = json::parse(R"({"since": "2024-01", "role": "lead"})");
    EXPECT_FALSE(failure_of([&] {
        data.validate_properties(specs, 1, reader.node(valid), data_path, "relationship definition", "works_at");
    }));

    json undeclared = json::parse(R"({"since": "2024", "salary": 1})");
    auto failure = failure_of([&] {
        data.validate_properties(specs, 1, reader.node(undeclared), data_path, "relationship definition", "works_at");
    });
    ASSERT_TRUE(failure);
    EXPECT_EQ(failure->type, ErrorType::InvalidProperty);
    EXPECT_EQ(failure->path, "data.salary");
    EXPECT_EQ(failure->detail, R"(property not declared by relationship definition "works_at")");

    json missing = json::parse(R"({"role": "lead"})");
    failure = failure_of(
        [&] { data.validate_properties(specs, 1, reader.node(missing), data_path, "relationship definition", "works_at"); });
    ASSERT_TRUE(failure);
    EXPECT_EQ(failure->type, ErrorType::MissingRequired);
    EXPECT_EQ(failure->path, "data.since");
    EXPECT_EQ(failure->detail, "required property is missing");

    json not_object = json::parse("[1]");
    failure = failure_of(
        [&] { data.validate_properties(specs, 1, reader.node(not_object), root, "relationship definition", "works_at"); });
    ASSERT_TRUE(failure);
    EXPECT_EQ(failure->type, ErrorType::InvalidValue);
    EXPECT_EQ(failure->path, "");
    EXPECT_EQ(failure->detail, "expected object, got array");
}

TEST_F(DataValidatorTest, ValidateContainedCountsDepthFromItsCaller)
{
    const Profile &tree = *profiles.find("tree");
    json one_child = json::parse(R"({"child": {"data": {}}})");
    json two_levels = json::parse(R"({"child": {"data": {}, "contained": {"child": {"data": {}}}}})");
    PathFrame root;
    EXPECT_FALSE(failure_of([&] { data.validate_contained(tree, reader.node(one_child), root, 15); }));
    auto failure = failure_of([&] { data.validate_contained(tree, reader.node(two_levels), root, 15); });
    ASSERT_TRUE(failure);
    EXPECT_EQ(failure->type, ErrorType::InvalidContained);
    EXPECT_EQ(failure->path, "child.contained.child");
    EXPECT_EQ(failure->detail, "contained entries nested deeper than 16 levels");
    failure = failure_of([&] { data.validate_contained(tree, reader.node(one_child), root, 16); });
    ASSERT_TRUE(failure);
    EXPECT_EQ(failure->path, "child");
    // Absent contained: only required slots matter.
    EXPECT_FALSE(failure_of([&] { data.validate_contained(tree, std::nullopt, root, 0); }));
    failure = failure_of([&] { data.validate_contained(*profiles.find("c1n"), std::nullopt, root.member("contained"), 0); });
    ASSERT_TRUE(failure);
    EXPECT_EQ(failure->type, ErrorType::MissingRequired);
    EXPECT_EQ(failure->path, "contained.x");
    EXPECT_EQ(failure->detail, "required contained entry is missing (cardinality 1:*)");
}

TEST(FailAt, ThrowsTheRenderedPath)
{
    PathFrame root;
    PathFrame data = root.member("data");
    PathFrame tags = data.member("tags");
    PathFrame item = tags.element(3);
    try {
        fail_at(ErrorType::InvalidValue, item, "expected code, got null");
        FAIL() << "no throw";
    } catch (const ValidationFailure &failure) {
        EXPECT_EQ(failure.type, ErrorType::InvalidValue);
        EXPECT_EQ(failure.path, "data.tags[3]");
        EXPECT_EQ(failure.detail, "expected code, got null");
    }
}

} // namespace
} // namespace pg_bulk
