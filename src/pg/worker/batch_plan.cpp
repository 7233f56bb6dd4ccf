// Writing a batch's receipts, and the PostgreSQL error of a failed operation handed to the core.
#include "pg/worker/batch_plan.hpp"

#include "core/apply_errors.hpp"
#include "core/receipt_runs.hpp"
#include "core/request.hpp"
#include "pg/bridge/pg_call.hpp"
#include "pg/bridge/spi.hpp"
#include "pg/bridge/sql_arrays.hpp"

namespace pg_bulk::pg {

static_assert(sqlstate_unique_violation == ERRCODE_UNIQUE_VIOLATION);
static_assert(sqlstate_foreign_key_violation == ERRCODE_FOREIGN_KEY_VIOLATION);
static_assert(sqlstate_insufficient_privilege == ERRCODE_INSUFFICIENT_PRIVILEGE);

OperationError error_from_postgres(const PlannedOperation &operation, const ErrorData &error)
{
    return pg_bulk::error_from_postgres(operation, error.sqlerrcode, error.message ? error.message : "unknown error",
                                        error.constraint_name ? error.constraint_name : "");
}

void insert_receipts(std::string_view bulk_id, const std::vector<PlannedOperation> &operations)
{
    ArrayBuilder seqs(INT4OID), last_seqs(INT4OID), statuses(TEXTOID), errors(JSONBOID);
    for (const ReceiptRun &run : receipt_runs(operations)) {
        seqs.add_int4(run.seq);
        last_seqs.add_int4(run.last_seq);
        statuses.add_text(status_name(run.status));
        if (!run.error) {
            errors.add_null();
            continue;
        }
        std::string text;
        append_error_json(text, *run.error);
        errors.add_jsonb(pg_call([&] {
            return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(text.c_str())));
        }));
    }
    spi_execute_generic("INSERT INTO bulk.operation_results (bulk_id, seq, last_seq, status, error) "
                        "SELECT $1, pg_catalog.unnest($2::pg_catalog.int4[]), pg_catalog.unnest($3::pg_catalog.int4[]), "
                        "pg_catalog.unnest($4::pg_catalog.text[]), pg_catalog.unnest($5::pg_catalog.jsonb[])",
                        {text_arg(bulk_id), seqs.argument(), last_seqs.argument(), statuses.argument(),
                         errors.argument()});
}

} // namespace pg_bulk::pg
