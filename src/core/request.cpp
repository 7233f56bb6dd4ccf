// Request-level checks and the documents that answer a submit.
#include "core/request.hpp"

#include "core/json_text.hpp"
#include "core/receipt.hpp"

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

void write_rejected(JsonBuilder &out, const JsonNode &operations, const std::vector<RejectedOperation> &rejected)
{
    out.begin_object();
    out.member("status", "REJECTED");
    out.key("receipts");
    out.begin_array();
    auto next = rejected.begin();
    for (size_t i = 0; i < operations.size(); ++i) {
        // What the operation was, as far as it can be told, and no more of its text than a name needs.
        OperationSummary summary = summarize_operation(operations.element(i));
        Receipt receipt;
        receipt.action = summary.action;
        if (summary.type)
            receipt.type = utf8_prefix(*summary.type, 200);
        if (summary.id)
            receipt.id = utf8_prefix(*summary.id, 200);
        receipt.status = Status::Cancelled;
        if (next != rejected.end() && next->index == i) {
            receipt.status = Status::Failure;
            receipt.error = &next->error;
            ++next;
        }
        write_receipt(out, receipt);
    }
    out.end_array();
    out.end_object();
}

void write_accepted(JsonBuilder &out, std::string_view bulk_id, bool replayed)
{
    out.begin_object();
    out.member("status", "ACCEPTED");
    out.member("bulkId", bulk_id);
    if (replayed) {
        out.key("replayed");
        out.boolean(true);
    }
    out.end_object();
}

void write_valid(JsonBuilder &out)
{
    out.begin_object();
    out.member("status", "VALID");
    out.end_object();
}

} // namespace pg_bulk
