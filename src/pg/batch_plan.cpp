// Reading a batch from the stored request, and writing its receipts.
#include "pg/batch_plan.hpp"

#include <algorithm>

#include "core/request.hpp"
#include "pg/ids.hpp"
#include "pg/pg_call.hpp"
#include "pg/spi.hpp"
#include "pg/sql_arrays.hpp"

namespace pg_bulk::pg {

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

std::vector<PlannedOperation> plan_operations(const JsonbReader &reader, const JsonNode &chunk, int32 chunk_first,
                                              int32 first, int32 count, std::string_view bulk_id)
{
    std::vector<PlannedOperation> operations;
    operations.reserve(count);
    for (int32 seq = first; seq < first + count; ++seq) {
        JsonNode operation = chunk.element(static_cast<size_t>(seq - chunk_first));
        OperationSummary summary = summarize_operation(operation);
        PlannedOperation planned;
        planned.seq = seq;
        planned.action = summary.action.value();
        planned.type = std::string(summary.type.value());
        planned.id = summary.id ? std::string(*summary.id) : generated_resource_id(bulk_id, static_cast<uint32_t>(seq));
        if (planned.action != Action::Delete) {
            JsonNode payload = *operation.find(payload_key(planned.action));
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

OperationError error_from_postgres(const PlannedOperation &operation, const ErrorData &error)
{
    std::string constraint = error.constraint_name ? error.constraint_name : "";
    const char *message = error.message ? error.message : "unknown error";
    if (error.sqlerrcode == ERRCODE_UNIQUE_VIOLATION && constraint.rfind("relationships_", 0) == 0 &&
        constraint != "relationships_pkey")
        return OperationError{ErrorType::CardinalityViolation, message};
    if (error.sqlerrcode == ERRCODE_UNIQUE_VIOLATION)
        return already_exists(operation);
    if (error.sqlerrcode == ERRCODE_FOREIGN_KEY_VIOLATION)
        return OperationError{ErrorType::NotFound, message};
    if (error.sqlerrcode == ERRCODE_INSUFFICIENT_PRIVILEGE)
        return OperationError{ErrorType::Forbidden, message};
    return OperationError{ErrorType::Internal, message, unpack_sql_state(error.sqlerrcode)};
}

void insert_receipts(std::string_view bulk_id, const std::vector<PlannedOperation> &operations)
{
    // One row per run of consecutive successes, one per failure (its error names the operation).
    ArrayBuilder seqs(INT4OID), last_seqs(INT4OID), statuses(TEXTOID), errors(JSONBOID);
    for (size_t i = 0; i < operations.size(); ++i) {
        const PlannedOperation &operation = operations[i];
        seqs.add_int4(operation.seq);
        if (operation.error) {
            last_seqs.add_int4(operation.seq);
            statuses.add_text("FAILURE");
            std::string text;
            append_error_json(text, *operation.error);
            errors.add_jsonb(pg_call([&] {
                return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(text.c_str())));
            }));
            continue;
        }
        while (i + 1 < operations.size() && !operations[i + 1].error)
            ++i;
        last_seqs.add_int4(operations[i].seq);
        statuses.add_text("SUCCESS");
        errors.add_null();
    }
    spi_execute_generic("INSERT INTO bulk.operation_results (bulk_id, seq, last_seq, status, error) "
                        "SELECT $1, pg_catalog.unnest($2::pg_catalog.int4[]), pg_catalog.unnest($3::pg_catalog.int4[]), "
                        "pg_catalog.unnest($4::pg_catalog.text[]), pg_catalog.unnest($5::pg_catalog.jsonb[])",
                        {text_arg(bulk_id), seqs.argument(), last_seqs.argument(), statuses.argument(),
                         errors.argument()});
}

OperationError already_exists(const PlannedOperation &operation)
{
    return OperationError{ErrorType::AlreadyExists, "record with id '" + operation.id + "' already exists"};
}

OperationError not_found(const PlannedOperation &operation)
{
    return OperationError{ErrorType::NotFound, "record with id '" + operation.id + "' not found"};
}

} // namespace pg_bulk::pg
