// The tasks a candidate must not overtake, indexed so that one candidate is checked against many of
// them at once (a claim scans up to a thousand queued tasks).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "core/task_touches.hpp"

namespace pg_bulk {

// A hash map from 64-bit key hashes to the earliest blocker holding them: open addressing, linear
// probing, no allocation per key (a claim adds up to millions of keys; std::unordered_map allocated a
// node for each). The keys are already well-mixed hashes, so their low bits index the table.
class KeyBlockers {
public:
    // Records `blocker` for `key` unless an earlier blocker holds it.
    void add(uint64_t key, size_t blocker);
    std::optional<size_t> find(uint64_t key) const;
    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    // Calls f(key, blocker) for every entry.
    template <typename F> void for_each(F f) const
    {
        if (zero_)
            f(0, *zero_);
        for (const Slot &slot : slots_)
            if (slot.key != 0)
                f(slot.key, slot.blocker);
    }

private:
    struct Slot {
        uint64_t key = 0;  // 0: empty (the key 0 itself is kept in zero_)
        size_t blocker = 0;
    };
    void grow();
    std::vector<Slot> slots_;
    size_t size_ = 0;
    std::optional<size_t> zero_;
};

class ConflictIndex {
public:
    // A blocker with more keys than this is a huge task: it keeps its sorted vector, searched from the
    // candidate's side, so that adding it costs nothing per key (the 1,000,000-operation task another
    // worker runs is added at every claim). Smaller ones share one hash map: a claim adds every queued
    // task, and a thousand tasks checked pairwise cost a claim seconds.
    static constexpr size_t default_few_keys = 65536;

    explicit ConflictIndex(size_t few_keys = default_few_keys) : few_keys_(few_keys) {}
    // Adds a blocker, named by the caller's index. `touches` must outlive the index.
    void add(size_t blocker, const TaskTouches &touches);
    // A blocker that conflicts with `candidate` (the earliest among those found cheaply), if any.
    std::optional<size_t> find(const TaskTouches &candidate) const;
    bool empty() const { return !first_; }

private:
    size_t few_keys_;
    KeyBlockers keys_, kinds_, wild_;
    std::vector<std::pair<size_t, const TaskTouches *>> large_;
    std::optional<size_t> first_, everything_;
};

} // namespace pg_bulk
