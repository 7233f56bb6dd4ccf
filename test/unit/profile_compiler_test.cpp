// Unit tests for the profile compiler (core/profile_compiler): every data type and rule compiles into the
// profile model, and every meta-validation error carries its exact message and JSON path. The messages are
// those of expected/profiles.out without the server's prefix `invalid definition of profile "<key>": `.
#include "core/profile_compiler.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/errors.hpp"
#include "core/nlohmann_view.hpp"
#include "core/profile.hpp"
#include "core_test_support.hpp"

namespace pg_bulk {
namespace {

using test::InMemoryProfiles;
using test::json;
using test::NumberTextReader;
using test::repeat;

const char *const key_rule = "expected 1 to 62 characters of [A-Za-z0-9_-], not starting with '_'";

class ProfileCompilerTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        profiles.define("hours", R"({"properties": {"day": {"type": "code"}}})", ProfileKind::Contained);
        profiles.define("phone", "{}", ProfileKind::Contained);
        profiles.define("provider", R"({"properties": {"name": {"type": "symbol"}}})");
    }

    // "compiled", or the message of the DefinitionError of defining `definition` as profile `key`.
    std::string define(std::string_view definition, ProfileKind kind = ProfileKind::Root, std::string_view key = "p")
    {
        try {
            profiles.define(key, definition, kind);
            return "compiled";
        } catch (const DefinitionError &error) {
            return error.what();
        }
    }

    // The same through NumberTextReader, for numbers written as {"$number": "<jsonb text>"}.
    std::string define_with_number_texts(std::string_view definition)
    {
        json document = json::parse(definition);
        NumberTextReader reader;
        try {
            compile_profile("p", ProfileKind::Root, reader.node(document), profiles, profiles.patterns);
            return "compiled";
        } catch (const DefinitionError &error) {
            return error.what();
        }
    }

    InMemoryProfiles profiles;
};

// The property named `name` of a compiled list, failing the test when it is absent.
const PropertySpec &property(const std::vector<PropertySpec> &properties, std::string_view name)
{
    const PropertySpec *spec = find_property(properties, name);
    if (!spec)
        throw std::runtime_error("no property " + std::string(name));
    return *spec;
}

// A bound's text, or "(none)".
std::string bound_text(const std::optional<NumberBound> &bound)
{
    return bound ? bound->text : "(none)";
}

std::vector<std::string> names_of(const std::vector<PropertySpec> &properties)
{
    std::vector<std::string> names;
    for (const PropertySpec &spec : properties)
        names.push_back(spec.name);
    return names;
}

//
// Data types and rules that compile.
//

TEST_F(ProfileCompilerTest, CompilesEveryDataType)
{
    const Profile &profile = profiles.define("all", R"({"properties": {
      "s":   {"type": "symbol"},   "c":  {"type": "code"},     "m":  {"type": "markdown"}, "u": {"type": "uri"},
      "l":   {"type": "url"},      "i":  {"type": "integer"},  "d":  {"type": "decimal"},  "b": {"type": "boolean"},
      "dt":  {"type": "date"},     "ts": {"type": "datetime"}, "tm": {"type": "time"},
      "arr": {"type": "array", "items": {"type": "integer"}},
      "obj": {"type": "object", "properties": {"x": {"type": "symbol"}}}}})");

    EXPECT_EQ(profile.key, "all");
    EXPECT_EQ(profile.kind, ProfileKind::Root);
    EXPECT_TRUE(profile.contained.empty());
    EXPECT_EQ(profile.required_properties, 0u);
    EXPECT_EQ(profile.required_slots, 0u);
    const std::vector<std::pair<std::string, DataType>> expected = {
        {"arr", DataType::Array}, {"b", DataType::Boolean}, {"c", DataType::Code},       {"d", DataType::Decimal},
        {"dt", DataType::Date},   {"i", DataType::Integer}, {"l", DataType::Url},        {"m", DataType::Markdown},
        {"obj", DataType::Object}, {"s", DataType::Symbol}, {"tm", DataType::Time},      {"ts", DataType::DateTime},
        {"u", DataType::Uri}};
    ASSERT_EQ(profile.properties.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
        const PropertySpec &spec = profile.properties[i];
        EXPECT_EQ(spec.name, expected[i].first);
        EXPECT_EQ(spec.type, expected[i].second) << spec.name;
        EXPECT_FALSE(spec.rules.required) << spec.name;
        EXPECT_EQ(spec.items == nullptr, spec.type != DataType::Array) << spec.name;
        EXPECT_EQ(spec.properties.empty(), spec.type != DataType::Object) << spec.name;
    }
    const PropertySpec &array = property(profile.properties, "arr");
    EXPECT_EQ(array.items->name, "arr");  // items take the array's name (messages: "property not declared by object")
    EXPECT_EQ(array.items->type, DataType::Integer);
    EXPECT_EQ(array.items->items, nullptr);
    const PropertySpec &object = property(profile.properties, "obj");
    ASSERT_EQ(object.properties.size(), 1u);
    EXPECT_EQ(object.properties[0].name, "x");
    EXPECT_EQ(object.properties[0].type, DataType::Symbol);
    EXPECT_EQ(object.required_properties, 0u);
}

TEST_F(ProfileCompilerTest, DefaultRulesAreEmpty)
{
    const Profile &profile = profiles.define("plain", R"({"properties": {"a": {"type": "symbol"},
                                                                         "b": {"type": "integer", "rules": {}}}})");
    for (const PropertySpec &spec : profile.properties) {
        const Rules &rules = spec.rules;
        EXPECT_FALSE(rules.required);
        EXPECT_FALSE(rules.min.has_value());
        EXPECT_FALSE(rules.max.has_value());
        EXPECT_FALSE(rules.min_length);
        EXPECT_FALSE(rules.max_length);
        EXPECT_FALSE(rules.min_items);
        EXPECT_FALSE(rules.max_items);
        EXPECT_TRUE(rules.enum_values.empty());
        EXPECT_FALSE(rules.pattern);
    }
}

