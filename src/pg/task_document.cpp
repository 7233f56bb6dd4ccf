// bulk._task_document (the answer of bulk.task, bulk.wait, bulk.cancel): {"bulkId", "status",
// "receipts"?}, written in jsonb's binary form. The receipts, in operation order, are written while
// streaming the stored request chunk by chunk and walking the stored receipt runs alongside (both
// ordered by operation index): a 100,000-operation task takes a small fraction of the time a
// jsonb_agg over the same rows did, and no JsonbValue tree of the whole document is ever built.
#include <vector>

#include "core/operation.hpp"
#include "pg/ids.hpp"
#include "pg/jsonb_view.hpp"
#include "pg/jsonb_writer.hpp"
#include "pg/pg_call.hpp"
#include "pg/spi.hpp"

extern "C" {
#include "utils/json.h"
}

namespace pg_bulk::pg {

namespace {

// A stored receipt row: operations seq..last share it. Its error points into the SPI result.
struct ReceiptRun {
    int32 seq;
    int32 last;
    std::string status;
    std::optional<JsonNode> error;
    std::string completed_at;  // as jsonb renders a timestamptz
};

std::vector<ReceiptRun> receipt_runs(const JsonbReader &reader, std::string_view bulk_id)
{
    SpiResult rows = spi_execute("SELECT r.seq, r.last_seq, r.status, r.error, r.completed_at "
                                 "FROM bulk.operation_results r WHERE r.bulk_id OPERATOR(pg_catalog.=) $1 ORDER BY r.seq",
                                 {text_arg(bulk_id)});
    std::vector<ReceiptRun> runs;
    runs.reserve(rows.count());
    for (uint64 row = 0; row < rows.count(); ++row) {
        ReceiptRun run{std::stoi(rows.text(row, 1)), std::stoi(rows.text(row, 2)), rows.text(row, 3), std::nullopt,
                       {}};
        if (const Jsonb *error = rows.jsonb(row, 4))
            run.error = reader.root(error);
        bool null = false;
        Datum completed = rows.binary(row, 5, null);
        run.completed_at = pg_call([&] { return JsonEncodeDateTime(nullptr, completed, TIMESTAMPTZOID, nullptr); });
        runs.push_back(std::move(run));
    }
    return runs;
}

// Appends the receipt of each operation of `chunk` (whose first operation is `first`).
void add_receipts(JsonbArrayWriter &out, const JsonNode &chunk, int32 first, std::string_view bulk_id,
                  const std::vector<ReceiptRun> &runs, size_t &run, std::string_view unfinished)
{
    for (size_t i = 0; i < chunk.size(); ++i) {
        int32 seq = first + static_cast<int32>(i);
        OperationSummary operation = summarize_operation(chunk.element(i));
        std::string generated;
        std::optional<std::string_view> id = operation.id;
        if (!id && operation.action == Action::Create) {
            generated = generated_resource_id(bulk_id, static_cast<uint32_t>(seq));
            id = generated;
        }
        while (run < runs.size() && runs[run].last < seq)
            ++run;
        const ReceiptRun *receipt = run < runs.size() && runs[run].seq <= seq ? &runs[run] : nullptr;
        std::vector<JsonbMember> members{{"action", action_name(*operation.action), std::nullopt},
                                         {"type", operation.type.value_or(""), std::nullopt},
                                         {"status", receipt ? std::string_view(receipt->status) : unfinished,
                                          std::nullopt}};
        if (id)
            members.push_back({"id", *id, std::nullopt});
        if (receipt) {
            members.push_back({"completedAt", receipt->completed_at, std::nullopt});
            if (receipt->error)
                members.push_back({"error", {}, receipt->error});
        }
        out.add_object(std::move(members));
    }
}

// The receipts written so far into `out`; reads with SPI (connected by the caller).
void write_receipts(JsonbArrayWriter &out, std::string_view bulk_id, std::string_view task_status)
{
    JsonbReader reader;
    std::vector<ReceiptRun> runs = receipt_runs(reader, bulk_id);
    std::string_view unfinished = task_status == "CANCELLED" ? "CANCELLED" : "PENDING";
    SpiArg id = text_arg(bulk_id);
    char null = ' ';
    Portal chunks = pg_call([&] {
        return SPI_cursor_open_with_args(nullptr,
                                         "SELECT c.first_operation, c.operations FROM bulk.task_operations c "
                                         "WHERE c.bulk_id OPERATOR(pg_catalog.=) $1 ORDER BY c.first_operation",
                                         1, &id.type, &id.value, &null, true, 0);
    });
    // Each chunk is detoasted into this context, reset after it: memory holds one chunk at a time.
    MemoryContext chunk_context = pg_call(
        [] { return AllocSetContextCreate(CurrentMemoryContext, "pg_bulk receipts chunk", ALLOCSET_DEFAULT_SIZES); });
    size_t run = 0;
    for (;;) {
        check_for_interrupts();
        pg_call([&] { SPI_cursor_fetch(chunks, true, 1); });
        SpiResult chunk(SPI_tuptable, SPI_processed);
        if (chunk.count() == 0)
            break;
        MemoryContext outer = MemoryContextSwitchTo(chunk_context);
        add_receipts(out, reader.root(chunk.jsonb(0, 2)), std::stoi(chunk.text(0, 1)), bulk_id, runs, run, unfinished);
        MemoryContextSwitchTo(outer);
        pg_call([&] {
            SPI_freetuptable(SPI_tuptable);
            MemoryContextReset(chunk_context);
        });
    }
    pg_call([&] { SPI_cursor_close(chunks); });
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
