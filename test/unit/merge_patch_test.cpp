// PATCH (DESIGN §11): RFC 7396's merge (its appendix's examples), the submit-time checks of a patch,
// the merged record checked against its profile, and PATCH in the batch rules (NOT_FOUND, ifVersion,
// versions, a PATCH of what an earlier operation of the batch wrote).
#include "core/merge_patch.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "batch_test_support.hpp"
#include "core/nlohmann_view.hpp"
#include "core/operation.hpp"
#include "core/record_patch.hpp"
#include "core/relationship_batch_rules.hpp"
#include "core/resource_batch_rules.hpp"
#include "core_test_support.hpp"

namespace pg_bulk {
namespace {

using test::json;
using test::resource_operation;

json merged(const json &target, const json &patch, bool has_target = true)
{
    NlohmannReader reader;
    NlohmannBuilder builder;
    merge_patch(has_target ? std::optional<JsonNode>(reader.node(target)) : std::nullopt, reader.node(patch), builder);
    return *static_cast<const json *>(builder.finish().data());
}

TEST(MergePatch, Rfc7396Examples)
{
    struct Case {
        const char *target, *patch, *result;
    } cases[] = {
        {R"({"a":"b"})", R"({"a":"c"})", R"({"a":"c"})"},
        {R"({"a":"b"})", R"({"b":"c"})", R"({"a":"b","b":"c"})"},
        {R"({"a":"b"})", R"({"a":null})", R"({})"},
        {R"({"a":"b","b":"c"})", R"({"a":null})", R"({"b":"c"})"},
        {R"({"a":["b"]})", R"({"a":"c"})", R"({"a":"c"})"},
        {R"({"a":"c"})", R"({"a":["b"]})", R"({"a":["b"]})"},
        {R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})", R"({"a":{"b":"d"}})"},
        {R"({"a":[{"b":"c"}]})", R"({"a":[1]})", R"({"a":[1]})"},
        {R"(["a","b"])", R"(["c","d"])", R"(["c","d"])"},
        {R"({"a":"b"})", R"(["c"])", R"(["c"])"},
        {R"({"a":"foo"})", "null", "null"},
        {R"({"a":"foo"})", R"("bar")", R"("bar")"},
        {R"({"e":null})", R"({"a":1})", R"({"e":null,"a":1})"},
        {R"([1,2])", R"({"a":"b","c":null})", R"({"a":"b"})"},
        {R"({})", R"({"a":{"bb":{"ccc":null}}})", R"({"a":{"bb":{}}})"},
    };
    for (const Case &c : cases)
        EXPECT_EQ(merged(json::parse(c.target), json::parse(c.patch)), json::parse(c.result)) << c.patch;
}

TEST(MergePatch, NoTargetIsAnEmptyObjectForAnObjectPatch)
{
    EXPECT_EQ(merged(json(), json::parse(R"({"a":{"b":null,"c":1}})"), false), json::parse(R"({"a":{"c":1}})"));
}

TEST(MergePatch, ObjectDepthCountsNestedObjectsUpToTheLimit)
{
    NlohmannReader reader;
    json flat = json::parse(R"({"a": 1, "b": [{"c": {}}]})");
    json nested = json::parse(R"({"a": {"b": {"c": {}}}})");
    EXPECT_EQ(object_depth(reader.node(json(3))), 0u);
    EXPECT_EQ(object_depth(reader.node(flat)), 1u);
    EXPECT_EQ(object_depth(reader.node(nested)), 4u);
    EXPECT_EQ(object_depth(reader.node(nested), 1), 2u);
}

// A provider profile, and documents kept alive for the nodes the tests hand around.
class PatchTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        profiles.define("hours", R"({"properties": {"day": {"type": "code", "rules": {"required": true}}}})",
                        ProfileKind::Contained);
        profiles.define("provider", R"({"properties": {
            "name": {"type": "symbol", "rules": {"required": true}},
            "rank": {"type": "integer", "rules": {"min": 1, "max": 10}},
            "address": {"type": "object", "properties": {"city": {"type": "symbol", "rules": {"required": true}},
                                                         "zip": {"type": "code"}}}},
          "contained": {"main": {"types": ["hours"], "cardinality": "1:1"}}})");
    }

    JsonNode node(const char *text)
    {
        documents.push_back(json::parse(text));
        return reader.node(documents.back());
    }
    std::string validate(const char *operation)
    {
        ResourceOperationValidator validator(profiles, profiles.patterns);
        auto error = validator.validate(0, node(operation));
        return error ? std::string(error_type_name(error->type)) + ": " + error->message : "";
    }
    PlannedOperation patch(int32_t seq, const char *id, const char *data, const char *contained = nullptr,
                           const char *meta = nullptr)
    {
        PlannedOperation operation = resource_operation(seq, Action::Patch, "provider", id);
        if (data)
            operation.data = node(data);
        if (contained)
            operation.contained = node(contained);
        if (meta)
            operation.meta = node(meta);
        return operation;
    }
    static json of(const std::optional<JsonNode> &value)
    {
        return value ? *static_cast<const json *>(value->data()) : json();
    }

    test::InMemoryProfiles profiles;
    test::InMemoryRelationships relationships;
    NlohmannReader reader;
    NlohmannBuilder builder;
    std::deque<json> documents;
};

