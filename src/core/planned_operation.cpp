// Planning a batch from the stored request.
#include "core/planned_operation.hpp"

#include <algorithm>

#include "core/ksuid.hpp"
#include "core/versions.hpp"

namespace pg_bulk {

namespace {

std::optional<JsonNode> object_member(const JsonNode &payload, std::string_view key)
{
    auto value = payload.find(key);
    if (!value || value->is(JsonKind::Null))
        return std::nullopt;
    return value;
}

Endpoint endpoint_of(const JsonNode &payload, std::string_view side)
{
    auto endpoint = payload.find(side);
    return Endpoint{std::string(endpoint->find("type")->string()), std::string(endpoint->find("id")->string())};
}

} // namespace

std::vector<PlannedOperation> plan_operations(const JsonNode &chunk, int32_t chunk_first, int32_t first,
                                              int32_t count, std::string_view bulk_id)
{
    std::vector<PlannedOperation> operations;
    operations.reserve(count);
    for (int32_t seq = first; seq < first + count; ++seq) {
        JsonNode operation = chunk.element(static_cast<size_t>(seq - chunk_first));
        OperationSummary summary = summarize_operation(operation);
        PlannedOperation planned;
        planned.seq = seq;
        planned.action = summary.action.value();
        planned.type = std::string(summary.type.value());
        if (summary.id)
            planned.id = std::string(*summary.id);
        else if (auto generated = generated_resource_id(bulk_id, static_cast<uint32_t>(seq)))
            planned.id = std::move(*generated);
        else
            throw invalid_bulk_id(bulk_id);
        JsonNode payload = *operation.find(payload_key(planned.action));
        planned.if_version = read_if_version(payload);
        if (planned.action == Action::Patch) {
            // A patch's null members are kept: they remove what they name.
            planned.data = payload.find("data");
            planned.contained = payload.find("contained");
            planned.meta = payload.find("meta");
        } else if (planned.action != Action::Delete) {
            planned.data = object_member(payload, "data");
            planned.contained = object_member(payload, "contained");
            planned.meta = object_member(payload, "meta");
            if (payload.find("from")) {
                planned.from = endpoint_of(payload, "from");
                planned.to = endpoint_of(payload, "to");
            }
        }
        operations.push_back(std::move(planned));
    }
    return operations;
}

const PlannedOperation *first_failure(const std::vector<PlannedOperation> &operations)
{
    for (const PlannedOperation &operation : operations)
        if (operation.error)
            return &operation;
    return nullptr;
}

bool holds_patch(const std::vector<PlannedOperation> &operations)
{
    for (const PlannedOperation &operation : operations)
        if (operation.action == Action::Patch)
            return true;
    return false;
}

std::vector<PlannedOperation *> in_key_order(std::vector<PlannedOperation> &operations)
{
    std::vector<PlannedOperation *> ordered;
    ordered.reserve(operations.size());
    for (PlannedOperation &operation : operations)
        ordered.push_back(&operation);
    // std::string compares as unsigned bytes, like memcmp and the "C" collation.
    std::sort(ordered.begin(), ordered.end(), [](const PlannedOperation *a, const PlannedOperation *b) {
        return a->type != b->type ? a->type < b->type : a->id < b->id;
    });
    return ordered;
}

OperationError already_exists(const PlannedOperation &operation)
{
    return OperationError{ErrorType::AlreadyExists, "record with id '" + operation.id + "' already exists"};
}

OperationError not_found(const PlannedOperation &operation)
{
    return OperationError{ErrorType::NotFound, "record with id '" + operation.id + "' not found"};
}

} // namespace pg_bulk
