// Writing a batch's receipts, and the PostgreSQL error of a failed operation handed to the core.
#include "pg/worker/batch_plan.hpp"

#include "core/apply_errors.hpp"
#include "core/receipt_runs.hpp"
#include "core/receipt.hpp"
#include "pg/bridge/jsonb_builder.hpp"
#include "pg/bridge/pg_call.hpp"
#include "pg/bridge/spi.hpp"
#include "pg/bridge/sql_arrays.hpp"
#include "pg/store/schema_version.hpp"

namespace pg_bulk::pg {

static_assert(sqlstate_unique_violation == ERRCODE_UNIQUE_VIOLATION);
static_assert(sqlstate_foreign_key_violation == ERRCODE_FOREIGN_KEY_VIOLATION);
static_assert(sqlstate_insufficient_privilege == ERRCODE_INSUFFICIENT_PRIVILEGE);

OperationError error_from_postgres(const PlannedOperation &operation, const ErrorData &error)
{
    return pg_bulk::error_from_postgres(operation, error.sqlerrcode, error.message ? error.message : "unknown error",
                                        error.constraint_name ? error.constraint_name : "");
}

namespace {

// A run's versions as an int4[] literal ("{1}", "{2,1,3}"), passed in a text[] since an SQL array
// cannot hold arrays of different lengths.
std::string versions_literal(const std::vector<int32_t> &versions)
{
    std::string literal = "{";
    for (int32_t version : versions) {
        if (literal.size() > 1)
            literal += ',';
        literal += std::to_string(version);
    }
    return literal + "}";
}

#define INSERT_RECEIPTS_SQL(versions_column, versions)                                                             \
    "INSERT INTO bulk.operation_results (bulk_id, seq, last_seq, status, error" versions_column ") "              \
    "SELECT $1, pg_catalog.unnest($2::pg_catalog.int4[]), pg_catalog.unnest($3::pg_catalog.int4[]), "              \
    "pg_catalog.unnest($4::pg_catalog.text[]), pg_catalog.unnest($5::pg_catalog.jsonb[])" versions

} // namespace

void insert_receipts(std::string_view bulk_id, const std::vector<PlannedOperation> &operations)
{
    insert_receipt_runs(bulk_id, receipt_runs(operations));
}

void insert_receipt_runs(std::string_view bulk_id, const std::vector<ReceiptRun> &runs)
{
    ArrayBuilder seqs(INT4OID), last_seqs(INT4OID), statuses(TEXTOID), errors(JSONBOID), versions(TEXTOID);
    for (const ReceiptRun &run : runs) {
        seqs.add_int4(run.seq);
        last_seqs.add_int4(run.last_seq);
        statuses.add_text(status_name(run.status));
        if (run.versions.empty())
            versions.add_null();
        else
            versions.add_text(versions_literal(run.versions));
        if (!run.error) {
            errors.add_null();
            continue;
        }
        errors.add_jsonb(jsonb_of([&](JsonBuilder &out) { write_error(out, *run.error); }));
    }
    spi_execute_generic(installed_schema.versions
                            ? INSERT_RECEIPTS_SQL(", versions",
                                                  ", pg_catalog.unnest($6::pg_catalog.text[])::pg_catalog.int4[]")
                            : INSERT_RECEIPTS_SQL("", ""),
                        {text_arg(bulk_id), seqs.argument(), last_seqs.argument(), statuses.argument(),
                         errors.argument(), versions.argument()});
}

} // namespace pg_bulk::pg
