// What a task touches (DESIGN §1, §6), summarized once at submit so that the workers can tell which
// tasks must wait for which without reading their operations (docs/design.md, "The worker pool").
//
// A summary is exact where the request names what an operation touches, and conservative where it
// cannot: a relationship UPSERT, PATCH or DELETE also affects the endpoints the stored relationship has
// when it is applied (an UPSERT may move it, a DELETE frees its place under a 1:1 or 1:N cardinality),
// and a resource DELETE cascades to the relationships of the resource, whatever they are by then — which
// may decide any relationship operation (a CREATE's cardinality at its other endpoint). Neither is known
// at submit, so such operations carry a wildcard over the operations that could meet them.
// Keys are 64-bit hashes: two different keys with one hash only cost parallelism (a false conflict);
// the same key always has the same hash, so no conflict is ever missed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_view.hpp"
#include "core/operation.hpp"
#include "core/task_status.hpp"

namespace pg_bulk {

struct TaskTouches {
    std::vector<uint64_t> keys;   // resources and relationships the operations name; sorted, unique
    std::vector<uint64_t> kinds;  // kinds of effect the task has (see task_touches.cpp); sorted, unique
    std::vector<uint64_t> wild;   // kinds of effect the task meets in any other task; sorted, unique
    bool everything = false;      // unknown (queued before summaries existed): meets every task

    size_t size() const { return keys.size() + kinds.size(); }
};

// Builds the summary of one task, operation by operation.
class TouchCollector {
public:
    void add_resource_operation(Action action, std::string_view type, std::string_view id);
    // `from` and `to` are the endpoints the operation gives (absent for a DELETE or PATCH).
    void add_relationship_operation(Action action, std::string_view type, std::string_view id,
                                    std::optional<std::pair<std::string_view, std::string_view>> from,
                                    std::optional<std::pair<std::string_view, std::string_view>> to);
    TaskTouches finish();

private:
    TaskTouches touches_;
};

// Adds operation `index` of a validated request of `target` queued as task `bulk_id` (a CREATE without
// id touches the id it will be given). Throws std::invalid_argument for an invalid bulk id.
void add_operation(TouchCollector &collector, Target target, const JsonNode &operation, std::string_view bulk_id,
                   uint32_t index);

// Whether applying the two tasks in either order could differ: they share a key, or one has a
// wildcard over a kind of effect the other has.
bool conflicts(const TaskTouches &a, const TaskTouches &b);

// The summary as stored (bulk.tasks.touches): three little-endian uint32 counts, then the hashes.
std::string encode_touches(const TaskTouches &touches);
// Throws std::invalid_argument for bytes that are not a summary.
TaskTouches decode_touches(std::string_view bytes);

// Whether a sorted vector holds a value.
bool sorted_contains(const std::vector<uint64_t> &sorted, uint64_t value);
// Whether two sorted vectors share a value (one merge pass, or binary searches from the much smaller).
bool sorted_intersect(const std::vector<uint64_t> &a, const std::vector<uint64_t> &b);

} // namespace pg_bulk
