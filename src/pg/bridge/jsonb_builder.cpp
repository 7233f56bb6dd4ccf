// jsonb's on-disk format (utils/jsonb.h): a container is a header word (count | type flags), one
// JEntry per child (objects: all keys, then all values, keys sorted by length then bytes), then the
// children's data; containers and numerics start 4-byte aligned, the padding counted in their entry.
// Padding is relative to the enclosing container's start, which is itself aligned wherever it lands,
// so a container laid out once can be copied into any parent (and a JsonbReader node copied as is).
#include "pg/bridge/jsonb_builder.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "pg/bridge/pg_call.hpp"

namespace pg_bulk::pg {

namespace {

void check_size(size_t size)
{
    if (size > JENTRY_OFFLENMASK)
        throw SqlError(ERRCODE_PROGRAM_LIMIT_EXCEEDED, "the document exceeds the jsonb size limit (256 MB)");
}

bool aligned_type(uint32 type)
{
    return type == JENTRY_ISCONTAINER || type == JENTRY_ISNUMERIC;
}

std::string_view bytes_of(const void *data, size_t length)
{
    return std::string_view(static_cast<const char *>(data), length);
}

} // namespace

JsonbBuilder::Container &JsonbBuilder::open_container(bool object)
{
    if (depth_ == containers_.size())
        containers_.emplace_back();
    Container &container = containers_[depth_++];
    container.object = object;
    container.key = key_;
    container.keys.clear();
    container.data.clear();
    container.children.clear();
    return container;
}

JsonbBuilder::Container &JsonbBuilder::current()
{
    if (depth_ > 0)
        return containers_[depth_ - 1];
    clear_root();
    return root_;
}

void JsonbBuilder::clear_root()
{
    root_.data.clear();
    root_.children.clear();
    copied_root_.reset();
}

void JsonbBuilder::record(Container &container, uint32 type, size_t start, std::string_view key)
{
    Child child{type, start, container.data.size()};
    if (container.object) {
        child.key_start = container.keys.size();
        container.keys.append(key);
        child.key_end = container.keys.size();
    }
    container.children.push_back(child);
}

void JsonbBuilder::close_container(bool object)
{
    if (depth_ == 0 || containers_[depth_ - 1].object != object)
        throw SqlError(ERRCODE_INTERNAL_ERROR, "pg_bulk: a jsonb container was closed that is not open");
    const Container &done = containers_[--depth_];
    Container &parent = current();
    size_t start = parent.data.size();
    lay_out(done, 0, parent.data);
    record(parent, JENTRY_ISCONTAINER, start, done.key);
}

void JsonbBuilder::add(uint32 type, std::string_view bytes, std::string_view key)
{
    Container &container = current();
    size_t start = container.data.size();
    container.data.append(bytes);
    record(container, type, start, key);
}

void JsonbBuilder::lay_out(const Container &container, uint32 flags, std::string &out)
{
    const std::vector<Child> &children = container.children;
    auto key_of = [&](const Child &child) {
        return std::string_view(container.keys).substr(child.key_start, child.key_end - child.key_start);
    };
    // Members in jsonb's key order; of a key written twice, the last value.
    std::vector<uint32> &order = order_;
    order.resize(children.size());
    std::iota(order.begin(), order.end(), 0);
    if (container.object) {
        auto before = [&](uint32 a, uint32 b) {
            std::string_view x = key_of(children[a]), y = key_of(children[b]);
            return x.size() != y.size() ? x.size() < y.size() : x < y;
        };
        if (order.size() <= 16) {  // the usual small object: an insertion sort, stable, allocates nothing
            for (size_t i = 1; i < order.size(); ++i)
                for (size_t j = i; j > 0 && before(order[j], order[j - 1]); --j)
                    std::swap(order[j], order[j - 1]);
        } else {
            std::stable_sort(order.begin(), order.end(), before);
        }
        distinct_.clear();
        for (size_t i = 0; i < order.size(); ++i)
            if (i + 1 == order.size() || key_of(children[order[i]]) != key_of(children[order[i + 1]]))
                distinct_.push_back(order[i]);
        order.swap(distinct_);
    }
    uint32 count = static_cast<uint32>(order.size());
    uint32 entry_count = container.object ? 2 * count : count;
    size_t base = out.size();
    uint32 header = count | (container.object ? JB_FOBJECT : JB_FARRAY) | flags;
    out.append(reinterpret_cast<const char *>(&header), sizeof(header));
    size_t entries_at = out.size();
    out.append(sizeof(JEntry) * entry_count, '\0');
    size_t data_start = out.size();
    std::vector<JEntry> &entries = entries_;
    entries.assign(entry_count, 0);
    auto place = [&](uint32 index, uint32 type, std::string_view bytes) {
        size_t start = out.size() - data_start;
        if (aligned_type(type))
            out.append(INTALIGN(out.size() - base) - (out.size() - base), '\0');
        out.append(bytes);
        size_t end = out.size() - data_start;
        check_size(end);
        entries[index] = child_entry(type, index, static_cast<uint32>(start), static_cast<uint32>(end));
    };
    if (container.object)
        for (uint32 i = 0; i < count; ++i)
            place(i, JENTRY_ISSTRING, key_of(children[order[i]]));
    for (uint32 i = 0; i < count; ++i) {
        const Child &child = children[order[i]];
        place(container.object ? count + i : i, child.type,
              std::string_view(container.data).substr(child.start, child.end - child.start));
    }
    if (entry_count)
        memcpy(out.data() + entries_at, entries.data(), sizeof(JEntry) * entry_count);
}

void JsonbBuilder::begin_object()
{
    open_container(true);
}

void JsonbBuilder::key(std::string_view key)
{
    key_.assign(key.data(), key.size());
}

void JsonbBuilder::end_object()
{
    close_container(true);
}

void JsonbBuilder::begin_array()
{
    open_container(false);
}

void JsonbBuilder::end_array()
{
    close_container(false);
}

void JsonbBuilder::string(std::string_view value)
{
    add(JENTRY_ISSTRING, value);
}

void JsonbBuilder::integer(int64_t value)
{
    Numeric number = pg_call([&] { return int64_to_numeric(value); });
    add(JENTRY_ISNUMERIC, bytes_of(number, VARSIZE(number)));
    pg_call([&] { pfree(number); });
}

void JsonbBuilder::boolean(bool value)
{
    add(value ? JENTRY_ISBOOL_TRUE : JENTRY_ISBOOL_FALSE, {});
}

void JsonbBuilder::null()
{
    add(JENTRY_ISNULL, {});
}

void JsonbBuilder::copy(const JsonNode &value)
{
    switch (value.kind()) {
    case JsonKind::Null:
        null();
        return;
    case JsonKind::Boolean:
        boolean(value.boolean());
        return;
    case JsonKind::String:
        string(value.string());
        return;
    case JsonKind::Number:
        add(JENTRY_ISNUMERIC, bytes_of(value.data(), value.length()));
        return;
    case JsonKind::Array:
    case JsonKind::Object:
        if (depth_ == 0) {  // the whole document: nothing to lay out
            current();
            copied_root_ = value;
            return;
        }
        add(JENTRY_ISCONTAINER, bytes_of(value.data(), value.length()));
        return;
    }
}

Jsonb *JsonbBuilder::finish_jsonb()
{
    if (depth_ != 0 || (!copied_root_ && root_.children.size() != 1))
        throw SqlError(ERRCODE_INTERNAL_ERROR, "pg_bulk: a jsonb document was finished before it was written");
    std::string scalar_root;
    std::string_view bytes;
    if (copied_root_) {
        bytes = bytes_of(copied_root_->data(), copied_root_->length());
    } else if (root_.children[0].type == JENTRY_ISCONTAINER) {
        bytes = root_.data;
    } else {  // a scalar document is stored as a one-element array flagged scalar
        lay_out(root_, JB_FSCALAR, scalar_root);
        bytes = scalar_root;
    }
    size_t size = VARHDRSZ + bytes.size();
    check_size(size);
    char *buffer = static_cast<char *>(pg_call([&] { return palloc(size); }));
    SET_VARSIZE(buffer, size);
    memcpy(buffer + VARHDRSZ, bytes.data(), bytes.size());
    clear_root();
    return reinterpret_cast<Jsonb *>(buffer);
}

JsonNode JsonbBuilder::finish()
{
    if (copied_root_ && depth_ == 0) {
        JsonNode node = *copied_root_;
        copied_root_.reset();
        return node;
    }
    return reader_.root(finish_jsonb());
}

Jsonb *jsonb_array(const std::vector<JsonNode> &elements)
{
    uint32 count = static_cast<uint32>(elements.size());
    // Worst case: every element padded by 3 bytes.
    size_t capacity = VARHDRSZ + sizeof(uint32) + sizeof(JEntry) * count;
    for (const JsonNode &element : elements) {
        if (!element.is(JsonKind::Object) && !element.is(JsonKind::Array))
            throw SqlError(ERRCODE_INTERNAL_ERROR, "jsonb_array only copies containers");
        capacity += element.length() + 3;
    }
    if (capacity > JENTRY_OFFLENMASK)
        throw SqlError(ERRCODE_PROGRAM_LIMIT_EXCEEDED, "bulk request chunk exceeds the jsonb size limit");
    char *buffer = static_cast<char *>(pg_call([&] { return palloc0(capacity); }));
    auto *header = reinterpret_cast<uint32 *>(buffer + VARHDRSZ);
    *header = count | JB_FARRAY;
    auto *entries = reinterpret_cast<JEntry *>(header + 1);
    char *data_area = reinterpret_cast<char *>(entries + count);
    uint32 used = 0;
    for (uint32 i = 0; i < count; ++i) {
        const JsonNode &element = elements[i];
        uint32 start = used;
        used = INTALIGN(used);  // palloc0 left the padding zeroed
        memcpy(data_area + used, element.data(), element.length());
        used += element.length();
        entries[i] = child_entry(JENTRY_ISCONTAINER, i, start, used);
    }
    SET_VARSIZE(buffer, data_area + used - buffer);
    return reinterpret_cast<Jsonb *>(buffer);
}

Jsonb *jsonb_array_slice(const JsonbReader &reader, const JsonNode &array, size_t begin, size_t end)
{
    std::vector<JsonNode> elements;
    elements.reserve(end - begin);
    for (size_t i = begin; i < end; ++i)
        elements.push_back(reader.element(array, i));
    return jsonb_array(elements);
}

Jsonb *jsonb_copy(const JsonNode &container)
{
    if (!container.is(JsonKind::Object) && !container.is(JsonKind::Array))
        throw SqlError(ERRCODE_INTERNAL_ERROR, "jsonb_copy only copies containers");
    char *buffer = static_cast<char *>(pg_call([&] { return palloc(VARHDRSZ + container.length()); }));
    SET_VARSIZE(buffer, VARHDRSZ + container.length());
    memcpy(buffer + VARHDRSZ, container.data(), container.length());
    return reinterpret_cast<Jsonb *>(buffer);
}

} // namespace pg_bulk::pg
