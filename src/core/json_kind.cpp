// Names of JSON kinds, as used in messages.
#include "core/json_view.hpp"

namespace pg_bulk {

const char *json_kind_name(JsonKind kind)
{
    switch (kind) {
    case JsonKind::Null: return "null";
    case JsonKind::Boolean: return "boolean";
    case JsonKind::Number: return "number";
    case JsonKind::String: return "string";
    case JsonKind::Array: return "array";
    case JsonKind::Object: return "object";
    }
    return "?";
}

std::string got_kind(const JsonNode &node)
{
    return std::string("got ") + json_kind_name(node.kind());
}

} // namespace pg_bulk
