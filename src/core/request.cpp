// Request-level checks and the documents that answer a submit.
#include "core/request.hpp"

#include "core/json_text.hpp"

namespace pg_bulk {

JsonNode request_operations(const JsonNode &request, size_t max_operations)
{
    using Kind = RequestError::Kind;
    if (!request.is(JsonKind::Object))
        throw RequestError(Kind::InvalidParameter,
                           std::string("bulk request must be a JSON object, got ") + json_kind_name(request.kind()));
    for (size_t i = 0; i < request.size(); ++i) {
        std::string_view key = request.key(i);
        if (key == "atomic" && !request.value(i).is(JsonKind::Boolean))
            throw RequestError(Kind::InvalidParameter, std::string("bulk request \"atomic\" must be a boolean, got ") +
                                                           json_kind_name(request.value(i).kind()));
        if (key != "operations" && key != "atomic")
            throw RequestError(Kind::InvalidParameter, "bulk request has an unexpected key " + quote_excerpt(key) +
                                                           " (only \"operations\" and \"atomic\" are allowed)");
    }
    auto operations = request.find("operations");
    if (!operations)
        throw RequestError(Kind::InvalidParameter, "bulk request must have an \"operations\" array");
    if (!operations->is(JsonKind::Array))
        throw RequestError(Kind::InvalidParameter, std::string("bulk request \"operations\" must be an array, got ") +
                                                       json_kind_name(operations->kind()));
    if (operations->size() == 0)
        throw RequestError(Kind::InvalidParameter, "bulk request \"operations\" must not be empty");
    if (operations->size() > max_operations)
        throw RequestError(Kind::LimitExceeded, "bulk request has " + std::to_string(operations->size()) +
                                                    " operations, more than pg_bulk.max_operations (" +
                                                    std::to_string(max_operations) + ")");
    return *operations;
}

bool request_is_atomic(const JsonNode &request, size_t max_atomic_operations)
{
    auto atomic = request.find("atomic");
    if (!atomic || !atomic->boolean())
        return false;
    size_t count = request.find("operations")->size();
    if (count > max_atomic_operations)
        throw RequestError(RequestError::Kind::LimitExceeded,
                           "atomic bulk request has " + std::to_string(count) +
                               " operations, more than pg_bulk.max_atomic_operations (" +
                               std::to_string(max_atomic_operations) + ")");
    return true;
}

std::vector<RejectedOperation> validate_operations(const JsonNode &operations,
                                                   const OperationValidator &validator,
                                                   const std::function<void()> &every_1024)
{
    std::vector<RejectedOperation> rejected;
    size_t count = operations.size();
    for (size_t i = 0; i < count; ++i) {
        if ((i & 1023) == 1023)
            every_1024();
        if (auto error = validator.validate(i, operations.element(i)))
            rejected.push_back(RejectedOperation{i, std::move(*error)});
    }
    return rejected;
}

void append_error_json(std::string &out, const OperationError &error)
{
    out += "{\"code\": " + std::to_string(error_type_code(error.type)) + ", \"type\": \"";
    out += error_type_name(error.type);
    out += "\", \"message\": ";
    append_json_string(out, error.message);
    if (!error.sqlstate.empty()) {
        out += ", \"details\": [{\"sqlstate\": ";
        append_json_string(out, error.sqlstate);
        out += "}]";
    }
    out += '}';
}

// One receipt of a rejected request: what the operation was, and its status.
static void append_rejected_receipt(std::string &out, const JsonNode &operation, const OperationError *error)
{
    OperationSummary summary = summarize_operation(operation);
    out += '{';
    if (summary.action) {
        out += "\"action\": \"";
        out += action_name(*summary.action);
        out += "\", ";
    }
    if (summary.type) {
        out += "\"type\": ";
        append_json_string(out, utf8_prefix(*summary.type, 200));
        out += ", ";
    }
    if (summary.id) {
        out += "\"id\": ";
        append_json_string(out, utf8_prefix(*summary.id, 200));
        out += ", ";
    }
    if (error) {
        out += "\"status\": \"FAILURE\", \"error\": ";
        append_error_json(out, *error);
    } else {
        out += "\"status\": \"CANCELLED\"";
    }
    out += '}';
}

std::string rejected_document(const JsonNode &operations, const std::vector<RejectedOperation> &rejected)
{
    std::string out = "{\"status\": \"REJECTED\", \"receipts\": [";
    auto next = rejected.begin();
    for (size_t i = 0; i < operations.size(); ++i) {
        if (i)
            out += ", ";
        const OperationError *error = nullptr;
        if (next != rejected.end() && next->index == i) {
            error = &next->error;
            ++next;
        }
        append_rejected_receipt(out, operations.element(i), error);
    }
    return out + "]}";
}

std::string accepted_document(std::string_view bulk_id, bool replayed)
{
    std::string out = "{\"status\": \"ACCEPTED\", \"bulkId\": ";
    append_json_string(out, bulk_id);
    return out + (replayed ? ", \"replayed\": true}" : "}");
}

std::string valid_document()
{
    return "{\"status\": \"VALID\"}";
}

} // namespace pg_bulk