TEST_F(PatchTest, SubmitChecksTheValuesGivenButNotRequired)
{
    EXPECT_EQ(validate(R"({"action": "PATCH", "patch": {"type": "provider", "id": "p", "data": {"rank": 2}}})"), "");
    EXPECT_EQ(validate(R"({"action": "PATCH", "patch": {"type": "provider", "id": "p", "ifVersion": 2,
                           "data": {"address": {"zip": "A1", "city": "X"}}, "meta": {"a": null}}})"),
              "");
    EXPECT_EQ(validate(R"({"action": "PATCH", "patch": {"type": "provider", "id": "p", "data": {"rank": 0}}})"),
              "INVALID_VALUE: operation 0: patch.data.rank: value 0 is less than min 1");
    EXPECT_EQ(validate(R"({"action": "PATCH", "patch": {"type": "provider", "id": "p", "data": {"address": {"city": null}}}})"),
              "MISSING_REQUIRED: operation 0: patch.data.address.city: a required property cannot be removed");
    EXPECT_EQ(validate(R"({"action": "PATCH", "patch": {"type": "provider", "id": "p", "data": {"rank": null}}})"), "");
    EXPECT_EQ(validate(R"({"action": "PATCH", "patch": {"type": "provider", "data": {}}})"),
              "INVALID_REQUEST: operation 0: patch.id: is required for action PATCH");
    EXPECT_EQ(validate(R"({"action": "PATCH", "patch": {"type": "provider", "id": "p", "contained": {"main": [1]}}})"),
              "INVALID_CONTAINED: operation 0: patch.contained.main: cardinality 1:1 holds one entry: expected object, "
              "got array");
    std::string deep = "{\"x\": 1}";
    for (size_t i = 0; i < max_patch_depth; ++i)
        deep = "{\"x\": " + deep + "}";
    documents.push_back(json::parse(R"({"action": "PATCH", "patch": {"type": "provider", "id": "p"}})"));
    documents.back()["patch"]["meta"] = json::parse(deep);
    ResourceOperationValidator validator(profiles, profiles.patterns);
    auto error = validator.validate(0, reader.node(documents.back()));
    ASSERT_TRUE(error);
    EXPECT_EQ(error->message, "operation 0: patch.meta: objects nested deeper than 64 levels in a patch");
}

TEST_F(PatchTest, TheMergedRecordIsCheckedWhole)
{
    RecordPatcher patcher(profiles, relationships, profiles.patterns, builder);
    RecordContent stored{node(R"({"name": "Ann", "rank": 3})"), node(R"({"main": {"data": {"day": "Mon"}}})"),
                         node(R"({"source": "hr"})")};
    PlannedOperation ok = patch(0, "p", R"({"rank": 4, "address": {"city": "Paris"}})", nullptr, R"({"source": null})");
    ASSERT_TRUE(patcher.patch_resource(ok, stored));
    EXPECT_EQ(of(ok.data), json::parse(R"({"name": "Ann", "rank": 4, "address": {"city": "Paris"}})"));
    EXPECT_EQ(of(ok.contained), json::parse(R"({"main": {"data": {"day": "Mon"}}})"));
    EXPECT_EQ(of(ok.meta), json::object());

    PlannedOperation no_city = patch(3, "p", R"({"address": {"zip": "A1"}})");
    EXPECT_FALSE(patcher.patch_resource(no_city, stored));
    ASSERT_TRUE(no_city.error);
    EXPECT_EQ(no_city.error->type, ErrorType::MissingRequired);
    EXPECT_EQ(no_city.error->message,
              "operation 3: patch.data.address.city: required property is missing (in the merged record)");

    PlannedOperation no_main = patch(4, "p", nullptr, R"({"main": null})");
    EXPECT_FALSE(patcher.patch_resource(no_main, stored));
    EXPECT_EQ(no_main.error->message, "operation 4: patch.contained.main: required contained entry is missing "
                                      "(cardinality 1:1) (in the merged record)");
}

