// The tasks a candidate must not overtake, indexed so that one candidate is checked against many of
// them at once (a claim scans up to a thousand queued tasks).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/task_touches.hpp"

namespace pg_bulk {

class ConflictIndex {
public:
    // A blocker with more keys than this is a large task: it keeps its sorted vector, searched from the
    // candidate's side, so that adding it costs nothing per key. Smaller ones share hash maps: a claim
    // adds every queued task, and a thousand small tasks checked pairwise cost a claim seconds.
    static constexpr size_t default_few_keys = 2048;

    explicit ConflictIndex(size_t few_keys = default_few_keys) : few_keys_(few_keys) {}
    // Adds a blocker, named by the caller's index. `touches` must outlive the index.
    void add(size_t blocker, const TaskTouches &touches);
    // A blocker that conflicts with `candidate` (the earliest added among those found cheaply), if any.
    std::optional<size_t> find(const TaskTouches &candidate) const;
    bool empty() const { return !first_; }

private:
    size_t few_keys_;
    std::unordered_map<uint64_t, size_t> keys_, kinds_, wild_;
    std::vector<std::pair<size_t, const TaskTouches *>> large_;
    std::optional<size_t> first_, everything_;
};

} // namespace pg_bulk
