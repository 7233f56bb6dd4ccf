// bulk._task_document (the answer of bulk.task, bulk.wait, bulk.cancel): {"bulkId", "status",
// "receipts"?}, written in jsonb's binary form. The receipts, in operation order, come from
// walk_receipts (the stored chunks and receipt runs read side by side): a 100,000-operation task takes
// a small fraction of the time a jsonb_agg over the same rows did, and no JsonbValue tree of the whole
// document is ever built.
#include <string>
#include <vector>

#include "pg/bridge/jsonb_view.hpp"
#include "pg/bridge/jsonb_writer.hpp"
#include "pg/bridge/pg_call.hpp"
#include "pg/bridge/spi.hpp"
#include "pg/store/receipt_walk.hpp"

extern "C" {
#include "utils/json.h"
}

namespace pg_bulk::pg {

namespace {

// Appends every receipt of the task to `out`; reads with SPI (connected by the caller).
void write_receipts(JsonbArrayWriter &out, std::string_view bulk_id, std::string_view task_status)
{
    // The operations of a run share its completion time: rendered once per run.
    int32 rendered_run = -1;
    std::string completed_at;
    walk_receipts(bulk_id, task_status, ReceiptSelection{}, [&](const OperationReceipt &receipt) {
        std::vector<JsonbMember> members{{"action", receipt.action, std::nullopt},
                                         {"type", receipt.type.value_or(""), std::nullopt},
                                         {"status", receipt.status, std::nullopt}};
        if (receipt.id)
            members.push_back({"id", *receipt.id, std::nullopt});
        if (const ReceiptRun *run = receipt.run) {
            if (rendered_run != run->seq) {
                completed_at = pg_call(
                    [&] { return JsonEncodeDateTime(nullptr, run->completed_at, TIMESTAMPTZOID, nullptr); });
                rendered_run = run->seq;
            }
            members.push_back({"completedAt", completed_at, std::nullopt});
            if (receipt.version)
                members.push_back({"version", {}, std::nullopt, receipt.version});
            if (run->error)
                members.push_back({"error", {}, run->error});
        }
        out.add_object(std::move(members));
        return true;
    });
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
        std::vector<JsonbMember> members{{"bulkId", bulk_id, std::nullopt}, {"status", status, std::nullopt}};
        if (!with_receipts)
            return PointerGetDatum(jsonb_object(std::move(members)));
        JsonbArrayWriter receipts;
        spi_connect();
        write_receipts(receipts, bulk_id, status);
        spi_finish();
        Jsonb *array = receipts.finish();  // in the caller's memory context, like the document
        JsonbReader reader;
        members.push_back({"receipts", {}, reader.root(array)});
        Jsonb *document = jsonb_object(std::move(members));
        pg_call([&] { pfree(array); });
        return PointerGetDatum(document);
    });
}
