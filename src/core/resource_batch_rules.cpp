// The ordered 409 / 404 / UPSERT semantics of a resource batch.
#include "core/resource_batch_rules.hpp"

#include <stdexcept>
#include <unordered_set>

#include "core/versions.hpp"

namespace pg_bulk {

namespace {

// What the batch does to one (type, id): known state before, and the state operations leave.
struct KeyState {
    bool existed = false;    // before the batch
    bool exists = false;     // after the operations so far
    bool recreated = false;  // deleted, then written again within the batch
    int32_t version = 0;     // while it exists
    const PlannedOperation *first = nullptr;        // the first operation of the key: names the row
    const PlannedOperation *last_writer = nullptr;  // the CREATE/UPSERT whose content the row ends with
};

using KeyStates = std::unordered_map<std::string, KeyState>;

// A PATCH of the record `state` holds: merged into what its last writer in the batch wrote, or into the
// stored record.
bool patch(PlannedOperation &operation, const KeyState &state, const PatchContext *patches)
{
    if (!patches)
        throw std::logic_error("a batch with a PATCH decided without the stored records");
    if (state.last_writer)
        return patches->patcher.patch_resource(operation, content_of(*state.last_writer));
    return patches->patcher.patch_resource(operation, patches->stored.at(resource_key(operation)));
}

// Works out each operation's outcome in order, as if applied one by one.
void decide_in_order(std::vector<PlannedOperation> &operations, KeyStates &keys, const PatchContext *patches)
{
    for (PlannedOperation &operation : operations) {
        KeyState &state = keys[resource_key(operation)];
        std::optional<int32_t> stored = state.exists ? std::optional<int32_t>(state.version) : std::nullopt;
        if ((operation.error = failed_precondition(operation, stored)))
            continue;
        switch (operation.action) {
        case Action::Create:
            if (state.exists) {
                operation.error = already_exists(operation);
                continue;
            }
            break;
        case Action::Upsert:
            break;
        case Action::Patch:
            if (!state.exists) {
                operation.error = not_found(operation);
                continue;
            }
            if (!patch(operation, state, patches))
                continue;
            break;
        case Action::Delete:
            if (!state.exists) {
                operation.error = not_found(operation);
                continue;
            }
            operation.version = state.version;
            state.exists = false;
            state.last_writer = nullptr;
            continue;
        }
        if (!state.exists && state.existed)
            state.recreated = true;
        operation.version = state.version = next_version(stored);
        state.exists = true;
        state.last_writer = &operation;
    }
}

// One DELETE, one UPDATE and one INSERT bring the table to the state the operations leave.
ResourceWrites net_effect(const KeyStates &keys)
{
    ResourceWrites writes;
    for (const auto &entry : keys) {
        const KeyState &state = entry.second;
        if (state.existed && (!state.exists || state.recreated))
            writes.deletes.push_back(state.first);
        if (!state.last_writer)
            continue;
        if (state.existed && !state.recreated)
            writes.updates.push_back(state.last_writer);
        else
            writes.inserts.push_back(state.last_writer);
    }
    return writes;
}

} // namespace

std::string resource_key(std::string_view type, std::string_view id)
{
    std::string key(type);
    key.push_back('\0');
    key += id;
    return key;
}

std::string resource_key(const PlannedOperation &operation)
{
    return resource_key(operation.type, operation.id);
}

bool keys_are_distinct(const std::vector<PlannedOperation> &operations)
{
    std::unordered_set<std::string> seen;
    seen.reserve(operations.size());
    for (const PlannedOperation &operation : operations)
        if (operation.if_version || operation.action == Action::Patch || !seen.insert(resource_key(operation)).second)
            return false;
    return true;
}

bool keys_are_unique(const std::vector<PlannedOperation> &operations)
{
    std::unordered_set<std::string> seen;
    seen.reserve(operations.size());
    for (const PlannedOperation &operation : operations)
        if (operation.action == Action::Patch || !seen.insert(resource_key(operation)).second)
            return false;
    return true;
}

bool decide_unmet_conditions(const std::vector<PlannedOperation *> &unmet, const ResourceKeys &stored)
{
    for (PlannedOperation *operation : unmet) {
        auto found = stored.find(resource_key(*operation));
        operation->error =
            failed_precondition(*operation, found == stored.end() ? std::nullopt : std::optional<int32_t>(found->second));
        if (!operation->error)
            return false;
    }
    return true;
}

void decide_deletes(const std::vector<PlannedOperation *> &deletes, const ResourceKeys &deleted)
{
    for (PlannedOperation *operation : deletes) {
        auto found = deleted.find(resource_key(*operation));
        if (found == deleted.end())
            operation->error = not_found(*operation);
        else
            operation->version = found->second;
    }
}

std::vector<PlannedOperation *> decide_creates(const std::vector<PlannedOperation *> &creates,
                                               const ResourceKeys &existing)
{
    std::vector<PlannedOperation *> fresh;
    for (PlannedOperation *operation : creates) {
        if (existing.count(resource_key(*operation))) {
            operation->error = already_exists(*operation);
        } else {
            operation->version = first_version;
            fresh.push_back(operation);
        }
    }
    return fresh;
}

std::vector<const PlannedOperation *> first_of_each_key(const std::vector<PlannedOperation> &operations)
{
    std::unordered_set<std::string> seen;
    seen.reserve(operations.size());
    std::vector<const PlannedOperation *> firsts;
    for (const PlannedOperation &operation : operations)
        if (seen.insert(resource_key(operation)).second)
            firsts.push_back(&operation);
    return firsts;
}

ResourceWrites decide_resource_batch(std::vector<PlannedOperation> &operations, const ResourceKeys &existing,
                                     const PatchContext *patches)
{
    KeyStates keys;
    keys.reserve(operations.size());
    for (const PlannedOperation &operation : operations) {
        auto [it, inserted] = keys.emplace(resource_key(operation), KeyState{});
        if (!inserted)
            continue;
        it->second.first = &operation;
        auto stored = existing.find(it->first);
        it->second.existed = it->second.exists = stored != existing.end();
        if (stored != existing.end())
            it->second.version = stored->second;
    }
    decide_in_order(operations, keys, patches);
    return net_effect(keys);
}

} // namespace pg_bulk
