// RFC 7396's MergePatch, written out value by value.
#include "core/merge_patch.hpp"

namespace pg_bulk {

size_t object_depth(const JsonNode &value, size_t limit)
{
    if (!value.is(JsonKind::Object))
        return 0;
    size_t deepest = 0;
    if (limit > 0)
        for (size_t i = 0; i < value.size() && deepest < limit; ++i) {
            size_t depth = object_depth(value.value(i), limit - 1);
            if (depth > deepest)
                deepest = depth;
        }
    return deepest + 1;
}

void merge_patch(const std::optional<JsonNode> &target, const JsonNode &patch, JsonBuilder &out)
{
    if (!patch.is(JsonKind::Object)) {
        out.copy(patch);
        return;
    }
    // A target that is not an object is replaced by an empty one, into which the patch merges.
    bool merges = target && target->is(JsonKind::Object);
    out.begin_object();
    if (merges)
        for (size_t i = 0; i < target->size(); ++i) {
            std::string_view name = target->key(i);
            if (!patch.find(name)) {
                out.key(name);
                out.copy(target->value(i));
            }
        }
    for (size_t i = 0; i < patch.size(); ++i) {
        JsonNode value = patch.value(i);
        if (value.is(JsonKind::Null))
            continue;
        std::string_view name = patch.key(i);
        out.key(name);
        merge_patch(merges ? target->find(name) : std::nullopt, value, out);
    }
    out.end_object();
}

} // namespace pg_bulk
