// Meta-validation and compilation of profile definitions (DESIGN §2). Every problem is a
// DefinitionError whose message starts with the JSON path inside the definition.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/errors.hpp"
#include "core/json_view.hpp"
#include "core/profile.hpp"

namespace pg_bulk {

// Deepest nesting of array/object property specs in one definition.
constexpr int max_definition_depth = 32;

// Compiles a whole profile definition. `kinds` answers for the profiles its contained slots name.
Profile compile_profile(std::string_view key, ProfileKind kind, const JsonNode &definition,
                        const ProfileKinds &kinds, PatternEngine &patterns);

// Compiles a "properties" object (shared by profiles and relationship definitions).
// `path` is where the object sits in the definition, for messages.
std::vector<PropertySpec> compile_properties(const JsonNode &properties, const std::string &path,
                                             PatternEngine &patterns);

} // namespace pg_bulk