TEST_F(ProfileCompilerTest, CompilesEveryRule)
{
    const Profile &profile = profiles.define("r", R"({"properties": {
      "req":   {"type": "symbol", "rules": {"required": true}},
      "opt":   {"type": "symbol", "rules": {"required": false}},
      "age":   {"type": "integer", "rules": {"min": 0, "max": 150}},
      "score": {"type": "decimal", "rules": {"min": -1.5, "max": 2.25}},
      "big":   {"type": "integer", "rules": {"min": -9223372036854775808, "max": 9007199254740992}},
      "huge":  {"type": "integer", "rules": {"min": -1e300, "max": 1e300}},
      "same":  {"type": "decimal", "rules": {"min": 2, "max": 2}},
      "name":  {"type": "symbol", "rules": {"minLength": 2, "maxLength": 3}},
      "fixed": {"type": "code", "rules": {"minLength": 0, "maxLength": 0}},
      "tags":  {"type": "array", "items": {"type": "code", "rules": {"enum": ["a", "b"]}},
                "rules": {"minItems": 1, "maxItems": 2}},
      "pair":  {"type": "array", "items": {"type": "integer"}, "rules": {"minItems": 2, "maxItems": 2}},
      "color": {"type": "code", "rules": {"enum": ["red", "Rouge vif", "é", "red"]}},
      "level": {"type": "integer", "rules": {"enum": [1, 2, -4, 0, 9223372036854775807, -9223372036854775808]}},
      "zip":   {"type": "symbol", "rules": {"pattern": "^[0-9]{4}$"}},
      "site":  {"type": "url", "rules": {"pattern": "^https://", "maxLength": 30, "required": true}}}})");

    EXPECT_TRUE(property(profile.properties, "req").rules.required);
    EXPECT_FALSE(property(profile.properties, "opt").rules.required);
    EXPECT_EQ(profile.required_properties, 2u);

    // Bounds keep the view's text (nlohmann's dump here, jsonb's numeric text in the server) and the int64 when
    // there is one.
    const Rules &age = property(profile.properties, "age").rules;
    EXPECT_EQ(bound_text(age.min), "0");
    EXPECT_EQ(bound_text(age.max), "150");
    EXPECT_TRUE(age.max->fits_int64);
    EXPECT_EQ(age.max->integer, 150);
    const Rules &score = property(profile.properties, "score").rules;
    EXPECT_EQ(bound_text(score.min), "-1.5");
    EXPECT_FALSE(score.min->fits_int64);
    EXPECT_EQ(bound_text(score.max), "2.25");
    const Rules &big = property(profile.properties, "big").rules;
    EXPECT_EQ(bound_text(big.min), "-9223372036854775808");
    EXPECT_EQ(big.min->integer, INT64_MIN);
    EXPECT_EQ(bound_text(big.max), "9007199254740992");
    const Rules &huge = property(profile.properties, "huge").rules;
    EXPECT_EQ(bound_text(huge.min), "-1e+300");
    EXPECT_EQ(bound_text(huge.max), "1e+300");
    EXPECT_FALSE(huge.max->fits_int64);
    const Rules &same = property(profile.properties, "same").rules;
    EXPECT_EQ(bound_text(same.min), "2");
    EXPECT_EQ(bound_text(same.max), "2");

    const Rules &name = property(profile.properties, "name").rules;
    EXPECT_EQ(name.min_length, 2u);
    EXPECT_EQ(name.max_length, 3u);
    const Rules &fixed = property(profile.properties, "fixed").rules;
    EXPECT_EQ(fixed.min_length, 0u);
    EXPECT_EQ(fixed.max_length, 0u);

    const PropertySpec &tags = property(profile.properties, "tags");
    EXPECT_EQ(tags.rules.min_items, 1u);
    EXPECT_EQ(tags.rules.max_items, 2u);
    EXPECT_EQ(tags.items->rules.enum_values, (std::vector<std::string>{"a", "b"}));
    const Rules &pair = property(profile.properties, "pair").rules;
    EXPECT_EQ(pair.min_items, 2u);
    EXPECT_EQ(pair.max_items, 2u);

    // Text enums keep their order and duplicates; integer enums hold canonical decimal text.
    EXPECT_EQ(property(profile.properties, "color").rules.enum_values,
              (std::vector<std::string>{"red", "Rouge vif", "é", "red"}));
    EXPECT_EQ(property(profile.properties, "level").rules.enum_values,
              (std::vector<std::string>{"1", "2", "-4", "0", "9223372036854775807", "-9223372036854775808"}));

    EXPECT_EQ(property(profile.properties, "zip").rules.pattern, "^[0-9]{4}$");
    const Rules &site = property(profile.properties, "site").rules;
    EXPECT_EQ(site.pattern, "^https://");
    EXPECT_EQ(site.max_length, 30u);
    EXPECT_TRUE(site.required);
    EXPECT_EQ(profiles.patterns.checks, 2);  // each pattern checked by the engine once
    EXPECT_EQ(profiles.patterns.matches_calls, 0);
}

TEST_F(ProfileCompilerTest, IntegerEnumTakesTheIntegerValueOfItsText)
{
    NumberTextReader reader;
    json definition = {{"properties",
                        {{"level",
                          {{"type", "integer"},
                           {"rules", {{"enum", {NumberTextReader::number("7"), NumberTextReader::number("-0"),
                                                NumberTextReader::number("-9223372036854775808")}}}}}}}}};
    Profile profile = compile_profile("p", ProfileKind::Root, reader.node(definition), profiles, profiles.patterns);
    EXPECT_EQ(property(profile.properties, "level").rules.enum_values, (std::vector<std::string>{"7", "0", "-9223372036854775808"}));
}

// Which rules apply to which type: each pair compiles, or fails with "rule X does not apply to type Y".
TEST_F(ProfileCompilerTest, RulesApplyOnlyToTheirTypes)
{
    const std::vector<std::string> types = {"symbol", "code",    "markdown", "uri",  "url",   "integer", "decimal",
                                            "boolean", "date",   "datetime", "time", "array", "object"};
    const std::vector<std::string> rules = {"required",  "min",      "max",  "minLength", "maxLength",
                                            "minItems", "maxItems", "enum", "pattern"};
    auto is_text = [](const std::string &type) {
        return type == "symbol" || type == "code" || type == "markdown" || type == "uri" || type == "url";
    };
    for (const std::string &type : types) {
        for (const std::string &rule : rules) {
            bool applies = rule == "required" ||
                           ((rule == "min" || rule == "max") && (type == "integer" || type == "decimal")) ||
                           ((rule == "minLength" || rule == "maxLength" || rule == "pattern") && is_text(type)) ||
                           ((rule == "minItems" || rule == "maxItems") && type == "array") ||
                           (rule == "enum" && (is_text(type) || type == "integer"));
            json value = rule == "required" ? json(true)
                         : rule == "pattern" ? json("^x")
                         : rule == "enum"    ? (type == "integer" ? json::array({1}) : json::array({"x"}))
                                             : json(1);
            json spec = {{"type", type}, {"rules", {{rule, value}}}};
            if (type == "array")
                spec["items"] = {{"type", "symbol"}};
            if (type == "object")
                spec["properties"] = json::object();
            json definition = {{"properties", {{"a", spec}}}};
            std::string expected = applies ? "compiled"
                                           : "properties.a.rules." + rule + ": rule " + rule +
                                                 " does not apply to type " + type;
            EXPECT_EQ(define(definition.dump()), expected) << type << " / " << rule;
        }
    }
}

