// A batch of a task's operations as the worker applies them: planned by the core
// (core/planned_operation.hpp), and recorded as receipts here.
#pragma once

#include <string_view>
#include <vector>

#include "core/planned_operation.hpp"
#include "core/receipt_runs.hpp"
#include "pg/bridge/postgres.hpp"

namespace pg_bulk::pg {

// The outcome of an operation whose apply raised a PostgreSQL error (one-by-one mode): core's
// error_from_postgres over the error's SQLSTATE, message and constraint.
OperationError error_from_postgres(const PlannedOperation &operation, const ErrorData &error);

// Inserts the receipts of the batch (as the worker).
void insert_receipts(std::string_view bulk_id, const std::vector<PlannedOperation> &operations);
// Inserts receipt rows (as the worker).
void insert_receipt_runs(std::string_view bulk_id, const std::vector<ReceiptRun> &runs);

} // namespace pg_bulk::pg
