// What a load reports of the staged rows it read (DESIGN §7): counts, and the first 1000 failures and
// warnings, each naming its row by content — {"row": <position in the order the load read the staging
// table, from 1>, "action", "type", "id"} (null when the row has none as text) — not by its address:
// the load deletes the row.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/json_builder.hpp"
#include "core/operation.hpp"

namespace pg_bulk {

// Failures and warnings listed (all are counted).
constexpr int64_t max_reported_rows = 1000;

struct ReportedRow {
    int64_t row;
    std::optional<Action> action;
    std::optional<std::string> type, id;
    std::optional<OperationError> error;  // a failure's
    std::string message;                  // a warning's
};

// A streamed load's batch starts from the counts stored so far and lists only its own new entries.
struct LoadReport {
    int64_t records = 0, failure_count = 0, warning_count = 0;
    std::vector<ReportedRow> failures, warnings;  // entries added since the report started

    void add_failure(int64_t row, const OperationSummary &operation, OperationError error);
    void add_warning(int64_t row, const OperationSummary &operation, std::string message);
};

// [{"row": 7, "action": "CREATE", "type": "provider", "id": "p1", "error": {...}}, ...], "message" in
// place of "error" for a warning.
void write_reported_rows(JsonBuilder &out, const std::vector<ReportedRow> &rows);

} // namespace pg_bulk
