// Turns a profile definition (JSON) into a Profile, rejecting anything the validator could not
// enforce exactly: unknown types or rules, rules on types they do not apply to, bad references.
#include "core/profile_compiler.hpp"

#include <algorithm>
#include <initializer_list>

#include "core/json_text.hpp"
#include "core/value_checks.hpp"

namespace pg_bulk {

namespace {

[[noreturn]] void fail(const std::string &path, const std::string &message)
{
    throw DefinitionError(path.empty() ? message : path + ": " + message);
}

std::string join(const std::string &path, std::string_view key)
{
    return path.empty() ? std::string(key) : path + "." + std::string(key);
}

void expect_kind(const JsonNode &node, JsonKind kind, const std::string &path)
{
    if (!node.is(kind))
        fail(path, std::string("expected ") + json_kind_name(kind) + ", " + got_kind(node));
}

// Rejects members other than the allowed ones, so a misspelt rule is never silently ignored.
void expect_only_keys(const JsonNode &object, std::initializer_list<std::string_view> allowed, const std::string &path,
                      const char *what)
{
    for (size_t i = 0; i < object.size(); ++i) {
        std::string_view key = object.key(i);
        if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
            fail(path, std::string("unknown ") + what + " " + quote_excerpt(key));
    }
}

size_t read_count(const JsonNode &node, const std::string &path)
{
    if (node.is(JsonKind::Number)) {
        auto number = checks::parse_number(node.number_text());
        if (number.fits_int64 && number.integer >= 0)
            return static_cast<size_t>(number.integer);
    }
    fail(path, "expected a non-negative integer, " + (node.is(JsonKind::Number) ? "got " + number_excerpt(node.number_text()) : got_kind(node)));
}

// Any finite number, kept as the view reads it: comparisons are exact, so 1e400 is a bound like any other.
NumberBound read_bound(const JsonNode &node, const std::string &path)
{
    expect_kind(node, JsonKind::Number, path);
    std::string text = node.number_text();
    auto number = checks::parse_number(text);
    if (!number.finite)
        fail(path, "expected a finite number, got " + number_excerpt(text));
    return NumberBound{std::move(text), number.fits_int64, number.integer};
}

void read_enum(const JsonNode &node, DataType type, const std::string &path, Rules &rules)
{
    expect_kind(node, JsonKind::Array, path);
    if (node.size() == 0)
        fail(path, "expected at least one value");
    for (size_t i = 0; i < node.size(); ++i) {
        JsonNode value = node.element(i);
        std::string item_path = path + "[" + std::to_string(i) + "]";
        if (is_text_type(type)) {
            expect_kind(value, JsonKind::String, item_path);
            rules.enum_values.emplace_back(value.string());
        } else {
            auto number = value.is(JsonKind::Number) ? checks::parse_number(value.number_text()) : checks::ParsedNumber{};
            if (!number.fits_int64)
                fail(item_path, "expected an integer, " + (value.is(JsonKind::Number) ? "got " + number_excerpt(value.number_text()) : got_kind(value)));
            rules.enum_values.push_back(std::to_string(number.integer));
        }
    }
}

void check_applies(bool applies, const std::string &path, std::string_view rule, DataType type)
{
    if (!applies)
        fail(path, "rule " + std::string(rule) + " does not apply to type " + data_type_name(type));
}

void check_order(const std::optional<size_t> &low, const std::optional<size_t> &high, const std::string &path,
                 const char *low_name, const char *high_name)
{
    if (low && high && *low > *high)
        fail(path, std::string(low_name) + " is greater than " + high_name);
}

Rules compile_rules(const JsonNode &node, DataType type, bool is_item, const std::string &path, PatternEngine &patterns)
{
    expect_kind(node, JsonKind::Object, path);
    Rules rules;
    for (size_t i = 0; i < node.size(); ++i) {
        std::string_view rule = node.key(i);
        JsonNode value = node.value(i);
        std::string rule_path = join(path, rule);
        bool numeric = type == DataType::Integer || type == DataType::Decimal;
        if (rule == "required") {
            expect_kind(value, JsonKind::Boolean, rule_path);
            if (is_item)
                fail(rule_path, "rule required does not apply to array items");
            rules.required = value.boolean();
        } else if (rule == "min" || rule == "max") {
            check_applies(numeric, rule_path, rule, type);
            (rule == "min" ? rules.min : rules.max) = read_bound(value, rule_path);
        } else if (rule == "minLength" || rule == "maxLength") {
            check_applies(is_text_type(type), rule_path, rule, type);
            (rule == "minLength" ? rules.min_length : rules.max_length) = read_count(value, rule_path);
        } else if (rule == "minItems" || rule == "maxItems") {
            check_applies(type == DataType::Array, rule_path, rule, type);
            (rule == "minItems" ? rules.min_items : rules.max_items) = read_count(value, rule_path);
        } else if (rule == "enum") {
            check_applies(is_text_type(type) || type == DataType::Integer, rule_path, rule, type);
            read_enum(value, type, rule_path, rules);
        } else if (rule == "pattern") {
            check_applies(is_text_type(type), rule_path, rule, type);
            expect_kind(value, JsonKind::String, rule_path);
            std::string pattern(value.string());
            if (auto problem = patterns.check(pattern))
                fail(rule_path, "invalid regular expression: " + *problem);
            rules.pattern = std::move(pattern);
        } else {
            fail(path, "unknown rule " + quote_excerpt(rule));
        }
    }
    if (rules.min && rules.max && compare_to_bound(rules.min->text, rules.min->fits_int64, rules.min->integer, *rules.max) > 0)
        fail(path, "min is greater than max");
    check_order(rules.min_length, rules.max_length, path, "minLength", "maxLength");
    check_order(rules.min_items, rules.max_items, path, "minItems", "maxItems");
    return rules;
}

PropertySpec compile_property(std::string_view name, const JsonNode &node, bool is_item, const std::string &path,
                              int depth, PatternEngine &patterns);

std::vector<PropertySpec> compile_property_map(const JsonNode &node, const std::string &path, int depth,
                                               PatternEngine &patterns)
{
    expect_kind(node, JsonKind::Object, path);
    std::vector<PropertySpec> properties;
    properties.reserve(node.size());
    for (size_t i = 0; i < node.size(); ++i) {
        std::string_view name = node.key(i);
        std::string property_path = join(path, name);
        if (!is_valid_key(name))
            fail(path, "invalid property name " + quote_excerpt(name) +
                           ": expected 1 to 62 characters of [A-Za-z0-9_-], not starting with '_'");
        properties.push_back(compile_property(name, node.value(i), false, property_path, depth, patterns));
    }
    std::sort(properties.begin(), properties.end(),
              [](const PropertySpec &a, const PropertySpec &b) { return a.name < b.name; });
    return properties;
}

PropertySpec compile_property(std::string_view name, const JsonNode &node, bool is_item, const std::string &path,
                              int depth, PatternEngine &patterns)
{
    if (depth > max_definition_depth)
        fail(path, "property specs nested deeper than " + std::to_string(max_definition_depth) + " levels");
    expect_kind(node, JsonKind::Object, path);
    expect_only_keys(node, {"type", "rules", "items", "properties", "description"}, path, "key");
    PropertySpec spec;
    spec.name = std::string(name);

    auto type_node = node.find("type");
    if (!type_node)
        fail(join(path, "type"), "is required");
    expect_kind(*type_node, JsonKind::String, join(path, "type"));
    auto type = data_type_from_name(type_node->string());
    if (!type)
        fail(join(path, "type"), "unknown data type " + quote_excerpt(type_node->string()));
    spec.type = *type;

    if (auto description = node.find("description"))
        expect_kind(*description, JsonKind::String, join(path, "description"));

    auto items = node.find("items");
    if (spec.type == DataType::Array) {
        if (!items)
            fail(join(path, "items"), "is required for type array");
        spec.items = std::make_unique<PropertySpec>(
            compile_property(name, *items, true, join(path, "items"), depth + 1, patterns));
    } else if (items) {
        fail(join(path, "items"), std::string("only type array has items, not ") + data_type_name(spec.type));
    }

    auto properties = node.find("properties");
    if (spec.type == DataType::Object) {
        if (!properties)
            fail(join(path, "properties"), "is required for type object");
        spec.properties = compile_property_map(*properties, join(path, "properties"), depth + 1, patterns);
        spec.required_properties = count_required(spec.properties);
    } else if (properties) {
        fail(join(path, "properties"), std::string("only type object has properties, not ") + data_type_name(spec.type));
    }

    if (auto rules = node.find("rules"))
        spec.rules = compile_rules(*rules, spec.type, is_item, join(path, "rules"), patterns);
    return spec;
}

std::optional<Cardinality> cardinality_from_name(std::string_view name)
{
    for (auto c : {Cardinality::ZeroOrOne, Cardinality::ExactlyOne, Cardinality::ZeroOrMore, Cardinality::OneOrMore})
        if (name == cardinality_name(c))
            return c;
    return std::nullopt;
}

ContainedSlot compile_slot(std::string_view name, const JsonNode &node, const std::string &path,
                           const ProfileKinds &kinds)
{
    expect_kind(node, JsonKind::Object, path);
    expect_only_keys(node, {"types", "cardinality", "description"}, path, "key");
    if (auto description = node.find("description"))
        expect_kind(*description, JsonKind::String, join(path, "description"));
    ContainedSlot slot;
    slot.name = std::string(name);

    std::string types_path = join(path, "types");
    auto types = node.find("types");
    if (!types)
        fail(types_path, "is required");
    expect_kind(*types, JsonKind::Array, types_path);
    if (types->size() == 0)
        fail(types_path, "expected at least one profile key");
    for (size_t i = 0; i < types->size(); ++i) {
        JsonNode type = types->element(i);
        std::string type_path = types_path + "[" + std::to_string(i) + "]";
        expect_kind(type, JsonKind::String, type_path);
        auto kind = kinds.kind_of(type.string());
        if (!kind)
            fail(type_path, "no profile " + quote_excerpt(type.string()));
        if (*kind != ProfileKind::Contained)
            fail(type_path, "profile " + quote_excerpt(type.string()) + " is ROOT; contained types must be CONTAINED profiles");
        slot.types.emplace_back(type.string());
    }

    std::string cardinality_path = join(path, "cardinality");
    auto cardinality = node.find("cardinality");
    if (!cardinality)
        fail(cardinality_path, "is required");
    expect_kind(*cardinality, JsonKind::String, cardinality_path);
    auto parsed = cardinality_from_name(cardinality->string());
    if (!parsed)
        fail(cardinality_path, "expected one of \"0:1\", \"1:1\", \"0:*\", \"1:*\", got " + quote_excerpt(cardinality->string()));
    slot.cardinality = *parsed;
    return slot;
}

} // namespace

std::vector<PropertySpec> compile_properties(const JsonNode &properties, const std::string &path,
                                             PatternEngine &patterns)
{
    return compile_property_map(properties, path, 1, patterns);
}

Profile compile_profile(std::string_view key, ProfileKind kind, const JsonNode &definition,
                        const ProfileKinds &kinds, PatternEngine &patterns)
{
    if (!is_valid_key(key))
        fail("", "invalid profile key " + quote_excerpt(key) +
                     ": expected 1 to 62 characters of [A-Za-z0-9_-], not starting with '_'");
    expect_kind(definition, JsonKind::Object, "");
    expect_only_keys(definition, {"description", "properties", "contained"}, "", "key");
    Profile profile;
    profile.key = std::string(key);
    profile.kind = kind;
    if (auto description = definition.find("description"))
        expect_kind(*description, JsonKind::String, "description");
    if (auto properties = definition.find("properties"))
        profile.properties = compile_properties(*properties, "properties", patterns);
    if (auto contained = definition.find("contained")) {
        expect_kind(*contained, JsonKind::Object, "contained");
        for (size_t i = 0; i < contained->size(); ++i) {
            std::string_view name = contained->key(i);
            if (!is_valid_key(name))
                fail("contained", "invalid contained key " + quote_excerpt(name) +
                                      ": expected 1 to 62 characters of [A-Za-z0-9_-], not starting with '_'");
            profile.contained.push_back(compile_slot(name, contained->value(i), join("contained", name), kinds));
        }
        std::sort(profile.contained.begin(), profile.contained.end(),
                  [](const ContainedSlot &a, const ContainedSlot &b) { return a.name < b.name; });
    }
    profile.required_properties = count_required(profile.properties);
    profile.required_slots = std::count_if(profile.contained.begin(), profile.contained.end(),
                                           [](const ContainedSlot &s) { return is_required(s.cardinality); });
    return profile;
}

} // namespace pg_bulk