TEST_F(ProfileCompilerTest, DataTypeNamesRoundTrip)
{
    const std::vector<std::pair<std::string, DataType>> all = {
        {"symbol", DataType::Symbol},   {"code", DataType::Code},         {"markdown", DataType::Markdown},
        {"uri", DataType::Uri},         {"url", DataType::Url},           {"integer", DataType::Integer},
        {"decimal", DataType::Decimal}, {"boolean", DataType::Boolean},   {"date", DataType::Date},
        {"datetime", DataType::DateTime}, {"time", DataType::Time},       {"array", DataType::Array},
        {"object", DataType::Object}};
    for (const auto &[name, type] : all) {
        EXPECT_EQ(data_type_from_name(name), type) << name;
        EXPECT_STREQ(data_type_name(type), name.c_str());
        bool text = type == DataType::Symbol || type == DataType::Code || type == DataType::Markdown ||
                    type == DataType::Uri || type == DataType::Url;
        EXPECT_EQ(is_text_type(type), text) << name;
    }
    for (std::string_view unknown : {"text", "Symbol", "SYMBOL", "", "uuid", "symbol ", "int", "number", "string"})
        EXPECT_EQ(data_type_from_name(unknown), std::nullopt) << unknown;
}

//
// Meta-validation: every problem with its exact message and JSON path.
//

struct DefinitionCase {
    const char *label;
    std::string definition;
    std::string expected;
};

// The first table of expected/profiles.out, row by row (the server adds `invalid definition of profile "p": `).
TEST_F(ProfileCompilerTest, MetaValidationMessagesOfTheRegressionTests)
{
    const std::vector<DefinitionCase> cases = {
        {"unknown type", R"({"properties": {"a": {"type": "text"}}})",
         R"(properties.a.type: unknown data type "text")"},
        {"type missing", R"({"properties": {"a": {"rules": {}}}})", "properties.a.type: is required"},
        {"type not a string", R"({"properties": {"a": {"type": ["symbol"]}}})",
         "properties.a.type: expected string, got array"},
        {"unknown rule", R"({"properties": {"a": {"type": "symbol", "rules": {"maxlength": 3}}}})",
         R"(properties.a.rules: unknown rule "maxlength")"},
        {"rules not an object", R"({"properties": {"a": {"type": "symbol", "rules": ["required"]}}})",
         "properties.a.rules: expected object, got array"},
        {"maxLength on integer", R"({"properties": {"a": {"type": "integer", "rules": {"maxLength": 3}}}})",
         "properties.a.rules.maxLength: rule maxLength does not apply to type integer"},
        {"min on symbol", R"({"properties": {"a": {"type": "symbol", "rules": {"min": 1}}}})",
         "properties.a.rules.min: rule min does not apply to type symbol"},
        {"minItems on code", R"({"properties": {"a": {"type": "code", "rules": {"minItems": 1}}}})",
         "properties.a.rules.minItems: rule minItems does not apply to type code"},
        {"pattern on date", R"({"properties": {"a": {"type": "date", "rules": {"pattern": "^2"}}}})",
         "properties.a.rules.pattern: rule pattern does not apply to type date"},
        {"enum on boolean", R"({"properties": {"a": {"type": "boolean", "rules": {"enum": [true]}}}})",
         "properties.a.rules.enum: rule enum does not apply to type boolean"},
        {"enum on decimal", R"({"properties": {"a": {"type": "decimal", "rules": {"enum": [1.5]}}}})",
         "properties.a.rules.enum: rule enum does not apply to type decimal"},
        {"required on array items",
         R"({"properties": {"a": {"type": "array", "items": {"type": "symbol", "rules": {"required": true}}}}})",
         "properties.a.items.rules.required: rule required does not apply to array items"},
        {"required not a boolean", R"({"properties": {"a": {"type": "symbol", "rules": {"required": "yes"}}}})",
         "properties.a.rules.required: expected boolean, got string"},
        {"min > max", R"({"properties": {"a": {"type": "integer", "rules": {"min": 5, "max": 1}}}})",
         "properties.a.rules: min is greater than max"},
        {"minLength > maxLength",
         R"({"properties": {"a": {"type": "symbol", "rules": {"minLength": 5, "maxLength": 1}}}})",
         "properties.a.rules: minLength is greater than maxLength"},
        {"minItems > maxItems",
         R"({"properties": {"a": {"type": "array", "items": {"type": "symbol"}, "rules": {"minItems": 2, "maxItems": 1}}}})",
         "properties.a.rules: minItems is greater than maxItems"},
        {"negative minLength", R"({"properties": {"a": {"type": "symbol", "rules": {"minLength": -1}}}})",
         "properties.a.rules.minLength: expected a non-negative integer, got -1"},
        {"fractional maxItems",
         R"({"properties": {"a": {"type": "array", "items": {"type": "symbol"}, "rules": {"maxItems": 1.5}}}})",
         "properties.a.rules.maxItems: expected a non-negative integer, got 1.5"},
        {"min as a string", R"({"properties": {"a": {"type": "decimal", "rules": {"min": "0"}}}})",
         "properties.a.rules.min: expected number, got string"},
        {"empty enum", R"({"properties": {"a": {"type": "code", "rules": {"enum": []}}}})",
         "properties.a.rules.enum: expected at least one value"},
        {"enum 1.5 on integer", R"({"properties": {"a": {"type": "integer", "rules": {"enum": [1, 1.5]}}}})",
         "properties.a.rules.enum[1]: expected an integer, got 1.5"},
        {"enum \"1\" on integer", R"({"properties": {"a": {"type": "integer", "rules": {"enum": ["1"]}}}})",
         "properties.a.rules.enum[0]: expected an integer, got string"},
        {"enum 1 on code", R"({"properties": {"a": {"type": "code", "rules": {"enum": ["x", 1]}}}})",
         "properties.a.rules.enum[1]: expected string, got number"},
        {"invalid regex", R"({"properties": {"a": {"type": "symbol", "rules": {"pattern": "^(a"}}}})",
         "properties.a.rules.pattern: invalid regular expression: parentheses () not balanced"},
        {"pattern not a string", R"({"properties": {"a": {"type": "symbol", "rules": {"pattern": 1}}}})",
         "properties.a.rules.pattern: expected string, got number"},
        {"array without items", R"({"properties": {"a": {"type": "array"}}})",
         "properties.a.items: is required for type array"},
        {"items on a symbol", R"({"properties": {"a": {"type": "symbol", "items": {"type": "symbol"}}}})",
         "properties.a.items: only type array has items, not symbol"},
        {"object without properties", R"({"properties": {"a": {"type": "object"}}})",
         "properties.a.properties: is required for type object"},
        {"properties on an integer", R"({"properties": {"a": {"type": "integer", "properties": {}}}})",
         "properties.a.properties: only type object has properties, not integer"},
        {"unknown key in a property", R"({"properties": {"a": {"type": "symbol", "required": true}}})",
         R"(properties.a: unknown key "required")"},
        {"description not a string", R"({"properties": {"a": {"type": "symbol", "description": 1}}})",
         "properties.a.description: expected string, got number"},
        {"deep path",
         R"({"properties": {"a": {"type": "object", "properties": {"b": {"type": "array", "items": {"type": "uuid"}}}}}})",
         R"(properties.a.properties.b.items.type: unknown data type "uuid")"},
        {"property name with _", R"({"properties": {"_a": {"type": "symbol"}}})",
         std::string(R"(properties: invalid property name "_a": )") + key_rule},
        {"property name with quote", R"({"properties": {"a\"b": {"type": "symbol"}}})",
         std::string(R"(properties: invalid property name "a\"b": )") + key_rule},
        {"property name with \\", R"({"properties": {"a\\b": {"type": "symbol"}}})",
         std::string(R"(properties: invalid property name "a\\b": )") + key_rule},
        {"empty property name", R"({"properties": {"": {"type": "symbol"}}})",
         std::string(R"(properties: invalid property name "": )") + key_rule},
        {"property name too long", R"({"properties": {")" + repeat("n", 63) + R"(": {"type": "symbol"}}})",
         "properties: invalid property name \"" + repeat("n", 63) + "\": " + key_rule},
        {"nested bad name", R"({"properties": {"a": {"type": "object", "properties": {"b c": {"type": "symbol"}}}}})",
         std::string(R"(properties.a.properties: invalid property name "b c": )") + key_rule},
        {"properties not an object", R"({"properties": [{"a": {"type": "symbol"}}]})",
         "properties: expected object, got array"},
        {"property spec not object", R"({"properties": {"a": "symbol"}})", "properties.a: expected object, got string"},
        {"unknown top-level key", R"({"properties": {}, "rules": {}})", R"(unknown key "rules")"},
        {"top-level description", R"({"description": 5})", "description: expected string, got number"},
        {"definition not an object", "[]", "expected object, got array"},
        {"definition is null", "null", "expected object, got null"},
    };
    for (const DefinitionCase &c : cases)
        EXPECT_EQ(define(c.definition), c.expected) << c.label;
}

