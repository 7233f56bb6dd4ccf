#include "core/conflict_index.hpp"

#include <algorithm>

namespace pg_bulk {

void KeyBlockers::add(uint64_t key, size_t blocker)
{
    if (key == 0) {
        if (!zero_) {
            zero_ = blocker;
            ++size_;
        } else if (blocker < *zero_) {
            zero_ = blocker;
        }
        return;
    }
    if ((size_ + 1) * 2 > slots_.size())
        grow();
    size_t mask = slots_.size() - 1;
    for (size_t i = key & mask;; i = (i + 1) & mask) {
        Slot &slot = slots_[i];
        if (slot.key == key) {
            slot.blocker = std::min(slot.blocker, blocker);
            return;
        }
        if (slot.key == 0) {
            slot = Slot{key, blocker};
            ++size_;
            return;
        }
    }
}

std::optional<size_t> KeyBlockers::find(uint64_t key) const
{
    if (key == 0)
        return zero_;
    if (slots_.empty())
        return std::nullopt;
    size_t mask = slots_.size() - 1;
    for (size_t i = key & mask;; i = (i + 1) & mask) {
        const Slot &slot = slots_[i];
        if (slot.key == key)
            return slot.blocker;
        if (slot.key == 0)
            return std::nullopt;
    }
}

void KeyBlockers::grow()
{
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(std::max<size_t>(64, old.size() * 2), Slot{});
    size_ = zero_ ? 1 : 0;
    for (const Slot &slot : old)
        if (slot.key != 0)
            add(slot.key, slot.blocker);
}

namespace {

void add_values(KeyBlockers &map, const std::vector<uint64_t> &values, size_t blocker)
{
    for (uint64_t value : values)
        map.add(value, blocker);
}

// A blocker in `map` holding one of `values`: looks the values up, or, when the map is the smaller
// side, searches its entries in the sorted values.
std::optional<size_t> find_in(const KeyBlockers &map, const std::vector<uint64_t> &values)
{
    if (map.empty() || values.empty())
        return std::nullopt;
    std::optional<size_t> found;
    if (values.size() <= map.size()) {
        for (uint64_t value : values) {
            std::optional<size_t> hit = map.find(value);
            if (hit && (!found || *hit < *found))
                found = hit;
        }
    } else {
        map.for_each([&](uint64_t value, size_t blocker) {
            if ((!found || blocker < *found) && sorted_contains(values, value))
                found = blocker;
        });
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
