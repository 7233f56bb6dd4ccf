// Applying a batch of resource operations with a few set-based statements: one index probe for
// every key of the batch, the outcome of each operation worked out in order in memory (so
// 409/404 need no error and no subtransaction), then one DELETE, UPDATE, INSERT and receipts
// INSERT for the net effect.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.hpp"
#include "core/operation.hpp"
#include "pg/jsonb_view.hpp"

namespace pg_bulk::pg {

// One operation of the batch, read from the stored request.
struct PlannedOperation {
    int32 seq = 0;
    Action action = Action::Create;
    std::string type;
    std::string id;  // the client's id, or the generated one for a CREATE without id
    std::optional<JsonNode> data, contained, meta;
    bool succeeded = false;
    std::optional<OperationError> error;
};

// Reads operations [first, first + count) of `chunk` (whose first operation is chunk_first).
std::vector<PlannedOperation> plan_operations(const JsonbReader &reader, const JsonNode &chunk, int32 chunk_first,
                                              int32 first, int32 count, std::string_view bulk_id);

// Applies the operations' effects (as the current user) and fills in each one's outcome.
// Must run SPI-connected inside a transaction; errors (e.g. a unique violation from a concurrent
// writer) propagate as PgError and the caller falls back to one operation per subtransaction.
void apply_resource_batch(std::vector<PlannedOperation> &operations);

// The outcome of an operation whose apply raised a PostgreSQL error (one-by-one mode).
OperationError error_from_sqlstate(const PlannedOperation &operation, int sqlstate, const char *message);

// Inserts the receipts of the batch (as the worker).
void insert_receipts(std::string_view bulk_id, const std::vector<PlannedOperation> &operations);

} // namespace pg_bulk::pg
