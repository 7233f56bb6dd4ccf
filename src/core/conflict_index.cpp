#include "core/conflict_index.hpp"

#include <algorithm>

namespace pg_bulk {

namespace {

void add_values(std::unordered_map<uint64_t, size_t> &map, const std::vector<uint64_t> &values, size_t blocker)
{
    for (uint64_t value : values)
        map.emplace(value, blocker);  // keeps the earliest blocker of a value
}

// A blocker in `map` holding one of `values`: looks the values up, or, when the map is the smaller
// side, searches its entries in the sorted values.
std::optional<size_t> find_in(const std::unordered_map<uint64_t, size_t> &map, const std::vector<uint64_t> &values)
{
    if (map.empty() || values.empty())
        return std::nullopt;
    std::optional<size_t> found;
    if (values.size() <= map.size()) {
        for (uint64_t value : values) {
            auto hit = map.find(value);
            if (hit != map.end() && (!found || hit->second < *found))
                found = hit->second;
        }
    } else {
        for (const auto &[value, blocker] : map)
            if ((!found || blocker < *found) && sorted_contains(values, value))
                found = blocker;
    }
    return found;
}

void keep_earliest(std::optional<size_t> &found, std::optional<size_t> other)
{
    if (other && (!found || *other < *found))
        found = other;
}

} // namespace

void ConflictIndex::add(size_t blocker, const TaskTouches &touches)
{
    if (!first_ || blocker < *first_)
        first_ = blocker;
    if (touches.everything) {
        if (!everything_ || blocker < *everything_)
            everything_ = blocker;
        return;
    }
    if (touches.keys.size() > few_keys_)
        large_.emplace_back(blocker, &touches);
    else
        add_values(keys_, touches.keys, blocker);
    add_values(kinds_, touches.kinds, blocker);
    add_values(wild_, touches.wild, blocker);
}

std::optional<size_t> ConflictIndex::find(const TaskTouches &candidate) const
{
    if (candidate.everything)
        return first_;
    std::optional<size_t> found = everything_;
    keep_earliest(found, find_in(keys_, candidate.keys));
    keep_earliest(found, find_in(kinds_, candidate.wild));
    keep_earliest(found, find_in(wild_, candidate.kinds));
    for (const auto &[blocker, touches] : large_)
        if ((!found || blocker < *found) && sorted_intersect(touches->keys, candidate.keys))
            found = blocker;
    return found;
}

} // namespace pg_bulk
