// A batch of staged rows sorted the way every load sorts them (DESIGN §7): each row's operation
// validated, the invalid ones reported and kept for bulk.load_rejects, repeated (type, id) pairs
// warned about. Shared by bulk.load (in the caller's transaction) and the workers consuming a
// streamed load (one batch per transaction). SPI-connected callers only.
#pragma once

#include <string>
#include <vector>

#include "core/json_view.hpp"
#include "core/load_report.hpp"
#include "core/operation.hpp"
#include "core/seen_ids.hpp"
#include "core/task_status.hpp"
#include "pg/bridge/postgres.hpp"
#include "pg/bridge/sql_arrays.hpp"

namespace pg_bulk::pg {

// Checks that the staging table is a plain table without children (consumed rows are deleted by ctid,
// which is unique only within one table) and has the columns of `target`; returns which optional ones
// exist. SQL errors 0A000, 42703, 42804 otherwise.
std::vector<bool> check_staging_shape(Oid source, const std::string &source_name, Target target);

// The rows of one batch, sorted: valid operations in staging order, rejects as arrays for one INSERT.
struct SortedRows {
    std::vector<JsonNode> valid;
    ArrayBuilder reject_rows{TEXTOID}, reject_operations{JSONBOID}, reject_errors{JSONBOID};
};

// Validates the `count` operations of `operations` (element i made of staged row i), numbering the
// rows after report.records.
void sort_staged_rows(const JsonNode &operations, uint64 count, const OperationValidator &validator, SeenIds &seen,
                      LoadReport &report, SortedRows &sorted);

// Writes the batch's rejects into bulk.load_rejects (as the caller: the extension's owner).
void insert_rejects(const std::string &load_id, const SortedRows &sorted);

} // namespace pg_bulk::pg
