// Walking a task's receipts: runs read from bulk.operation_results a batch at a time, operations from the chunk
// of bulk.task_operations that holds them (see receipt_walk.hpp).
#include "pg/store/receipt_walk.hpp"

#include <algorithm>
#include <string>

#include "core/operation.hpp"
#include "core/receipt_runs.hpp"
#include "pg/bridge/jsonb_view.hpp"
#include "pg/bridge/pg_call.hpp"
#include "pg/bridge/spi.hpp"
#include "pg/bridge/sql_arrays.hpp"
#include "pg/store/ids.hpp"
#include "pg/store/schema_version.hpp"

namespace pg_bulk::pg {

bool ReceiptSelection::wants(Status status) const
{
    return !statuses || std::find(statuses->begin(), statuses->end(), status_name(status)) != statuses->end();
}

namespace {

// The first run a walk from `from_seq` needs: the one holding it, if any (found backwards on the primary key).
constexpr const char *first_run_sql =
    "SELECT pg_catalog.max(p.seq) FROM bulk.operation_results p "
    "WHERE p.bulk_id OPERATOR(pg_catalog.=) $1 AND p.seq OPERATOR(pg_catalog.<=) $2";

// The next batch of runs from seq $3 on, optionally only those of the listed statuses ($4), reaching
// `from_seq` ($2). A batch query by key rather than one cursor (a cursor over the rest of a large task may be
// planned as a sort of all of it), planned in the primary key's order whatever the table's statistics say
// (spi_query_in_index_order: on a table never analyzed, a bitmap scan and a sort of every remaining run of
// the task looked cheapest, and each batch cost what was left of the task). The lower bound is a plain
// parameter, so that it stays an index condition under row level security (which keeps conditions holding a
// subquery above its own).
// A database whose extension is still at 0.2 stores no versions.
#define RUNS_SQL(versions)                                                                                         \
    "SELECT r.seq, r.last_seq, r.status, r.error, r.completed_at, " versions " "                                  \
    "FROM bulk.operation_results r WHERE r.bulk_id OPERATOR(pg_catalog.=) $1 "                                     \
    "AND r.seq OPERATOR(pg_catalog.>=) $3 AND r.last_seq OPERATOR(pg_catalog.>=) $2 "                              \
    "AND ($4 IS NULL OR r.status OPERATOR(pg_catalog.=) ANY ($4)) ORDER BY r.seq LIMIT 1000"

constexpr const char *chunk_sql =
    "SELECT c.first_operation, c.operations FROM bulk.task_operations c "
    "WHERE c.bulk_id OPERATOR(pg_catalog.=) $1 AND c.first_operation OPERATOR(pg_catalog.<=) $2 "
    "ORDER BY c.first_operation DESC LIMIT 1";

constexpr uint64 runs_per_fetch = 1000;  // the LIMIT of runs_sql

// The runs of one task, in seq order, read a batch at a time.
class RunReader {
public:
    RunReader(const JsonbReader &reader, std::string_view bulk_id, int32 from_seq, const SpiArg &statuses,
              MemoryContext context)
        : reader_(reader), context_(context), bulk_id_(text_arg(bulk_id)), from_seq_(from_seq), statuses_(statuses),
          runs_sql_(read_installed_schema().versions ? RUNS_SQL("r.versions") : RUNS_SQL("NULL::pg_catalog.int4[]"))
    {
        SpiResult first = spi_query_in_index_order(first_run_sql, {bulk_id_, int4_arg(from_seq)});
        bool none = false;
        int32 first_seq = DatumGetInt32(first.binary(0, 1, none));
        pg_call([] { SPI_freetuptable(SPI_tuptable); });
        fetch(none ? 0 : first_seq);
    }

    const ReceiptRun *current() const { return row_ < count_ ? &run_ : nullptr; }

    void advance()
    {
        if (++row_ < count_)
            read();
        else if (count_ == runs_per_fetch && run_.seq < PG_INT32_MAX)
            fetch(run_.seq + 1);
    }

