// Staged rows checked and sorted into operations to apply and rejects (docs/api.md, "Bulk loads from
// staging tables").
#include "pg/store/staged_batch.hpp"

#include "core/receipt.hpp"
#include "pg/bridge/jsonb_builder.hpp"
#include "pg/bridge/pg_call.hpp"
#include "pg/bridge/spi.hpp"
#include "pg/store/staged_rows.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "utils/builtins.h"
}

namespace pg_bulk::pg {


std::vector<bool> check_staging_shape(Oid source, const std::string &source_name, Target target)
{
    SpiResult relation = spi_execute("SELECT c.relkind::pg_catalog.text, c.relhassubclass FROM pg_catalog.pg_class c "
                                     "WHERE c.oid OPERATOR(pg_catalog.=) $1",
                                     {oid_arg(source)});
    if (relation.count() == 0 || relation.text(0, 1) != "r" || relation.text(0, 2) == "t")
        throw SqlError(ERRCODE_FEATURE_NOT_SUPPORTED,
                       "bulk.load reads plain tables without partitions or child tables; " + source_name +
                           " is not one",
                       "Load each partition (or child table) by itself.");
    std::vector<bool> present;
    for (const StagingColumn &column : staging_columns(target)) {
        SpiResult rows = spi_execute(
            "SELECT a.atttypid::pg_catalog.regtype::pg_catalog.text, a.atttypid FROM pg_catalog.pg_attribute a "
            "WHERE a.attrelid OPERATOR(pg_catalog.=) $1 AND a.attname OPERATOR(pg_catalog.=) $2 "
            "AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped",
            {oid_arg(source), text_arg(column.name)});
        if (rows.count() == 0) {
            if (column.required)
                throw SqlError(ERRCODE_UNDEFINED_COLUMN, "staging table " + source_name + " has no column \"" +
                                                             column.name + "\"",
                               "bulk.load into " + std::string(target_name(target)) + " reads columns " +
                                   (target == Target::Resources ? "action, type, id, data (and contained, meta)"
                                                                : "action, type, id, from_type, from_id, to_type, "
                                                                  "to_id (and data, meta)"));
            present.push_back(false);
            continue;
        }
        Oid type = rows.oid(0, 2);
        bool fits = column.kind == ColumnKind::Text ? (type == TEXTOID || type == VARCHAROID)
                                                    : (type == JSONBOID || type == JSONOID);
        if (!fits)
            throw SqlError(ERRCODE_DATATYPE_MISMATCH,
                           "column \"" + std::string(column.name) + "\" of staging table " + source_name + " is " +
                               rows.text(0, 1) + ", expected " +
                               (column.kind == ColumnKind::Text ? "text" : "jsonb"));
        present.push_back(true);
    }
    return present;
}

void sort_staged_rows(const JsonNode &operations, uint64 count, const OperationValidator &validator, SeenIds &seen,
                      LoadReport &report, SortedRows &sorted)
{
    for (uint64 row = 0; row < count; ++row) {
        JsonNode operation = operations.element(static_cast<size_t>(row));
        int64 position = ++report.records;
        auto error = validator.validate(operation, [&] { return "row " + std::to_string(position); });
        OperationSummary summary = summarize_operation(operation);
        if (error) {
            sorted.reject_rows.add_text(std::to_string(position));
            sorted.reject_operations.add_jsonb(jsonb_copy(operation));
            sorted.reject_errors.add_jsonb(jsonb_of([&](JsonBuilder &out) { write_error(out, *error); }));
            report.add_failure(position, summary, std::move(*error));
            continue;
        }
        if (summary.id && summary.type && !seen.insert(*summary.type, *summary.id)) {
            report.add_warning(position, summary,
                               "row " + std::to_string(position) + ": " + std::string(*summary.type) + " id '" +
                                   std::string(*summary.id) + "' was already staged earlier in this load");
        }
        sorted.valid.push_back(operation);
    }
}

void insert_rejects(const std::string &load_id, const SortedRows &sorted)
{
    if (sorted.reject_rows.size() == 0)
        return;
    spi_execute("INSERT INTO bulk.load_rejects (load_id, row_identity, operation, error) "
                "SELECT $1, * FROM ROWS FROM (pg_catalog.unnest($2::pg_catalog.text[]), "
                "pg_catalog.unnest($3::pg_catalog.jsonb[]), pg_catalog.unnest($4::pg_catalog.jsonb[]))",
                {text_arg(load_id), sorted.reject_rows.argument(), sorted.reject_operations.argument(),
                 sorted.reject_errors.argument()});
}

} // namespace pg_bulk::pg
