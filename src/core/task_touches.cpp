#include "core/task_touches.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "core/ksuid.hpp"

namespace pg_bulk {

namespace {

// What a hashed name stands for, so that a profile and a relationship type of one name differ.
enum class Space : uint8_t { Resource = 1, Relationship = 2, RelationshipType = 3, ResourceDeletes = 4 };

// FNV-1a over the parts (each followed by a 0 byte, which no part contains at its end), then a
// splitmix64 finalizer so that neighbouring ids spread over all 64 bits.
uint64_t hash_key(Space space, std::string_view type, std::string_view id)
{
    uint64_t hash = 14695981039346656037ULL;
    auto mix = [&hash](std::string_view part) {
        for (unsigned char byte : part)
            hash = (hash ^ byte) * 1099511628211ULL;
        hash = (hash ^ 0xffu) * 1099511628211ULL;
    };
    hash = (hash ^ static_cast<uint8_t>(space)) * 1099511628211ULL;
    mix(type);
    mix(id);
    hash ^= hash >> 30;
    hash *= 0xbf58476d1ce4e5b9ULL;
    hash ^= hash >> 27;
    hash *= 0x94d049bb133111ebULL;
    hash ^= hash >> 31;
    return hash;
}

void sort_unique(std::vector<uint64_t> &values)
{
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
}

// Any task with a resource DELETE has this kind: a relationship UPSERT, PATCH or DELETE meets it (the
// deleted resource may be an endpoint of that relationship by then, and the DELETE cascades to it).
const uint64_t resource_deletes = hash_key(Space::ResourceDeletes, "", "");

void put_u32(std::string &out, uint32_t value)
{
    for (int shift = 0; shift < 32; shift += 8)
        out.push_back(static_cast<char>((value >> shift) & 0xff));
}

void put_u64(std::string &out, uint64_t value)
{
    for (int shift = 0; shift < 64; shift += 8)
        out.push_back(static_cast<char>((value >> shift) & 0xff));
}

uint64_t get_le(const unsigned char *bytes, int width)
{
    uint64_t value = 0;
    for (int i = width - 1; i >= 0; --i)
        value = (value << 8) | bytes[i];
    return value;
}

} // namespace

void TouchCollector::add_resource_operation(Action action, std::string_view type, std::string_view id)
{
    touches_.keys.push_back(hash_key(Space::Resource, type, id));
    if (action == Action::Delete)
        touches_.kinds.push_back(resource_deletes);
}

void TouchCollector::add_relationship_operation(Action action, std::string_view type, std::string_view id,
                                                std::optional<std::pair<std::string_view, std::string_view>> from,
                                                std::optional<std::pair<std::string_view, std::string_view>> to)
{
    touches_.keys.push_back(hash_key(Space::Relationship, type, id));
    for (const auto &endpoint : {from, to})
        if (endpoint)
            touches_.keys.push_back(hash_key(Space::Resource, endpoint->first, endpoint->second));
    // A resource DELETE cascades to the relationships of the resource, which may be what decides this
    // operation (an UPSERT or DELETE of one of them, or the one that holds the place a CREATE's cardinality
    // allows at its other endpoint): every relationship operation meets every resource DELETE.
    touches_.wild.push_back(resource_deletes);
    // Every operation on relationships of a type has that type's kind; all but a CREATE (which only adds
    // a relationship it names whole) may change what the stored relationship held, so they meet every
    // other operation on that type.
    uint64_t relationship_type = hash_key(Space::RelationshipType, type, "");
    touches_.kinds.push_back(relationship_type);
    if (action != Action::Create)
        touches_.wild.push_back(relationship_type);
}

TaskTouches TouchCollector::finish()
{
    sort_unique(touches_.keys);
    sort_unique(touches_.kinds);
    sort_unique(touches_.wild);
    TaskTouches done = std::move(touches_);
    touches_ = TaskTouches{};
    return done;
}

void add_operation(TouchCollector &collector, Target target, const JsonNode &operation, std::string_view bulk_id,
                   uint32_t index)
{
    OperationSummary summary = summarize_operation(operation);
    Action action = summary.action.value();
    std::string_view type = summary.type.value();
    std::optional<std::string> generated;
    if (!summary.id) {
        generated = generated_resource_id(bulk_id, index);
        if (!generated)
            throw std::invalid_argument("invalid bulk id");
    }
    std::string_view id = summary.id ? *summary.id : std::string_view(*generated);
    if (target == Target::Resources) {
        collector.add_resource_operation(action, type, id);
        return;
    }
    using EndpointRef = std::optional<std::pair<std::string_view, std::string_view>>;
    EndpointRef from, to;
    std::optional<JsonNode> payload = operation.find(payload_key(action));
    auto endpoint = [&](std::string_view side) -> EndpointRef {
        std::optional<JsonNode> node = payload ? payload->find(side) : std::nullopt;
        if (!node || !node->is(JsonKind::Object))
            return std::nullopt;
        return std::make_pair(node->find("type")->string(), node->find("id")->string());
    };
    if (action != Action::Delete) {
        from = endpoint("from");
        to = endpoint("to");
    }
    collector.add_relationship_operation(action, type, id, from, to);
}

bool sorted_contains(const std::vector<uint64_t> &sorted, uint64_t value)
{
    return std::binary_search(sorted.begin(), sorted.end(), value);
}

bool sorted_intersect(const std::vector<uint64_t> &a, const std::vector<uint64_t> &b)
{
    const std::vector<uint64_t> &small = a.size() <= b.size() ? a : b;
    const std::vector<uint64_t> &large = a.size() <= b.size() ? b : a;
    if (small.empty() || small.back() < large.front() || large.back() < small.front())
        return false;
    if (large.size() / 16 > small.size()) {  // far apart in size: binary searches from the smaller
        for (uint64_t value : small)
            if (sorted_contains(large, value))
                return true;
        return false;
    }
    auto x = small.begin(), y = large.begin();  // alike: one merge pass
    while (x != small.end() && y != large.end()) {
        if (*x == *y)
            return true;
        if (*x < *y)
            ++x;
        else
            ++y;
    }
    return false;
}

bool conflicts(const TaskTouches &a, const TaskTouches &b)
{
    if (a.everything || b.everything)
        return true;
    return sorted_intersect(a.keys, b.keys) || sorted_intersect(a.wild, b.kinds) || sorted_intersect(b.wild, a.kinds);
}

std::string encode_touches(const TaskTouches &touches)
{
    std::string out;
    out.reserve(12 + 8 * (touches.keys.size() + touches.kinds.size() + touches.wild.size()));
    put_u32(out, static_cast<uint32_t>(touches.keys.size()));
    put_u32(out, static_cast<uint32_t>(touches.kinds.size()));
    put_u32(out, static_cast<uint32_t>(touches.wild.size()));
    for (const auto *values : {&touches.keys, &touches.kinds, &touches.wild})
        for (uint64_t value : *values)
            put_u64(out, value);
    return out;
}

TaskTouches decode_touches(std::string_view bytes)
{
    const auto *data = reinterpret_cast<const unsigned char *>(bytes.data());
    if (bytes.size() < 12)
        throw std::invalid_argument("a task's touches summary is shorter than its header");
    uint64_t counts[3];
    for (int i = 0; i < 3; ++i)
        counts[i] = get_le(data + 4 * i, 4);
    if (bytes.size() != 12 + 8 * (counts[0] + counts[1] + counts[2]))
        throw std::invalid_argument("a task's touches summary does not have the length its header says");
    TaskTouches touches;
    size_t offset = 12;
    for (int part = 0; part < 3; ++part) {
        std::vector<uint64_t> &values = part == 0 ? touches.keys : part == 1 ? touches.kinds : touches.wild;
        values.reserve(counts[part]);
        for (uint64_t i = 0; i < counts[part]; ++i, offset += 8)
            values.push_back(get_le(data + offset, 8));
        if (!std::is_sorted(values.begin(), values.end()) ||
            std::adjacent_find(values.begin(), values.end()) != values.end())
            throw std::invalid_argument("a task's touches summary is not sorted");
    }
    return touches;
}

} // namespace pg_bulk