TEST_F(ProfileCompilerTest, MoreShapeErrors)
{
    const std::vector<DefinitionCase> cases = {
        {"definition a string", R"("x")", "expected object, got string"},
        {"definition a number", "7", "expected object, got number"},
        {"definition a boolean", "true", "expected object, got boolean"},
        {"type null", R"({"properties": {"a": {"type": null}}})", "properties.a.type: expected string, got null"},
        {"type case", R"({"properties": {"a": {"type": "Symbol"}}})",
         R"(properties.a.type: unknown data type "Symbol")"},
        {"type empty", R"({"properties": {"a": {"type": ""}}})", R"(properties.a.type: unknown data type "")"},
        {"type hostile", R"({"properties": {"a": {"type": "a\"b\\c\n"}}})",
         R"(properties.a.type: unknown data type "a\"b\\c\n")"},
        {"type long", R"({"properties": {"a": {"type": ")" + repeat("t", 100) + R"("}}})",
         "properties.a.type: unknown data type \"" + repeat("t", 64) + "...\""},
        {"items not an object", R"({"properties": {"a": {"type": "array", "items": "symbol"}}})",
         "properties.a.items: expected object, got string"},
        {"items without type", R"({"properties": {"a": {"type": "array", "items": {}}}})",
         "properties.a.items.type: is required"},
        {"items with an unknown key", R"({"properties": {"a": {"type": "array", "items": {"type": "symbol", "min": 1}}}})",
         R"(properties.a.items: unknown key "min")"},
        {"items of items", R"({"properties": {"a": {"type": "array", "items": {"type": "array", "items": {"type": "x"}}}}})",
         R"(properties.a.items.items.type: unknown data type "x")"},
        {"items properties", R"({"properties": {"a": {"type": "array", "items": {"type": "object", "properties": {"b": {"type": "x"}}}}}})",
         R"(properties.a.items.properties.b.type: unknown data type "x")"},
        {"object properties not an object", R"({"properties": {"a": {"type": "object", "properties": []}}})",
         "properties.a.properties: expected object, got array"},
        {"properties null", R"({"properties": null})", "properties: expected object, got null"},
        {"rule required on items false", R"({"properties": {"a": {"type": "array", "items": {"type": "symbol", "rules": {"required": false}}}}})",
         "properties.a.items.rules.required: rule required does not apply to array items"},
        {"rule on items not applicable", R"({"properties": {"a": {"type": "array", "items": {"type": "symbol", "rules": {"min": 1}}}}})",
         "properties.a.items.rules.min: rule min does not apply to type symbol"},
        {"min > max decimals", R"({"properties": {"a": {"type": "decimal", "rules": {"min": 0.5, "max": 0.25}}}})",
         "properties.a.rules: min is greater than max"},
        {"max bool", R"({"properties": {"a": {"type": "integer", "rules": {"max": true}}}})",
         "properties.a.rules.max: expected number, got boolean"},
        {"minLength a string", R"({"properties": {"a": {"type": "symbol", "rules": {"minLength": "3"}}}})",
         "properties.a.rules.minLength: expected a non-negative integer, got string"},
        {"maxItems null", R"({"properties": {"a": {"type": "array", "items": {"type": "symbol"}, "rules": {"maxItems": null}}}})",
         "properties.a.rules.maxItems: expected a non-negative integer, got null"},
        {"maxLength 1e20", R"({"properties": {"a": {"type": "symbol", "rules": {"maxLength": 1e20}}}})",
         "properties.a.rules.maxLength: expected a non-negative integer, got 1e+20"},
        {"enum not an array", R"({"properties": {"a": {"type": "code", "rules": {"enum": "x"}}}})",
         "properties.a.rules.enum: expected array, got string"},
        {"enum null item on code", R"({"properties": {"a": {"type": "code", "rules": {"enum": ["x", null]}}}})",
         "properties.a.rules.enum[1]: expected string, got null"},
        {"enum true on integer", R"({"properties": {"a": {"type": "integer", "rules": {"enum": [true]}}}})",
         "properties.a.rules.enum[0]: expected an integer, got boolean"},
        {"enum beyond int64", R"({"properties": {"a": {"type": "integer", "rules": {"enum": [9223372036854775808]}}}})",
         "properties.a.rules.enum[0]: expected an integer, got 9223372036854775808"},
        {"unknown rule hostile", R"({"properties": {"a": {"type": "symbol", "rules": {"a\"b\u0001": 1}}}})",
         R"(properties.a.rules: unknown rule "a\"b\u0001")"},
        {"unknown rule long", R"({"properties": {"a": {"type": "symbol", "rules": {")" + repeat("r", 65) + R"(": 1}}}})",
         "properties.a.rules: unknown rule \"" + repeat("r", 64) + "...\""},
        {"unknown property key hostile", R"({"properties": {"a": {"type": "symbol", "\\": 1}}})",
         R"(properties.a: unknown key "\\")"},
        {"unknown top-level key empty", R"({"": 1})", R"(unknown key "")"},
        {"unknown top-level key long", R"({")" + repeat("é", 70) + R"(": 1})", "unknown key \"" + repeat("é", 64) + "...\""},
    };
    for (const DefinitionCase &c : cases)
        EXPECT_EQ(define(c.definition), c.expected) << c.label;
}

