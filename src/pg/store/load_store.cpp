// SQL reads and writes of bulk.loads for streamed loads.
#include "pg/store/load_store.hpp"

#include "pg/bridge/jsonb_builder.hpp"
#include "pg/bridge/spi.hpp"

namespace pg_bulk::pg {

std::optional<std::string> running_streamed_load(Oid source)
{
    SpiResult rows = spi_execute("SELECT l.load_id FROM bulk.loads l JOIN bulk.tasks t "
                                 "ON t.load_id OPERATOR(pg_catalog.=) l.load_id "
                                 "WHERE pg_catalog.to_regclass(l.source_table)::pg_catalog.oid OPERATOR(pg_catalog.=) $1 "
                                 "AND t.status OPERATOR(pg_catalog.=) 'PENDING'",
                                 {oid_arg(source)});
    if (rows.count() == 0)
        return std::nullopt;
    return rows.text(0, 1);
}

void record_streamed_load(const std::string &load_id, const std::string &bulk_id, Oid source,
                          const std::string &source_name, Target target, Oid submitter)
{
    // The table by its schema-qualified name, which a dump restores whatever the order of its tables (a
    // regclass could not be read back before the table exists, as in a data-only restore).
    spi_execute("INSERT INTO bulk.loads (load_id, source, target, submitted_by, mode, source_table, bulk_ids) "
                "SELECT $1, $2, $3, $4, 'stream', pg_catalog.format('%I.%I', n.nspname, c.relname), ARRAY[$6] "
                "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace "
                "WHERE c.oid OPERATOR(pg_catalog.=) $5",
                {text_arg(load_id), text_arg(source_name), text_arg(target_name(target)), oid_arg(submitter),
                 oid_arg(source), text_arg(bulk_id)});
    spi_execute("UPDATE bulk.tasks SET load_id = $2 WHERE bulk_id = $1", {text_arg(bulk_id), text_arg(load_id)});
}

std::optional<StreamedLoad> read_streamed_load(const std::string &bulk_id)
{
    SpiResult rows = spi_execute_prepared(
        "SELECT l.load_id, coalesce(pg_catalog.to_regclass(l.source_table)::pg_catalog.oid, 0), l.source_table, "
        "l.records, l.failure_count, l.warning_count "
        "FROM bulk.tasks t JOIN bulk.loads l ON l.load_id OPERATOR(pg_catalog.=) t.load_id WHERE t.bulk_id = $1",
        {text_arg(bulk_id)});
    if (rows.count() == 0)
        return std::nullopt;
    StreamedLoad load;
    load.load_id = rows.text(0, 1);
    load.source = rows.oid(0, 2);
    load.source_name = rows.text(0, 3);
    load.counts.records = rows.int8(0, 4);
    load.counts.failure_count = rows.int8(0, 5);
    load.counts.warning_count = rows.int8(0, 6);
    return load;
}

SpiArg reported_rows_arg(const std::vector<ReportedRow> &rows)
{
    return jsonb_arg(jsonb_of([&](JsonBuilder &out) { write_reported_rows(out, rows); }));
}

void add_streamed_batch(const std::string &load_id, const LoadReport &report, int64 submitted)
{
    // The lists are rewritten only when the batch adds to them (they hold the first 1000 entries).
    if (report.failures.empty() && report.warnings.empty()) {
        spi_execute_prepared("UPDATE bulk.loads SET records = $2, submitted = submitted OPERATOR(pg_catalog.+) $3, "
                             "failure_count = $4, warning_count = $5 WHERE load_id = $1",
                             {text_arg(load_id), int8_arg(report.records), int8_arg(submitted),
                              int8_arg(report.failure_count), int8_arg(report.warning_count)});
        return;
    }
    spi_execute_prepared("UPDATE bulk.loads SET records = $2, submitted = submitted OPERATOR(pg_catalog.+) $3, "
                         "failure_count = $4, warning_count = $5, "
                         "failures = failures OPERATOR(pg_catalog.||) $6::pg_catalog.jsonb, "
                         "warnings = warnings OPERATOR(pg_catalog.||) $7::pg_catalog.jsonb WHERE load_id = $1",
                         {text_arg(load_id), int8_arg(report.records), int8_arg(submitted), int8_arg(report.failure_count),
                          int8_arg(report.warning_count), reported_rows_arg(report.failures),
                          reported_rows_arg(report.warnings)});
}

} // namespace pg_bulk::pg
