// jsonb's on-disk format (utils/jsonb.h): a container is a header word (count | type flag), one
// JEntry per child (objects: all keys, then all values, keys sorted by length then bytes; see
// child_entry), then the children's data; container children start 4-byte aligned, the padding
// counted in their length.
#include "pg/bridge/jsonb_writer.hpp"

#include <algorithm>
#include <cstring>

#include "pg/bridge/jsonb_view.hpp"
#include "pg/bridge/pg_call.hpp"

namespace pg_bulk::pg {

namespace {

void append_word(std::string &out, uint32 word)
{
    out.append(reinterpret_cast<const char *>(&word), sizeof(word));
}

void pad_to_int(std::string &out)
{
    out.append(INTALIGN(out.size()) - out.size(), '\0');
}

void check_size(size_t size)
{
    if (size > JENTRY_OFFLENMASK)
        throw SqlError(ERRCODE_PROGRAM_LIMIT_EXCEEDED, "the document exceeds the jsonb size limit (256 MB)");
}

// The entry of a child written at [start, end) of `out`, whose container's data area begins at data_start.
JEntry entry(uint32 index, uint32 type, size_t start, size_t end, size_t data_start)
{
    check_size(end - data_start);
    return child_entry(type, index, static_cast<uint32>(start - data_start), static_cast<uint32>(end - data_start));
}

// Appends a number as jsonb stores it: a numeric varlena, 4-byte aligned (the padding belongs to it).
void append_number(std::string &out, int64 value)
{
    pad_to_int(out);
    Numeric numeric = pg_call([&] { return int64_to_numeric(value); });
    out.append(reinterpret_cast<const char *>(numeric), VARSIZE(numeric));
    pg_call([&] { pfree(numeric); });
}

// Appends the object at a 4-byte aligned position of `out`, which must start 4-byte aligned in the
// final jsonb (alignment is absolute in the format).
void append_object(std::string &out, std::vector<JsonbMember> members)
{
    std::sort(members.begin(), members.end(), [](const JsonbMember &a, const JsonbMember &b) {
        return a.key.size() != b.key.size() ? a.key.size() < b.key.size() : a.key < b.key;
    });
    pad_to_int(out);
    uint32 count = static_cast<uint32>(members.size());
    append_word(out, count | JB_FOBJECT);
    size_t entries_at = out.size();
    out.append(sizeof(JEntry) * 2 * count, '\0');
    size_t outstart = out.size();
    std::vector<JEntry> entries(2 * count);
    for (uint32 i = 0; i < count; ++i) {
        size_t start = out.size();
        out.append(members[i].key);
        entries[i] = entry(i, JENTRY_ISSTRING, start, out.size(), outstart);
    }
    for (uint32 i = 0; i < count; ++i) {
        size_t start = out.size();
        const JsonbMember &member = members[i];
        if (member.number) {
            append_number(out, *member.number);
            entries[count + i] = entry(count + i, JENTRY_ISNUMERIC, start, out.size(), outstart);
        } else if (member.container) {
            pad_to_int(out);
            out.append(static_cast<const char *>(member.container->data()), member.container->length());
            entries[count + i] = entry(count + i, JENTRY_ISCONTAINER, start, out.size(), outstart);
        } else {
            out.append(member.string);
            entries[count + i] = entry(count + i, JENTRY_ISSTRING, start, out.size(), outstart);
        }
    }
    memcpy(out.data() + entries_at, entries.data(), sizeof(JEntry) * entries.size());
    check_size(out.size());
}

Jsonb *as_jsonb(const std::string &container)
{
    size_t size = VARHDRSZ + container.size();
    check_size(size);
    char *buffer = static_cast<char *>(pg_call([&] { return palloc(size); }));
    SET_VARSIZE(buffer, size);
    memcpy(buffer + VARHDRSZ, container.data(), container.size());
    return reinterpret_cast<Jsonb *>(buffer);
}

} // namespace

Jsonb *jsonb_object(std::vector<JsonbMember> members)
{
    std::string container;
    append_object(container, std::move(members));
    return as_jsonb(container);
}

void JsonbArrayWriter::add_object(std::vector<JsonbMember> members)
{
    append_object(data_, std::move(members));
    ends_.push_back(static_cast<uint32>(data_.size()));
}

Jsonb *JsonbArrayWriter::finish() const
{
    uint32 count = static_cast<uint32>(ends_.size());
    size_t size = VARHDRSZ + sizeof(uint32) + sizeof(JEntry) * count + data_.size();
    check_size(size);
    char *buffer = static_cast<char *>(pg_call([&] { return palloc(size); }));
    SET_VARSIZE(buffer, size);
    auto *header = reinterpret_cast<uint32 *>(buffer + VARHDRSZ);
    *header = count | JB_FARRAY;
    auto *entries = reinterpret_cast<JEntry *>(header + 1);
    for (uint32 i = 0; i < count; ++i)  // element i's padding (before it) belongs to it
        entries[i] = child_entry(JENTRY_ISCONTAINER, i, i == 0 ? 0 : ends_[i - 1], ends_[i]);
    memcpy(entries + count, data_.data(), data_.size());
    return reinterpret_cast<Jsonb *>(buffer);
}

} // namespace pg_bulk::pg