// Bounds and counts beyond what nlohmann can hold, with the text jsonb hands over: bounds compile (they compare
// exactly), counts and enum values do not; numbers are cut at 40 characters in messages.
TEST_F(ProfileCompilerTest, NumbersBeyondEveryRangeAreCutInMessages)
{
    const std::string e400 = "1" + repeat("0", 400);
    const std::vector<DefinitionCase> cases = {
        {"max 1e400 is finite", R"({"properties": {"a": {"type": "decimal", "rules": {"max": {"$number": ")" + e400 + R"("}}}}})",
         "compiled"},
        {"min -1e400 is finite", R"({"properties": {"a": {"type": "integer", "rules": {"min": {"$number": "-)" + e400 + R"("}}}}})",
         "compiled"},
        {"min 1e400 above max 1e308", R"({"properties": {"a": {"type": "decimal", "rules": {"min": {"$number": ")" + e400 +
                                          R"("}, "max": {"$number": "1e308"}}}}})",
         "properties.a.rules: min is greater than max"},
        {"min above max by 1e-20", R"({"properties": {"a": {"type": "decimal", "rules": {"min": {"$number": "0.30000000000000000001"}, "max": {"$number": "0.3"}}}}})",
         "properties.a.rules: min is greater than max"},
        {"min equal to max beyond 2^53", R"({"properties": {"a": {"type": "integer", "rules": {"min": {"$number": "9007199254740993"}, "max": {"$number": "9007199254740993"}}}}})",
         "compiled"},
        {"min above max beyond 2^53", R"({"properties": {"a": {"type": "integer", "rules": {"min": {"$number": "9007199254740993"}, "max": {"$number": "9007199254740992"}}}}})",
         "properties.a.rules: min is greater than max"},
        {"max NaN", R"({"properties": {"a": {"type": "decimal", "rules": {"max": {"$number": "NaN"}}}}})",
         "properties.a.rules.max: expected a finite number, got NaN"},
        {"maxLength 1e400", R"({"properties": {"a": {"type": "symbol", "rules": {"maxLength": {"$number": ")" + e400 + R"("}}}}})",
         "properties.a.rules.maxLength: expected a non-negative integer, got 1000000000000000000000000000000000000000..."},
        {"enum 1e400", R"({"properties": {"a": {"type": "integer", "rules": {"enum": [{"$number": ")" + e400 + R"("}]}}}})",
         "properties.a.rules.enum[0]: expected an integer, got 1000000000000000000000000000000000000000..."},
        {"max 1e308 is finite", R"({"properties": {"a": {"type": "decimal", "rules": {"max": {"$number": "1e308"}}}}})",
         "compiled"},
        {"exactly 40 characters", R"({"properties": {"a": {"type": "symbol", "rules": {"minLength": {"$number": ")" +
                                      repeat("9", 40) + R"("}}}}})",
         "properties.a.rules.minLength: expected a non-negative integer, got " + repeat("9", 40)},
    };
    for (const DefinitionCase &c : cases)
        EXPECT_EQ(define_with_number_texts(c.definition), c.expected) << c.label;
}

TEST_F(ProfileCompilerTest, InvalidPatternMessageComesFromTheEngine)
{
    // A stand-in for PostgreSQL's engine that rejects everything with its own words.
    class RejectingEngine final : public PatternEngine {
    public:
        std::optional<std::string> check(const std::string &pattern) override { return "engine says no to " + pattern; }
        bool matches(const std::string &, std::string_view) override { return false; }
    } engine;
    NlohmannReader reader;
    json definition = json::parse(R"({"properties": {"a": {"type": "code", "rules": {"pattern": "^x$"}}}})");
    try {
        compile_profile("p", ProfileKind::Root, reader.node(definition), profiles, engine);
        FAIL() << "compiled";
    } catch (const DefinitionError &error) {
        EXPECT_STREQ(error.what(), "properties.a.rules.pattern: invalid regular expression: engine says no to ^x$");
    }
    EXPECT_EQ(define(R"({"properties": {"a": {"type": "symbol", "rules": {"pattern": "[a"}}}})"),
              "properties.a.rules.pattern: invalid regular expression: brackets [] not balanced");
}

// The second table of expected/profiles.out: contained slots.
TEST_F(ProfileCompilerTest, ContainedSlotMessagesOfTheRegressionTests)
{
    const std::vector<DefinitionCase> cases = {
        {"missing profile", R"({"contained": {"c": {"types": ["nosuch"], "cardinality": "0:1"}}})",
         R"(contained.c.types[0]: no profile "nosuch")"},
        {"ROOT profile", R"({"contained": {"c": {"types": ["hours", "provider"], "cardinality": "0:1"}}})",
         R"(contained.c.types[1]: profile "provider" is ROOT; contained types must be CONTAINED profiles)"},
        {"types empty", R"({"contained": {"c": {"types": [], "cardinality": "0:1"}}})",
         "contained.c.types: expected at least one profile key"},
        {"types missing", R"({"contained": {"c": {"cardinality": "0:1"}}})", "contained.c.types: is required"},
        {"types not an array", R"({"contained": {"c": {"types": "hours", "cardinality": "0:1"}}})",
         "contained.c.types: expected array, got string"},
        {"type not a string", R"({"contained": {"c": {"types": [1], "cardinality": "0:1"}}})",
         "contained.c.types[0]: expected string, got number"},
        {"bad cardinality", R"({"contained": {"c": {"types": ["hours"], "cardinality": "1:2"}}})",
         R"(contained.c.cardinality: expected one of "0:1", "1:1", "0:*", "1:*", got "1:2")"},
        {"cardinality N:N", R"({"contained": {"c": {"types": ["hours"], "cardinality": "N:N"}}})",
         R"(contained.c.cardinality: expected one of "0:1", "1:1", "0:*", "1:*", got "N:N")"},
        {"cardinality not a string", R"({"contained": {"c": {"types": ["hours"], "cardinality": 1}}})",
         "contained.c.cardinality: expected string, got number"},
        {"cardinality missing", R"({"contained": {"c": {"types": ["hours"]}}})", "contained.c.cardinality: is required"},
        {"unknown key in a slot", R"({"contained": {"c": {"types": ["hours"], "cardinality": "0:1", "max": 3}}})",
         R"(contained.c: unknown key "max")"},
        {"bad slot key", R"({"contained": {"_c": {"types": ["hours"], "cardinality": "0:1"}}})",
         std::string(R"(contained: invalid contained key "_c": )") + key_rule},
        {"slot not an object", R"({"contained": {"c": ["hours"]}})", "contained.c: expected object, got array"},
        {"contained not an object", R"({"contained": [{"types": ["hours"], "cardinality": "0:1"}]})",
         "contained: expected object, got array"},
    };
    for (const DefinitionCase &c : cases)
        EXPECT_EQ(define(c.definition), c.expected) << c.label;
}

TEST_F(ProfileCompilerTest, MoreContainedSlotErrors)
{
    const std::vector<DefinitionCase> cases = {
        {"types null", R"({"contained": {"c": {"types": null, "cardinality": "0:1"}}})",
         "contained.c.types: expected array, got null"},
        {"second type missing", R"({"contained": {"c": {"types": ["hours", "nosuch"], "cardinality": "0:*"}}})",
         R"(contained.c.types[1]: no profile "nosuch")"},
        {"hostile type", R"({"contained": {"c": {"types": ["a\"b\\"], "cardinality": "0:*"}}})",
         R"(contained.c.types[0]: no profile "a\"b\\")"},
        {"long type", R"({"contained": {"c": {"types": [")" + repeat("x", 80) + R"("], "cardinality": "0:*"}}})",
         "contained.c.types[0]: no profile \"" + repeat("x", 64) + "...\""},
        {"cardinality lower case n", R"({"contained": {"c": {"types": ["hours"], "cardinality": "0:n"}}})",
         R"(contained.c.cardinality: expected one of "0:1", "1:1", "0:*", "1:*", got "0:n")"},
        {"cardinality with spaces", R"({"contained": {"c": {"types": ["hours"], "cardinality": " 0:1"}}})",
         R"(contained.c.cardinality: expected one of "0:1", "1:1", "0:*", "1:*", got " 0:1")"},
        {"cardinality null", R"({"contained": {"c": {"types": ["hours"], "cardinality": null}}})",
         "contained.c.cardinality: expected string, got null"},
        {"empty slot key", R"({"contained": {"": {"types": ["hours"], "cardinality": "0:1"}}})",
         std::string(R"(contained: invalid contained key "": )") + key_rule},
        {"slot key with a dot", R"({"contained": {"a.b": {"types": ["hours"], "cardinality": "0:1"}}})",
         std::string(R"(contained: invalid contained key "a.b": )") + key_rule},
        {"contained null", R"({"contained": null})", "contained: expected object, got null"},
        // The slot's keys are checked before its types, its types before its cardinality.
        {"unknown key first", R"({"contained": {"c": {"types": ["nosuch"], "cardinality": "bad", "x": 1}}})",
         R"(contained.c: unknown key "x")"},
        {"types before cardinality", R"({"contained": {"c": {"types": ["nosuch"], "cardinality": "bad"}}})",
         R"(contained.c.types[0]: no profile "nosuch")"},
    };
    for (const DefinitionCase &c : cases)
        EXPECT_EQ(define(c.definition), c.expected) << c.label;
}

