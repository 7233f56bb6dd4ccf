// A batch of a task's operations as the worker applies them: read from the stored request,
// given an outcome each, and recorded as receipts.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.hpp"
#include "core/operation.hpp"
#include "pg/jsonb_view.hpp"

namespace pg_bulk::pg {

struct Endpoint {
    std::string type;
    std::string id;
};

// One operation of the batch, read from the stored request.
struct PlannedOperation {
    int32 seq = 0;
    Action action = Action::Create;
    std::string type;
    std::string id;  // the client's id, or the generated one for a CREATE without id
    std::optional<JsonNode> data, contained, meta;
    Endpoint from, to;  // relationship operations other than DELETE
    bool succeeded = false;
    std::optional<OperationError> error;
};

// Reads operations [first, first + count) of `chunk` (whose first operation is chunk_first).
std::vector<PlannedOperation> plan_operations(const JsonbReader &reader, const JsonNode &chunk, int32 chunk_first,
                                              int32 first, int32 count, std::string_view bulk_id);

// The outcome of an operation whose apply raised a PostgreSQL error (one-by-one mode).
OperationError error_from_postgres(const PlannedOperation &operation, const ErrorData &error);

// The operations in (type, id) byte order, the order of the primary keys (COLLATE "C"): independent
// operations written in this order touch neighbouring index pages one after the other, which is
// markedly faster than request order when ids are numbered ('p9' sorts after 'p10').
std::vector<PlannedOperation *> in_key_order(std::vector<PlannedOperation> &operations);

// Inserts the receipts of the batch (as the worker).
void insert_receipts(std::string_view bulk_id, const std::vector<PlannedOperation> &operations);

// "record with id 'x' already exists" and friends, shared by both kinds of batch.
OperationError already_exists(const PlannedOperation &operation);
OperationError not_found(const PlannedOperation &operation);

} // namespace pg_bulk::pg
