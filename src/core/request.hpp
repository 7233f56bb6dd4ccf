// A whole bulk request (DESIGN §3): its outer shape and limits, validating every operation,
// and the ACCEPTED / REJECTED / VALID answers.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.hpp"
#include "core/json_builder.hpp"
#include "core/json_view.hpp"
#include "core/operation.hpp"

namespace pg_bulk {

// The `operations` array of a request: an object whose members are a non-empty array of at most
// max_operations operations and, optionally, "atomic" (a boolean). Anything else throws RequestError.
JsonNode request_operations(const JsonNode &request, size_t max_operations);

// Whether a request that passed request_operations is atomic (DESIGN §11: all of it or nothing); an
// atomic one of more than max_atomic_operations operations throws RequestError (LimitExceeded).
bool request_is_atomic(const JsonNode &request, size_t max_atomic_operations);

struct RejectedOperation {
    size_t index;
    OperationError error;
};

// Every invalid operation, in order. `every_1024` runs between operations, so the server can
// honour query cancels and statement timeouts during long validations.
std::vector<RejectedOperation> validate_operations(const JsonNode &operations,
                                                   const OperationValidator &validator,
                                                   const std::function<void()> &every_1024);

// {"status": "REJECTED", "receipts": [...]}: FAILURE with its error for each rejected operation,
// CANCELLED for the others (core/receipt). `rejected` is in index order.
void write_rejected(JsonBuilder &out, const JsonNode &operations, const std::vector<RejectedOperation> &rejected);
// {"status": "ACCEPTED", "bulkId": ...}, with "replayed": true when an earlier submit with the same
// idempotency key queued the task and this one queued nothing.
void write_accepted(JsonBuilder &out, std::string_view bulk_id, bool replayed = false);
// {"status": "VALID"}
void write_valid(JsonBuilder &out);

} // namespace pg_bulk
