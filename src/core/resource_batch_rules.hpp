// The rules of a resource batch (DESIGN §3, §4): given the planned operations and what the probes
// found stored, each operation's outcome (409, 404, or success, decided in order as if applied one
// by one) and the rows that bring bulk.resources to the state the operations leave.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/planned_operation.hpp"
#include "core/record_patch.hpp"

namespace pg_bulk {

// A (type, id) as one string ("type\0id"), the key of the batch's maps.
std::string resource_key(std::string_view type, std::string_view id);
std::string resource_key(const PlannedOperation &operation);
// Stored records found by a statement: key -> the version it found.
using ResourceKeys = std::unordered_map<std::string, int32_t>;

// Whether every (type, id) of the batch is touched by one operation only, none carries ifVersion and
// none is a PATCH (which needs the stored record):
// the operations are then independent (apply_independent_*), else they need decide_resource_batch.
bool keys_are_distinct(const std::vector<PlannedOperation> &operations);

// Whether every (type, id) of the batch is touched by one operation only and none is a PATCH: the batch is
// then independent but for its conditional operations (ifVersion), which statements that check the stored
// version themselves can write (UPDATE / DELETE ... AND version = ifVersion), and decide_unmet_conditions
// decide when they write nothing.
bool keys_are_unique(const std::vector<PlannedOperation> &operations);

// Conditional UPSERTs and DELETEs that their statement did not write, given the versions stored now
// (`stored`): NOT_FOUND or PRECONDITION_FAILED. False when one of them finds its version after all (the
// record changed between the statement and this read): the batch must then be redone.
bool decide_unmet_conditions(const std::vector<PlannedOperation *> &unmet, const ResourceKeys &stored);

// Independent operations. DELETEs: those whose key the DELETE found (`deleted`) succeed, the others
// are 404. CREATEs: those whose key exists are 409; returns the others, which succeed and are inserted.
// (Conditional operations are never independent: they need the stored version first.)
void decide_deletes(const std::vector<PlannedOperation *> &deletes, const ResourceKeys &deleted);
std::vector<PlannedOperation *> decide_creates(const std::vector<PlannedOperation *> &creates,
                                               const ResourceKeys &existing);

// Operations whose keys repeat: probed first (the first operation of each key, in request order),
// then decided against the keys that exist.
std::vector<const PlannedOperation *> first_of_each_key(const std::vector<PlannedOperation> &operations);

// The net effect: the rows to delete (each named by an operation of its key), and the rows to
// update and to insert with the content and version of the operation that last wrote them. A key
// deleted and written again is deleted and inserted anew (at version 1, and up from there).
struct ResourceWrites {
    std::vector<const PlannedOperation *> deletes, updates, inserts;
};
// What the PATCHes of a batch merge into: the content of the stored records (key -> content), and
// the patcher that merges and checks.
struct PatchContext {
    const std::unordered_map<std::string, RecordContent> &stored;
    const RecordPatcher &patcher;
};
// Valid while `operations` is. `patches` is required when the batch holds a PATCH.
ResourceWrites decide_resource_batch(std::vector<PlannedOperation> &operations, const ResourceKeys &existing,
                                     const PatchContext *patches = nullptr);

} // namespace pg_bulk
