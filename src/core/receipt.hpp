// One operation's receipt as the answers show it (DESIGN §5): the one place its shape is decided, for
// the REJECTED answer of a submit (core/request) and for the receipts of a queued task that bulk.task,
// bulk.wait and bulk.cancel return (read from the stored runs by src/pg/store/receipt_walk).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/errors.hpp"
#include "core/json_builder.hpp"
#include "core/operation.hpp"
#include "core/task_status.hpp"

namespace pg_bulk {

struct Receipt {
    std::optional<Action> action;  // none: a rejected operation without a valid action
    std::optional<std::string_view> type;
    std::optional<std::string_view> id;  // a CREATE without id: the id it gets, once queued
    Status status = Status::Pending;
    std::optional<std::string_view> completed_at;  // of an operation its stored run ended
    int32_t version = 0;                           // written (DELETE: removed) by a success; 0: none known
    const OperationError *error = nullptr;         // a failure decided now (a rejected request's)
    std::optional<JsonNode> stored_error;          // a failure read back from its stored run
};

// {"action", "type", "id", "status", "completedAt", "version", "error"}, each present when known.
void write_receipt(JsonBuilder &out, const Receipt &receipt);

// {"code": 400, "type": "INVALID_VALUE", "message": "...", "details": [{"sqlstate": "23505"}]} (details
// only for an error that carries a SQLSTATE): the error object of receipts, stored runs and load reports.
void write_error(JsonBuilder &out, const OperationError &error);

} // namespace pg_bulk
