// Reading jsonb in place. The layout is documented in utils/jsonb.h: a container is a header
// (count | flags) followed by JEntries (object: all keys, then all values) and the data area;
// containers and numerics inside the data area start 4-byte aligned, the padding counted in
// the preceding entry's length.
#include "pg/bridge/jsonb_view.hpp"

#include <cstring>
#include <vector>

#include "pg/bridge/pg_call.hpp"

namespace pg_bulk::pg {

namespace {
const JsonbContainer *container_of(const JsonNode &node)
{
    return static_cast<const JsonbContainer *>(node.data());
}

uint32 entry_count(const JsonbContainer *container)
{
    return container->header & JB_CMASK;
}

// Keys of a jsonb object are sorted by length, then bytes.
int compare_keys(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return a.size() < b.size() ? -1 : 1;
    return a.empty() ? 0 : memcmp(a.data(), b.data(), a.size());
}
} // namespace

JsonNode JsonbReader::container_node(const JsonbContainer *container, uint32 length) const
{
    JsonKind kind = JsonContainerIsObject(container) ? JsonKind::Object : JsonKind::Array;
    return JsonNode(this, kind, container, length);
}

JsonNode JsonbReader::root(const Jsonb *document) const
{
    const JsonbContainer *container = &document->root;
    uint32 length = VARSIZE(document) - VARHDRSZ;
    if (JsonContainerIsScalar(container))
        return child(container, 0);
    return container_node(container, length);
}

JsonNode JsonbReader::child(const JsonbContainer *container, uint32 index) const
{
    uint32 count = entry_count(container);
    uint32 entries = JsonContainerIsObject(container) ? count * 2 : count;
    const char *data_area = reinterpret_cast<const char *>(&container->children[entries]);
    JEntry entry = container->children[index];
    uint32 offset = getJsonbOffset(container, index);
    uint32 length = getJsonbLength(container, index);
    if (JBE_ISSTRING(entry))
        return JsonNode(this, JsonKind::String, data_area + offset, length);
    if (JBE_ISNULL(entry))
        return JsonNode(this, JsonKind::Null, nullptr, 0);
    if (JBE_ISBOOL(entry))
        return JsonNode(this, JsonKind::Boolean, nullptr, JBE_ISBOOL_TRUE(entry) ? 1 : 0);
    uint32 padding = INTALIGN(offset) - offset;
    const char *aligned = data_area + offset + padding;
    if (JBE_ISNUMERIC(entry))
        return JsonNode(this, JsonKind::Number, aligned, length - padding);
    return container_node(reinterpret_cast<const JsonbContainer *>(aligned), length - padding);
}

bool JsonbReader::boolean(const JsonNode &node) const
{
    return node.length() != 0;
}

std::string_view JsonbReader::string(const JsonNode &node) const
{
    return std::string_view(static_cast<const char *>(node.data()), node.length());
}

std::string JsonbReader::number_text(const JsonNode &node) const
{
    char *text = pg_call([&] { return DatumGetCString(DirectFunctionCall1(numeric_out, PointerGetDatum(node.data()))); });
    std::string result(text);
    pfree(text);
    return result;
}

size_t JsonbReader::size(const JsonNode &node) const
{
    return entry_count(container_of(node));
}

JsonNode JsonbReader::element(const JsonNode &node, size_t index) const
{
    return child(container_of(node), static_cast<uint32>(index));
}

std::string_view JsonbReader::key(const JsonNode &node, size_t index) const
{
    return string(child(container_of(node), static_cast<uint32>(index)));
}

JsonNode JsonbReader::value(const JsonNode &node, size_t index) const
{
    const JsonbContainer *container = container_of(node);
    return child(container, entry_count(container) + static_cast<uint32>(index));
}

std::optional<JsonNode> JsonbReader::find(const JsonNode &node, std::string_view key) const
{
    const JsonbContainer *container = container_of(node);
    uint32 low = 0, high = entry_count(container);
    while (low < high) {
        uint32 middle = low + (high - low) / 2;
        int order = compare_keys(this->key(node, middle), key);
        if (order == 0)
            return value(node, middle);
        if (order < 0)
            low = middle + 1;
        else
            high = middle;
    }
    return std::nullopt;
}

} // namespace pg_bulk::pg
