// The (type, id) pairs a load has staged so far, as a small open-addressing set of 64-bit hashes:
// duplicate-id warnings for a million staged rows in 16 MB. (A hash collision would only cost a
// spurious warning.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace pg_bulk {

class SeenIds {
public:
    // False when (type, id) was staged before.
    bool insert(std::string_view type, std::string_view id)
    {
        uint64_t hash = (std::hash<std::string_view>{}(type) * 1000003u) ^ std::hash<std::string_view>{}(id);
        hash |= 1;  // 0 marks an empty slot
        if ((count_ + 1) * 2 > slots_.size())
            grow();
        if (!place(slots_, hash))
            return false;
        ++count_;
        return true;
    }

private:
    static bool place(std::vector<uint64_t> &slots, uint64_t hash)
    {
        size_t mask = slots.size() - 1;
        for (size_t i = hash & mask;; i = (i + 1) & mask) {
            if (slots[i] == hash)
                return false;
            if (slots[i] == 0) {
                slots[i] = hash;
                return true;
            }
        }
    }
    void grow()
    {
        std::vector<uint64_t> larger(slots_.empty() ? 1024 : slots_.size() * 2, 0);
        for (uint64_t hash : slots_)
            if (hash)
                place(larger, hash);
        slots_.swap(larger);
    }
    std::vector<uint64_t> slots_;
    size_t count_ = 0;
};

} // namespace pg_bulk
