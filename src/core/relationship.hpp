// Relationship definitions (DESIGN §2): which ROOT profile a relationship type goes from and to,
// its cardinality, and its own properties (compiled by the same compiler as profile properties).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_view.hpp"
#include "core/profile.hpp"

namespace pg_bulk {

enum class RelationshipCardinality { OneToOne, OneToMany, ManyToMany };

const char *relationship_cardinality_name(RelationshipCardinality cardinality);  // "1:1", "1:N", "N:N"
std::optional<RelationshipCardinality> relationship_cardinality_from_name(std::string_view name);

struct RelationshipDefinition {
    std::string key;
    std::string from_profile;
    std::string to_profile;
    RelationshipCardinality cardinality = RelationshipCardinality::ManyToMany;
    std::vector<PropertySpec> properties;  // sorted by name
    size_t required_properties = 0;
};

// Looks up compiled relationship definitions by key (the per-backend cache in the server).
class RelationshipCatalog {
public:
    virtual ~RelationshipCatalog() = default;
    virtual const RelationshipDefinition *find_relationship(std::string_view key) const = 0;
};

// Meta-validation and compilation; throws DefinitionError with the JSON path of the problem.
RelationshipDefinition compile_relationship(std::string_view key, const JsonNode &definition,
                                            const ProfileKinds &kinds, PatternEngine &patterns);

} // namespace pg_bulk
