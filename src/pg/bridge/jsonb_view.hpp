// The JSON view straight over jsonb's binary form: no conversion to text or to another tree.
// Containers, keys and strings are read in place; only numbers are printed (numeric_out).
#pragma once

#include <vector>

#include "core/json_view.hpp"
#include "pg/bridge/postgres.hpp"

namespace pg_bulk::pg {

class JsonbReader final : public JsonReader {
public:
    // The root value of a detoasted jsonb (a raw scalar root is returned as that scalar).
    JsonNode root(const Jsonb *document) const;

    bool boolean(const JsonNode &node) const override;
    std::string_view string(const JsonNode &node) const override;
    std::string number_text(const JsonNode &node) const override;
    size_t size(const JsonNode &node) const override;
    JsonNode element(const JsonNode &node, size_t index) const override;
    std::string_view key(const JsonNode &node, size_t index) const override;
    JsonNode value(const JsonNode &node, size_t index) const override;
    std::optional<JsonNode> find(const JsonNode &node, std::string_view key) const override;

private:
    JsonNode child(const JsonbContainer *container, uint32 index) const;
    JsonNode container_node(const JsonbContainer *container, uint32 length) const;
};

// The JEntry of child `index` of a container, whose data spans [start, end) of the container's data
// area (padding before it included): every JB_OFFSET_STRIDE-th child stores its end offset, the others
// their length (jsonb's format, utils/jsonb.h).
inline JEntry child_entry(uint32 type, uint32 index, uint32 start, uint32 end)
{
    return type | ((index % JB_OFFSET_STRIDE) == 0 ? (end | JENTRY_HAS_OFF) : (end - start));
}

} // namespace pg_bulk::pg