TEST_F(ProfileCompilerTest, ProfileBeingDefinedAnswersWithItsNewKind)
{
    EXPECT_EQ(define(R"({"contained": {"c": {"types": ["selfroot"], "cardinality": "0:*"}}})", ProfileKind::Root,
                     "selfroot"),
              R"(contained.c.types[0]: profile "selfroot" is ROOT; contained types must be CONTAINED profiles)");
    EXPECT_EQ(define(R"({"contained": {"c": {"types": ["tree"], "cardinality": "0:*"}}})", ProfileKind::Contained,
                     "tree"),
              "compiled");
    // Redefining a CONTAINED profile as ROOT makes a slot naming itself invalid.
    EXPECT_EQ(define(R"({"contained": {"c": {"types": ["hours"], "cardinality": "0:*"}}})", ProfileKind::Root, "hours"),
              R"(contained.c.types[0]: profile "hours" is ROOT; contained types must be CONTAINED profiles)");
}

TEST_F(ProfileCompilerTest, CompilesContainedSlots)
{
    const Profile &profile = profiles.define("holder", R"({"contained": {
      "z1":  {"types": ["hours"], "cardinality": "1:1", "description": "exactly one"},
      "a01": {"types": ["hours"], "cardinality": "0:1"},
      "m1":  {"types": ["phone", "hours"], "cardinality": "1:*"},
      "m0":  {"types": ["phone"], "cardinality": "0:*"}}})");
    ASSERT_EQ(profile.contained.size(), 4u);
    EXPECT_EQ(profile.contained[0].name, "a01");
    EXPECT_EQ(profile.contained[0].cardinality, Cardinality::ZeroOrOne);
    EXPECT_EQ(profile.contained[1].name, "m0");
    EXPECT_EQ(profile.contained[1].cardinality, Cardinality::ZeroOrMore);
    EXPECT_EQ(profile.contained[2].name, "m1");
    EXPECT_EQ(profile.contained[2].cardinality, Cardinality::OneOrMore);
    EXPECT_EQ(profile.contained[2].types, (std::vector<std::string>{"phone", "hours"}));  // order kept
    EXPECT_EQ(profile.contained[3].name, "z1");
    EXPECT_EQ(profile.contained[3].cardinality, Cardinality::ExactlyOne);
    EXPECT_EQ(profile.required_slots, 2u);
    EXPECT_EQ(profile.required_properties, 0u);
    for (const ContainedSlot &slot : profile.contained)
        EXPECT_EQ(find_slot(profile.contained, slot.name), &slot) << slot.name;
    EXPECT_EQ(find_slot(profile.contained, "m2"), nullptr);
    EXPECT_EQ(find_slot(profile.contained, ""), nullptr);
    EXPECT_EQ(find_slot(profile.contained, "Z1"), nullptr);
    EXPECT_EQ(find_slot({}, "a01"), nullptr);
}

TEST_F(ProfileCompilerTest, CardinalityNamesAndShapes)
{
    EXPECT_STREQ(cardinality_name(Cardinality::ZeroOrOne), "0:1");
    EXPECT_STREQ(cardinality_name(Cardinality::ExactlyOne), "1:1");
    EXPECT_STREQ(cardinality_name(Cardinality::ZeroOrMore), "0:*");
    EXPECT_STREQ(cardinality_name(Cardinality::OneOrMore), "1:*");
    EXPECT_FALSE(holds_many(Cardinality::ZeroOrOne));
    EXPECT_FALSE(holds_many(Cardinality::ExactlyOne));
    EXPECT_TRUE(holds_many(Cardinality::ZeroOrMore));
    EXPECT_TRUE(holds_many(Cardinality::OneOrMore));
    EXPECT_FALSE(is_required(Cardinality::ZeroOrOne));
    EXPECT_TRUE(is_required(Cardinality::ExactlyOne));
    EXPECT_FALSE(is_required(Cardinality::ZeroOrMore));
    EXPECT_TRUE(is_required(Cardinality::OneOrMore));
}

