// JSON merge patch (RFC 7396), the semantics of PATCH (DESIGN §11): a patch object's members replace
// the target's, `null` removes one, an object merges into the target's member recursively; anything
// else (an array, a scalar) replaces the target whole.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "core/json_builder.hpp"
#include "core/json_view.hpp"

namespace pg_bulk {

// Deepest nesting of objects a patch may merge (deeper patches are refused at submit): the merge
// recurses once per level.
constexpr size_t max_patch_depth = 64;

// The levels of objects nested in `value` (an object holding no object: 1; not an object: 0),
// counted up to limit + 1.
size_t object_depth(const JsonNode &value, size_t limit = max_patch_depth);

// Writes the result of merging `patch` into `target` (absent: no target) to `out`.
void merge_patch(const std::optional<JsonNode> &target, const JsonNode &patch, JsonBuilder &out);

} // namespace pg_bulk
