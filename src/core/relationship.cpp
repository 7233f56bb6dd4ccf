// Compiling relationship definitions.
#include "core/relationship.hpp"

#include "core/errors.hpp"
#include "core/json_text.hpp"
#include "core/profile_compiler.hpp"

namespace pg_bulk {

namespace {

[[noreturn]] void fail(const std::string &path, const std::string &message)
{
    throw DefinitionError(path.empty() ? message : path + ": " + message);
}

// {"profileKey": "<ROOT profile>"}
std::string read_endpoint(const JsonNode &definition, const char *side, const ProfileKinds &kinds)
{
    std::string path = side;
    auto endpoint = definition.find(side);
    if (!endpoint)
        fail(path, "is required");
    if (!endpoint->is(JsonKind::Object))
        fail(path, "expected object, " + got_kind(*endpoint));
    for (size_t i = 0; i < endpoint->size(); ++i)
        if (endpoint->key(i) != "profileKey")
            fail(path, "unknown key " + quote_excerpt(endpoint->key(i)) + " (expected profileKey)");
    auto key = endpoint->find("profileKey");
    std::string key_path = path + ".profileKey";
    if (!key)
        fail(key_path, "is required");
    if (!key->is(JsonKind::String))
        fail(key_path, "expected string, " + got_kind(*key));
    auto kind = kinds.kind_of(key->string());
    if (!kind)
        fail(key_path, "no profile " + quote_excerpt(key->string()));
    if (*kind != ProfileKind::Root)
        fail(key_path, "profile " + quote_excerpt(key->string()) + " is CONTAINED; relationships link ROOT profiles");
    return std::string(key->string());
}

} // namespace

const char *relationship_cardinality_name(RelationshipCardinality cardinality)
{
    switch (cardinality) {
    case RelationshipCardinality::OneToOne: return "1:1";
    case RelationshipCardinality::OneToMany: return "1:N";
    case RelationshipCardinality::ManyToMany: return "N:N";
    }
    return "?";
}

std::optional<RelationshipCardinality> relationship_cardinality_from_name(std::string_view name)
{
    for (auto candidate : {RelationshipCardinality::OneToOne, RelationshipCardinality::OneToMany,
                           RelationshipCardinality::ManyToMany})
        if (name == relationship_cardinality_name(candidate))
            return candidate;
    return std::nullopt;
}

RelationshipDefinition compile_relationship(std::string_view key, const JsonNode &definition,
                                            const ProfileKinds &kinds, PatternEngine &patterns)
{
    if (!is_valid_key(key))
        fail("", "invalid relationship key " + quote_excerpt(key) +
                     ": expected 1 to 62 characters of [A-Za-z0-9_-], not starting with '_'");
    if (!definition.is(JsonKind::Object))
        fail("", "expected object, " + got_kind(definition));
    for (size_t i = 0; i < definition.size(); ++i) {
        std::string_view member = definition.key(i);
        if (member != "from" && member != "to" && member != "cardinality" && member != "description" &&
            member != "properties")
            fail("", "unknown key " + quote_excerpt(member));
    }
    RelationshipDefinition compiled;
    compiled.key = std::string(key);
    compiled.from_profile = read_endpoint(definition, "from", kinds);
    compiled.to_profile = read_endpoint(definition, "to", kinds);
    auto cardinality = definition.find("cardinality");
    if (!cardinality)
        fail("cardinality", "is required");
    if (!cardinality->is(JsonKind::String))
        fail("cardinality", "expected string, " + got_kind(*cardinality));
    auto known = relationship_cardinality_from_name(cardinality->string());
    if (!known)
        fail("cardinality", "expected one of \"1:1\", \"1:N\", \"N:N\", got " + quote_excerpt(cardinality->string()));
    compiled.cardinality = *known;
    if (auto description = definition.find("description"); description && !description->is(JsonKind::String))
        fail("description", "expected string, " + got_kind(*description));
    if (auto properties = definition.find("properties"))
        compiled.properties = compile_properties(*properties, "properties", patterns);
    compiled.required_properties = count_required(compiled.properties);
    return compiled;
}

} // namespace pg_bulk