TEST_F(ProfileCompilerTest, ProfileKinds)
{
    EXPECT_EQ(profiles.define("c", "{}", ProfileKind::Contained).kind, ProfileKind::Contained);
    EXPECT_EQ(profiles.define("r", "{}").kind, ProfileKind::Root);
    EXPECT_STREQ(profile_kind_name(ProfileKind::Root), "ROOT");
    EXPECT_STREQ(profile_kind_name(ProfileKind::Contained), "CONTAINED");
    EXPECT_EQ(profile_kind_from_name("ROOT"), ProfileKind::Root);
    EXPECT_EQ(profile_kind_from_name("CONTAINED"), ProfileKind::Contained);
    for (std::string_view other : {"root", "contained", "OTHER", "", "ROOT "})
        EXPECT_EQ(profile_kind_from_name(other), std::nullopt) << other;
}

TEST_F(ProfileCompilerTest, EmptyDefinitionIsAProfileWithoutProperties)
{
    const Profile &profile = profiles.define("empty", "{}");
    EXPECT_TRUE(profile.properties.empty());
    EXPECT_TRUE(profile.contained.empty());
    EXPECT_EQ(define(R"({"properties": {}, "contained": {}, "description": ""})"), "compiled");
}

TEST_F(ProfileCompilerTest, DescriptionsAreAllowedEverywhere)
{
    EXPECT_EQ(define(R"({"description": "A provider",
      "properties": {
        "a": {"type": "array", "description": "list", "items": {"type": "symbol", "description": "item"}},
        "o": {"type": "object", "description": "obj", "properties": {"x": {"type": "symbol", "description": "x"}}}},
      "contained": {"c": {"types": ["hours"], "cardinality": "0:*", "description": "slot"}}})"),
              "compiled");
    EXPECT_EQ(define(R"({"properties": {"a": {"type": "array", "items": {"type": "symbol", "description": []}}}})"),
              "properties.a.items.description: expected string, got array");
}

// A contained slot's description must be a string, like a profile's and a property's.
TEST_F(ProfileCompilerTest, SlotDescriptionMustBeAString)
{
    EXPECT_EQ(define(R"({"contained": {"c": {"types": ["hours"], "cardinality": "0:1", "description": 5}}})"),
              "contained.c.description: expected string, got number");
}

//
// Keys.
//

TEST_F(ProfileCompilerTest, ProfileKeys)
{
    for (const std::string &key : {std::string("a_b-C"), std::string("-leading-dash"), std::string("9lives"),
                                   std::string("x"), repeat("k", 62)})
        EXPECT_EQ(define("{}", ProfileKind::Root, key), "compiled") << key;
    const std::vector<std::pair<std::string, std::string>> invalid = {
        {repeat("k", 63), "\"" + repeat("k", 63) + "\""},
        {"_private", R"("_private")"},
        {"say\"hi\"", R"("say\"hi\"")"},
        {"back\\slash", R"("back\\slash")"},
        {"", R"("")"},
        {"two words", R"("two words")"},
        {"café", R"("café")"},
        {"tab\there", R"("tab\there")"},
        {"dot.ted", R"("dot.ted")"},
        {repeat("k", 100), "\"" + repeat("k", 64) + "...\""},
    };
    for (const auto &[key, quoted] : invalid)
        EXPECT_EQ(define("{}", ProfileKind::Root, key), "invalid profile key " + quoted + ": " + key_rule) << key;
    // The key is checked before the definition.
    EXPECT_EQ(define("null", ProfileKind::Root, "_x"), std::string(R"(invalid profile key "_x": )") + key_rule);
}

TEST_F(ProfileCompilerTest, PropertyKeys)
{
    EXPECT_EQ(define(R"({"properties": {"a_b-C": {"type": "symbol"}, "-x": {"type": "symbol"}, "9": {"type": "symbol"}, ")" +
                     repeat("n", 62) + R"(": {"type": "symbol"}}})"),
              "compiled");
    EXPECT_EQ(define(R"({"properties": {"é": {"type": "symbol"}}})"),
              std::string(R"(properties: invalid property name "é": )") + key_rule);
    EXPECT_EQ(define(R"({"properties": {"a\u0000b": {"type": "symbol"}}})"),
              std::string(R"(properties: invalid property name "a\u0000b": )") + key_rule);
    EXPECT_EQ(define(R"({"properties": {")" + repeat("n", 100) + R"(": {"type": "symbol"}}})"),
              "properties: invalid property name \"" + repeat("n", 64) + "...\": " + key_rule);
}

TEST(KeySyntax, IsValidKey)
{
    for (const std::string &key : {std::string("a"), std::string("Z"), std::string("0"), std::string("-"),
                                   std::string("a_"), std::string("a-b_c"), repeat("k", 62)})
        EXPECT_TRUE(is_valid_key(key)) << key;
    for (const std::string &key : {std::string(""), std::string("_"), std::string("_a"), repeat("k", 63),
                                   std::string("a b"), std::string("a.b"), std::string("a:b"), std::string("é"),
                                   std::string("a\"b"), std::string(std::string_view("a\0b", 3))})
        EXPECT_FALSE(is_valid_key(key)) << key;
}

TEST(KeySyntax, IsValidClientId)
{
    for (const std::string &id : {std::string("a"), std::string("a.b_c:d-1"), std::string("_"), std::string("."),
                                  std::string(":"), repeat("i", 64), std::string("ABCxyz0189")})
        EXPECT_TRUE(is_valid_client_id(id)) << id;
    for (const std::string &id : {std::string(""), repeat("i", 65), std::string("has space"), std::string("a/b"),
                                  std::string("é"), std::string("a\nb"), std::string("a\"b"), std::string("a@b")})
        EXPECT_FALSE(is_valid_client_id(id)) << id;
}

//
// Order of properties, required counts, nesting.
//

TEST_F(ProfileCompilerTest, PropertiesAreSortedBytewiseAtEveryLevel)
{
    const Profile &profile = profiles.define("sorted", R"({"properties": {
      "zeta": {"type": "symbol"}, "Alpha": {"type": "symbol"}, "alpha": {"type": "symbol"}, "-dash": {"type": "symbol"},
      "9nine": {"type": "symbol"}, "a_b": {"type": "symbol"}, "a-b": {"type": "symbol"},
      "obj": {"type": "object", "properties": {"y": {"type": "symbol"}, "X": {"type": "symbol"}, "m": {"type": "symbol"}}},
      "arr": {"type": "array", "items": {"type": "object", "properties": {"b": {"type": "symbol"}, "a": {"type": "symbol"}}}}}})");
    EXPECT_EQ(names_of(profile.properties),
              (std::vector<std::string>{"-dash", "9nine", "Alpha", "a-b", "a_b", "alpha", "arr", "obj", "zeta"}));
    EXPECT_EQ(names_of(property(profile.properties, "obj").properties), (std::vector<std::string>{"X", "m", "y"}));
    EXPECT_EQ(names_of(property(profile.properties, "arr").items->properties), (std::vector<std::string>{"a", "b"}));
    for (const PropertySpec &spec : profile.properties)
        EXPECT_EQ(find_property(profile.properties, spec.name), &spec) << spec.name;
    for (std::string_view missing : {"", "ALPHA", "zz", "-", "a", "obj "})
        EXPECT_EQ(find_property(profile.properties, missing), nullptr) << missing;
}

