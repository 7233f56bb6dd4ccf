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
    // Adds a blocker, named by the caller's index. `touches` must outlive the index.
    void add(size_t blocker, const TaskTouches &touches);
    // A blocker that conflicts with `candidate` (the earliest added among those found cheaply), if any.
    std::optional<size_t> find(const TaskTouches &candidate) const;
    bool empty() const { return !first_; }

private:
    // Blockers with few keys share hash maps; a blocker with many (a large task) keeps its sorted
    // vector, searched from the candidate's side, so that adding it costs nothing per key.
    static constexpr size_t few_keys = 64;
    std::unordered_map<uint64_t, size_t> keys_, kinds_, wild_;
    std::vector<std::pair<size_t, const TaskTouches *>> large_;
    std::optional<size_t> first_, everything_;
};

} // namespace pg_bulk
