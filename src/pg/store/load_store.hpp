// What bulk.loads holds about streamed loads (DESIGN §7, docs/api.md "Streamed loads"): the load
// recorded by bulk.load, the staging table it consumes, and its counts as the workers move on.
// SPI-connected callers running as the extension's owner.
#pragma once

#include <optional>
#include <string>

#include "core/task_status.hpp"
#include "pg/bridge/postgres.hpp"
#include "pg/bridge/spi.hpp"
#include "pg/store/staged_batch.hpp"

namespace pg_bulk::pg {

// The streamed load still consuming `source` (its task PENDING), if any.
std::optional<std::string> running_streamed_load(Oid source);

// Records a streamed load of `source` whose task is `bulk_id`, and links the task to it.
void record_streamed_load(const std::string &load_id, const std::string &bulk_id, Oid source,
                          const std::string &source_name, Target target, Oid submitter);

// A streamed load as a batch of its worker finds it.
struct StreamedLoad {
    std::string load_id;
    Oid source = InvalidOid;  // InvalidOid when the staging table was dropped (or renamed)
    std::string source_name;  // schema-qualified, quoted
    LoadReport counts;  // counts so far, empty lists
};

// The load whose task is `bulk_id` (nullopt: not a streamed load's task, or a database before 0.3).
std::optional<StreamedLoad> read_streamed_load(const std::string &bulk_id);

// A report's list of failures or warnings as a jsonb query parameter.
SpiArg reported_rows_arg(const std::vector<ReportedRow> &rows);

// Adds a batch to the load's counts: `report` holds the new totals and the batch's new list entries.
void add_streamed_batch(const std::string &load_id, const LoadReport &report, int64 submitted);

} // namespace pg_bulk::pg