TEST_F(ProfileCompilerTest, RequiredCountsAtEveryLevel)
{
    const Profile &profile = profiles.define("counted", R"({"properties": {
      "b": {"type": "symbol", "rules": {"required": true}},
      "a": {"type": "integer", "rules": {"required": true}},
      "c": {"type": "boolean", "rules": {"required": false}},
      "d": {"type": "symbol"},
      "o": {"type": "object", "rules": {"required": true}, "properties": {
              "x": {"type": "symbol", "rules": {"required": true}}, "y": {"type": "symbol"},
              "z": {"type": "object", "properties": {"p": {"type": "date", "rules": {"required": true}},
                                                      "q": {"type": "time", "rules": {"required": true}}}}}},
      "l": {"type": "array", "items": {"type": "object", "properties": {"k": {"type": "code", "rules": {"required": true}}}}}}})");
    EXPECT_EQ(profile.required_properties, 3u);
    EXPECT_EQ(count_required(profile.properties), 3u);
    const PropertySpec &object = property(profile.properties, "o");
    EXPECT_EQ(object.required_properties, 1u);
    EXPECT_EQ(property(object.properties, "z").required_properties, 2u);
    EXPECT_EQ(property(profile.properties, "l").items->required_properties, 1u);
    EXPECT_EQ(count_required({}), 0u);
}

// `n` object specs nested in one another around a symbol: {"properties": {"a": {"type": "object", ...}}}.
std::string nested_objects(size_t n)
{
    return R"({"properties": {"a": )" + repeat(R"({"type": "object", "properties": {"a": )", n) +
           R"({"type": "symbol"})" + repeat("}}", n) + "}}";
}

// `n` array specs nested in one another around a symbol.
std::string nested_arrays(size_t n)
{
    return R"({"properties": {"a": )" + repeat(R"({"type": "array", "items": )", n) + R"({"type": "symbol"})" +
           repeat("}", n) + "}}";
}

TEST_F(ProfileCompilerTest, PropertySpecsNestAtMost32Levels)
{
    const std::string too_deep = ": property specs nested deeper than 32 levels";
    EXPECT_EQ(define(nested_objects(31)), "compiled");
    EXPECT_EQ(define(nested_objects(32)), "properties.a" + repeat(".properties.a", 32) + too_deep);
    EXPECT_EQ(define(nested_arrays(31)), "compiled");
    EXPECT_EQ(define(nested_arrays(32)), "properties.a" + repeat(".items", 32) + too_deep);
    // Definitions far deeper stop at the same level: no recursion beyond it.
    EXPECT_EQ(define(nested_objects(10000)), "properties.a" + repeat(".properties.a", 32) + too_deep);
    EXPECT_EQ(define(nested_arrays(10000)), "properties.a" + repeat(".items", 32) + too_deep);

    const Profile &deepest = profiles.define("deep31", nested_objects(31));
    const PropertySpec *spec = &deepest.properties[0];
    for (int level = 0; level < 31; ++level) {
        ASSERT_EQ(spec->type, DataType::Object);
        spec = &spec->properties[0];
    }
    EXPECT_EQ(spec->type, DataType::Symbol);
}

TEST_F(ProfileCompilerTest, CompilePropertiesDirectlyUsesTheGivenPath)
{
    NlohmannReader reader;
    json properties = json::parse(R"({"w": {"type": "integer", "rules": {"required": true}}, "v": {"type": "symbol"}})");
    std::vector<PropertySpec> compiled = compile_properties(reader.node(properties), "properties", profiles.patterns);
    EXPECT_EQ(names_of(compiled), (std::vector<std::string>{"v", "w"}));
    EXPECT_EQ(count_required(compiled), 1u);

    auto error_of = [&](std::string_view text, const std::string &path) -> std::string {
        json document = json::parse(text);
        try {
            compile_properties(reader.node(document), path, profiles.patterns);
            return "compiled";
        } catch (const DefinitionError &error) {
            return error.what();
        }
    };
    EXPECT_EQ(error_of(R"({"a": {"type": "x"}})", "props"), R"(props.a.type: unknown data type "x")");
    EXPECT_EQ(error_of(R"({"_a": {"type": "symbol"}})", "props"),
              std::string(R"(props: invalid property name "_a": )") + key_rule);
    EXPECT_EQ(error_of("[]", "props"), "props: expected object, got array");
    EXPECT_EQ(error_of(R"({"a": {"type": "x"}})", ""), R"(a.type: unknown data type "x")");
    EXPECT_EQ(error_of("[]", ""), "expected object, got array");
    // Nesting counts from the given object: 31 objects inside it still compile, 32 do not.
    std::string inner31 = nested_objects(31);
    EXPECT_EQ(error_of(inner31.substr(15, inner31.size() - 16), "properties"), "compiled");
    std::string inner32 = nested_objects(32);
    EXPECT_EQ(error_of(inner32.substr(15, inner32.size() - 16), "properties"),
              "properties.a" + repeat(".properties.a", 32) + ": property specs nested deeper than 32 levels");
}

TEST_F(ProfileCompilerTest, FirstProblemInKeyOrderIsReported)
{
    // nlohmann keeps object keys sorted bytewise (jsonb: shorter keys first, then bytewise); each definition
    // here has its problems in the same order under both.
    EXPECT_EQ(define(R"({"properties": {"a": {"type": "x"}, "b": {"type": "y"}}})"),
              R"(properties.a.type: unknown data type "x")");
    EXPECT_EQ(define(R"({"properties": {"a": {"type": "symbol", "rules": {"max": 1, "min": 1}}}})"),
              "properties.a.rules.max: rule max does not apply to type symbol");
    // Within a spec: unknown keys, then type, description, items, properties, rules.
    EXPECT_EQ(define(R"({"properties": {"a": {"type": "x", "extra": 1}}})"), R"(properties.a: unknown key "extra")");
    EXPECT_EQ(define(R"({"properties": {"a": {"type": "x", "description": 1}}})"),
              R"(properties.a.type: unknown data type "x")");
    EXPECT_EQ(define(R"({"properties": {"a": {"type": "symbol", "description": 1, "items": {}}}})"),
              "properties.a.description: expected string, got number");
    EXPECT_EQ(define(R"({"properties": {"a": {"type": "array", "rules": {"min": 1}}}})"),
              "properties.a.items: is required for type array");
    EXPECT_EQ(define(R"({"properties": {"a": {"type": "array", "items": {"type": "symbol"}, "rules": {"minItems": -1, "maxItems": 0}}}})"),
              "properties.a.rules.minItems: expected a non-negative integer, got -1");
    // Orders of bounds are checked after every rule was read.
    EXPECT_EQ(define(R"({"properties": {"a": {"type": "integer", "rules": {"min": 5, "max": 1, "pattern": "x"}}}})"),
              "properties.a.rules.pattern: rule pattern does not apply to type integer");
}

} // namespace
} // namespace pg_bulk
