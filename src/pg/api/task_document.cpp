// bulk._task_document (the answer of bulk.task, bulk.wait, bulk.cancel): {"bulkId", "status",
// "receipts"?}, written in jsonb's binary form. The receipts, in operation order, come from
// walk_receipts (the stored chunks and receipt runs read side by side): a 100,000-operation task takes
// a small fraction of the time a jsonb_agg over the same rows did, and no JsonbValue tree of the whole
// document is ever built.
#include <string>
#include <vector>

#include "core/receipt.hpp"
#include "pg/bridge/jsonb_builder.hpp"
#include "pg/bridge/pg_call.hpp"
#include "pg/bridge/spi.hpp"
#include "pg/store/receipt_walk.hpp"

extern "C" {
#include "utils/json.h"
}

namespace pg_bulk::pg {

namespace {

// Writes every receipt of the task as an array; reads with SPI (connected by the caller).
void write_receipts(JsonBuilder &out, std::string_view bulk_id, std::string_view task_status)
{
    // The operations of a run share its completion time: rendered once per run.
    int32 rendered_run = -1;
    std::string completed_at;
    out.begin_array();
    walk_receipts(bulk_id, task_status, ReceiptSelection{}, [&](const OperationReceipt &operation) {
        Receipt receipt = operation.receipt;
        if (const ReceiptRun *run = operation.run) {
            if (rendered_run != run->seq) {
                completed_at = pg_call(
                    [&] { return JsonEncodeDateTime(nullptr, run->completed_at, TIMESTAMPTZOID, nullptr); });
                rendered_run = run->seq;
            }
            receipt.completed_at = completed_at;
        }
        write_receipt(out, receipt);
        return true;
    });
    out.end_array();
}

} // namespace
} // namespace pg_bulk::pg

using namespace pg_bulk::pg;

extern "C" {
PG_FUNCTION_INFO_V1(bulk_task_document);
}

// bulk._task_document(bulk_id text, task_status text, with_receipts boolean) RETURNS jsonb
Datum bulk_task_document(PG_FUNCTION_ARGS)
{
    text *bulk_id_text = PG_GETARG_TEXT_PP(0);
    text *status_text = PG_GETARG_TEXT_PP(1);
    bool with_receipts = PG_GETARG_BOOL(2);
    return sql_entry([&] {
        std::string_view bulk_id(VARDATA_ANY(bulk_id_text), VARSIZE_ANY_EXHDR(bulk_id_text));
        std::string_view status(VARDATA_ANY(status_text), VARSIZE_ANY_EXHDR(status_text));
        JsonbBuilder document;
        document.begin_object();
        document.member("bulkId", bulk_id);
        document.member("status", status);
        if (with_receipts) {
            document.key("receipts");
            spi_connect();
            write_receipts(document, bulk_id, status);
            spi_finish();
        }
        document.end_object();
        return PointerGetDatum(document.finish_jsonb());  // in the caller's memory context
    });
}