TEST_F(PatchTest, BatchRulesPatchStoredRecordsAndWhatTheBatchWrote)
{
    RecordPatcher patcher(profiles, relationships, profiles.patterns, builder);
    std::unordered_map<std::string, RecordContent> stored{
        {resource_key("provider", "a"), RecordContent{node(R"({"name": "A", "rank": 1})"),
                                                      node(R"({"main": {"data": {"day": "Mon"}}})"), std::nullopt}}};
    PatchContext context{stored, patcher};
    PlannedOperation upsert = resource_operation(2, Action::Upsert, "provider", "b");
    upsert.data = node(R"({"name": "B"})");
    upsert.contained = node(R"({"main": {"data": {"day": "Tue"}}})");
    std::vector<PlannedOperation> operations{patch(0, "a", R"({"rank": 2})"), patch(1, "a", R"({"rank": 3})"),
                                             upsert, patch(3, "b", R"({"rank": 9})"), patch(4, "gone", "{}"),
                                             patch(5, "a", R"({"name": null})")};
    operations[1].if_version = 5;
    operations[5].if_version = 3;  // the stored 2 + the first PATCH
    EXPECT_FALSE(keys_are_distinct(operations));
    ResourceWrites writes = decide_resource_batch(operations, {{resource_key("provider", "a"), 2}}, &context);
    EXPECT_FALSE(operations[0].error);
    EXPECT_EQ(operations[0].version, 3);
    ASSERT_TRUE(operations[1].error);
    EXPECT_EQ(operations[1].error->type, ErrorType::PreconditionFailed);
    EXPECT_EQ(operations[3].version, 2);
    EXPECT_EQ(of(operations[3].data), json::parse(R"({"name": "B", "rank": 9})"));
    ASSERT_TRUE(operations[4].error);
    EXPECT_EQ(operations[4].error->type, ErrorType::NotFound);
    ASSERT_TRUE(operations[5].error);
    EXPECT_EQ(operations[5].error->type, ErrorType::MissingRequired);
    ASSERT_EQ(writes.updates.size(), 1u);
    EXPECT_EQ(writes.updates[0], &operations[0]);
    EXPECT_EQ(of(operations[0].data), json::parse(R"({"name": "A", "rank": 2})"));
    ASSERT_EQ(writes.inserts.size(), 1u);
    EXPECT_EQ(writes.inserts[0], &operations[3]);
}

TEST_F(PatchTest, RelationshipPatchKeepsItsEndpointsAndChecksTheDefinition)
{
    profiles.define("office", R"({"properties": {}})");
    json definition = json::parse(R"({"from": {"profileKey": "provider"}, "to": {"profileKey": "office"},
        "cardinality": "1:N", "properties": {"role": {"type": "code", "rules": {"required": true}},
                                             "level": {"type": "integer"}}})");
    relationships.add(compile_relationship("worksAt", reader.node(definition), profiles, profiles.patterns));
    RecordPatcher patcher(profiles, relationships, profiles.patterns, builder);
    RelationshipBatch batch;
    Endpoint p{"provider", "p"}, o{"office", "o"};
    batch.add_stored(TypeAndId{"worksAt", "w"}, p, o, RelationshipCardinality::OneToMany, "2024-01-01", 4,
                     RecordContent{node(R"({"role": "nurse"})"), std::nullopt, node(R"({"a": 1})")});
    std::vector<PlannedOperation> operations{
        test::relationship_operation(0, Action::Patch, "worksAt", "w"),
        test::relationship_operation(1, Action::Patch, "worksAt", "w"),
        test::relationship_operation(2, Action::Patch, "worksAt", "missing")};
    operations[0].data = node(R"({"level": 2})");
    operations[0].meta = node(R"({"a": null, "b": 2})");
    operations[1].data = node(R"({"role": null})");
    batch.decide(operations, relationships, {}, &patcher);
    EXPECT_FALSE(operations[0].error);
    EXPECT_EQ(operations[0].version, 5);
    EXPECT_EQ(of(operations[0].data), json::parse(R"({"role": "nurse", "level": 2})"));
    EXPECT_EQ(of(operations[0].meta), json::parse(R"({"b": 2})"));
    ASSERT_TRUE(operations[1].error);
    EXPECT_EQ(operations[1].error->message,
              "operation 1: patch.data.role: required property is missing (in the merged record)");
    ASSERT_TRUE(operations[2].error);
    EXPECT_EQ(operations[2].error->type, ErrorType::NotFound);
    RelationshipWrites writes = batch.writes();
    ASSERT_EQ(writes.inserts.size(), 1u);
    EXPECT_EQ(writes.inserts[0].row->from.id, "p");
    EXPECT_EQ(writes.inserts[0].row->to.id, "o");
    ASSERT_TRUE(writes.inserts[0].created_at);
    EXPECT_EQ(*writes.inserts[0].created_at, "2024-01-01");
}

} // namespace
} // namespace pg_bulk