    void close()
    {
        if (batch_)
            pg_call([&] { SPI_freetuptable(batch_); });
        batch_ = nullptr;
    }

private:
    // The batch of runs from `seq` on replaces the previous one and what was detoasted for it.
    void fetch(int32 seq)
    {
        close();
        pg_call([&] { MemoryContextReset(context_); });
        SpiResult rows = spi_query_in_index_order(runs_sql_, {bulk_id_, int4_arg(from_seq_), int4_arg(seq), statuses_});
        batch_ = SPI_tuptable;
        count_ = rows.count();
        row_ = 0;
        if (count_ > 0)
            read();
    }

    void read()
    {
        SpiResult rows(batch_, count_);
        MemoryContext outer = MemoryContextSwitchTo(context_);
        bool null = false;
        run_.seq = DatumGetInt32(rows.binary(row_, 1, null));
        run_.last = DatumGetInt32(rows.binary(row_, 2, null));
        const text *status = pg_call([&] { return DatumGetTextPP(rows.binary(row_, 3, null)); });
        run_.status = status_from_name(std::string_view(VARDATA_ANY(status), VARSIZE_ANY_EXHDR(status)))
                          .value_or(Status::Pending);
        const Jsonb *error = rows.jsonb(row_, 4);
        run_.error = error ? std::optional<JsonNode>(reader_.root(error)) : std::nullopt;
        run_.completed_at = rows.binary(row_, 5, null);
        Datum versions = rows.binary(row_, 6, null);
        read_versions(versions, null);
        MemoryContextSwitchTo(outer);
    }

    // The run's int4[] of versions, detoasted into the batch's context.
    void read_versions(Datum versions, bool null)
    {
        run_.versions = nullptr;
        run_.version_count = 0;
        if (null)
            return;
        ArrayType *array = pg_call([&] { return DatumGetArrayTypeP(versions); });
        if (ARR_NDIM(array) != 1 || ARR_HASNULL(array))
            return;
        run_.versions = reinterpret_cast<const int32 *>(ARR_DATA_PTR(array));
        run_.version_count = static_cast<size_t>(ARR_DIMS(array)[0]);
    }

    const JsonbReader &reader_;
    MemoryContext context_;  // what a batch's values were detoasted into
    SpiArg bulk_id_;
    int32 from_seq_;
    SpiArg statuses_;
    const char *runs_sql_;
    SPITupleTable *batch_ = nullptr;
    uint64 count_ = 0;
    uint64 row_ = 0;
    ReceiptRun run_{};
};

// The task's operations, one chunk in memory at a time: the chunk holding the operation asked for is
// looked up by primary key, so a walk that skips chunks never reads them.
class ChunkReader {
public:
    ChunkReader(const JsonbReader &reader, std::string_view bulk_id, MemoryContext context)
        : reader_(reader), bulk_id_(text_arg(bulk_id)), context_(context)
    {
    }

    // Operation `seq`, or nullopt past the task's last operation. Loading another chunk resets the
    // context (and so frees what the previous visits allocated there).
    std::optional<JsonNode> operation(int32 seq)
    {
        if (!chunk_ || seq < first_ || seq - first_ >= static_cast<int64>(chunk_->size()))
            load(seq);
        if (!chunk_ || seq < first_ || seq - first_ >= static_cast<int64>(chunk_->size()))
            return std::nullopt;
        return chunk_->element(static_cast<size_t>(seq - first_));
    }

private:
    void load(int32 seq)
    {
        check_for_interrupts();
        chunk_.reset();
        pg_call([&] { MemoryContextReset(context_); });
        SpiResult found = spi_query_in_index_order(chunk_sql, {bulk_id_, int4_arg(seq)});
        SPITupleTable *table = SPI_tuptable;
        if (found.count() == 1) {
            bool null = false;
            first_ = DatumGetInt32(found.binary(0, 1, null));
            Datum operations = found.binary(0, 2, null);
            // A copy, so that the row can go at once.
            const Jsonb *chunk = pg_call([&] {
                MemoryContext outer = MemoryContextSwitchTo(context_);
                Jsonb *copy = DatumGetJsonbPCopy(operations);
                MemoryContextSwitchTo(outer);
                return copy;
            });
            chunk_ = reader_.root(chunk);
        }
        pg_call([&] { SPI_freetuptable(table); });
    }

    const JsonbReader &reader_;
    SpiArg bulk_id_;
    MemoryContext context_;
    std::optional<JsonNode> chunk_;
    int32 first_ = 0;
};

SpiArg statuses_argument(const std::optional<std::vector<std::string>> &statuses)
{
    if (!statuses)
        return SpiArg{TEXTARRAYOID, 0, true};
    ArrayBuilder array(TEXTOID);
    for (const std::string &status : *statuses)
        array.add_text(status);
    return array.argument();
}

// Walks the receipts with the two readers; returns when `visit` says stop or the task ends.
void walk(RunReader &runs, ChunkReader &chunks, std::string_view bulk_id, Status unfinished,
          const ReceiptSelection &selection, const std::function<bool(const OperationReceipt &)> &visit)
{
    bool unfinished_wanted = selection.wants(unfinished);
    std::string generated;
    // Visits operation `seq` with that status; false when the walk is over.
    auto visit_operation = [&](int32 seq, Status status, const ReceiptRun *run) {
        std::optional<JsonNode> node = chunks.operation(seq);
        if (!node)
            return false;
        OperationSummary operation = summarize_operation(*node);
        OperationReceipt receipt{seq, Receipt{operation.action, operation.type, operation.id}, run};
        receipt.receipt.status = status;
        if (run) {
            if (run->version_count)
                receipt.receipt.version = version_in_run(run->versions, run->version_count, run->seq, seq);
            receipt.receipt.stored_error = run->error;
        }
        if (!operation.id && operation.action == Action::Create) {
            generated = generated_resource_id(bulk_id, static_cast<uint32_t>(seq));
            receipt.receipt.id = generated;
        }
        return visit(receipt);
    };
    int32 next = selection.from_seq;
    for (;;) {
        const ReceiptRun *run = runs.current();
        if (unfinished_wanted) {
            int32 gap_end = run ? run->seq : PG_INT32_MAX;
            for (; next < gap_end; ++next)
                if (!visit_operation(next, unfinished, nullptr))
                    return;
        }
        if (!run)
            return;
        if (selection.wants(run->status))
            for (int32 seq = std::max(next, run->seq); seq <= run->last; ++seq)
                if (!visit_operation(seq, run->status, run))
                    return;
        if (run->last == PG_INT32_MAX)
            return;
        next = std::max(next, run->last + 1);
        runs.advance();
    }
}

} // namespace

void walk_receipts(std::string_view bulk_id, std::string_view task_status, const ReceiptSelection &selection,
                   const std::function<bool(const OperationReceipt &)> &visit)
{
    Status unfinished = task_status == "CANCELLED" ? Status::Cancelled : Status::Pending;
    // Every run is read when unfinished operations are wanted (the gaps between runs are theirs);
    // otherwise only the runs of the wanted statuses.
    SpiArg statuses = statuses_argument(selection.wants(unfinished) ? std::nullopt : selection.statuses);
    MemoryContext runs_context = pg_call([] {
        return AllocSetContextCreate(CurrentMemoryContext, "pg_bulk receipt runs", ALLOCSET_DEFAULT_SIZES);
    });
    MemoryContext chunk_context = pg_call([] {
        return AllocSetContextCreate(CurrentMemoryContext, "pg_bulk receipts chunk", ALLOCSET_DEFAULT_SIZES);
    });
    JsonbReader reader;
    RunReader runs(reader, bulk_id, selection.from_seq, statuses, runs_context);
    ChunkReader chunks(reader, bulk_id, chunk_context);
    MemoryContext outer = MemoryContextSwitchTo(chunk_context);
    walk(runs, chunks, bulk_id, unfinished, selection, visit);
    MemoryContextSwitchTo(outer);
    runs.close();
    pg_call([&] {
        MemoryContextDelete(chunk_context);
        MemoryContextDelete(runs_context);
    });
}

} // namespace pg_bulk::pg
