// bulk.load (DESIGN §7). The default (queue) mode streams a staging table through a cursor, turns
// each row into an operation, validates it, submits the valid ones as tasks of at most
// pg_bulk.max_operations, moves the invalid ones to bulk.load_rejects, and deletes every consumed row,
// all in the caller's transaction; memory stays that of one fetch (1000 rows) plus 16 bytes per staged
// id for the duplicate check. The stream mode only checks the table and records the load: the
// workers consume the table themselves (src/pg/worker/streamed_load.cpp).
#include <vector>

#include "core/json_text.hpp"
#include "core/request.hpp"
#include "core/value_checks.hpp"
#include "pg/store/load_store.hpp"
#include "pg/store/staged_batch.hpp"
#include "pg/store/staged_rows.hpp"
#include "pg/store/target_validator.hpp"
#include "pg/bridge/identity.hpp"
#include "pg/bridge/jsonb_builder.hpp"
#include "pg/bridge/pg_call.hpp"
#include "pg/bridge/spi.hpp"
#include "pg/bridge/sql_arrays.hpp"
#include "pg/settings.hpp"
#include "pg/store/ids.hpp"
#include "pg/store/profile_cache.hpp"
#include "pg/store/schema_version.hpp"
#include "pg/store/task_store.hpp"
#include "pg/worker/worker_state.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
}

namespace pg_bulk::pg {

namespace {

constexpr int fetch_size = 1000;

// Everything the load has decided so far.
struct LoadState {
    Target target;
    Oid submitter;
    Oid owner;
    std::string load_id;
    int32 max_per_task;
    LoadReport report;
    int64 submitted = 0;
    std::vector<std::string> bulk_ids;
    std::optional<std::string> open_task;  // the task being filled
    int32 open_task_count = 0;
    TouchCollector open_task_touches;  // what the task being filled touches
    SeenIds seen;
};

void close_task(LoadState &load)
{
    if (!load.open_task)
        return;
    set_operation_count(*load.open_task, load.open_task_count);
    store_touches(*load.open_task, load.open_task_touches.finish());
    log_task(*load.open_task, "INFO",
             "accepted " + operations_text(load.open_task_count) + " from load " + load.load_id);
    load.open_task.reset();
    load.open_task_count = 0;
}

// Appends valid operations to tasks, opening a new task whenever the current one is full.
void submit_operations(LoadState &load, const std::vector<JsonNode> &operations)
{
    size_t next = 0;
    while (next < operations.size()) {
        if (!load.open_task) {
            load.open_task = insert_task(load.target, load.submitter, std::nullopt, 0);
            load.bulk_ids.push_back(*load.open_task);
        }
        size_t room = static_cast<size_t>(load.max_per_task - load.open_task_count);
        size_t take = std::min(room, operations.size() - next);
        std::vector<JsonNode> part(operations.begin() + next, operations.begin() + next + take);
        for (size_t i = 0; i < take; ++i)
            add_operation(load.open_task_touches, load.target, part[i], *load.open_task,
                          static_cast<uint32_t>(load.open_task_count) + static_cast<uint32_t>(i));
        Jsonb *chunk = jsonb_array(part);
        insert_chunk(*load.open_task, load.open_task_count, chunk);
        pfree(chunk);
        load.open_task_count += static_cast<int32>(take);
        load.submitted += static_cast<int64>(take);
        next += take;
        if (load.open_task_count == load.max_per_task)
            close_task(load);
    }
}

// One fetched batch of staged rows: validate, submit, reject, delete.
void process_rows(LoadState &load, SPITupleTable *rows, uint64 count, SPIPlanPtr delete_rows,
                  const std::string &source_name, const OperationValidator &validator)
{
    JsonbReader reader;
    JsonNode operations = reader.root(staged_operations(rows, count, load.target));
    SortedRows sorted;
    ArrayBuilder consumed(TIDOID);
    for (uint64 row = 0; row < count; ++row)
        consumed.add_tid(rows->vals[row], rows->tupdesc, 1);
    sort_staged_rows(operations, count, validator, load.seen, load.report, sorted);
    as_role(load.owner, [&] {
        submit_operations(load, sorted.valid);
        insert_rejects(load.load_id, sorted);
    });
    // Each row read is deleted here, or another transaction changed it after the load read it (the
    // staging query takes no row locks): then what was read may be stale, and nothing is loaded.
    SpiArg ctids = consumed.argument();
    char null = ' ';
    uint64 deleted = pg_call([&] {
        if (SPI_execute_plan(delete_rows, &ctids.value, &null, false, 0) != SPI_OK_DELETE)
            elog(ERROR, "could not delete the consumed staging rows");
        return SPI_processed;
    });
    if (deleted != count)
        throw SqlError(ERRCODE_T_R_SERIALIZATION_FAILURE,
                       "staged rows of " + source_name + " were updated or deleted by another transaction while "
                           "bulk.load read them",
                       "Nothing was loaded; run the load again.");
}

struct LoadOptions {
    int32 max_per_task = max_operations;
    bool stream = false;  // {"mode": "stream"}: the workers consume the table
};

int32 read_max_per_task(const JsonNode &value)
{
    auto number = value.is(JsonKind::Number) ? checks::parse_number(value.number_text()) : checks::ParsedNumber{};
    int64_t requested = number.fits_int64 ? number.integer : 0;
    if (requested < 1 || requested > max_operations)
        throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE,
                       "maxOperationsPerTask must be an integer from 1 to pg_bulk.max_operations (" +
                           std::to_string(max_operations) + ")");
    return static_cast<int32>(requested);
}

LoadOptions read_options(const Jsonb *options)
{
    JsonbReader reader;
    JsonNode root = reader.root(options);
    if (!root.is(JsonKind::Object))
        throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE, "bulk.load options must be a JSON object");
    LoadOptions read;
    bool per_task_given = false;
    for (size_t i = 0; i < root.size(); ++i) {
        std::string_view key = root.key(i);
        JsonNode value = root.value(i);
        if (key == "maxOperationsPerTask") {
            read.max_per_task = read_max_per_task(value);
            per_task_given = true;
        } else if (key == "mode") {
            std::string_view mode = value.is(JsonKind::String) ? value.string() : std::string_view();
            if (mode != "queue" && mode != "stream")
                throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE, "bulk.load option mode must be \"queue\" or \"stream\"");
            read.stream = mode == "stream";
        } else {
            throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE, "unknown bulk.load option " + quote_excerpt(key) +
                                                                " (known: mode, maxOperationsPerTask)");
        }
    }
    if (read.stream && per_task_given)
        throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE,
                       "maxOperationsPerTask applies to queued loads only: a streamed load's task grows as the "
                       "workers consume the staging table");
    return read;
}

// The answer of a queued load. A load that found nothing staged has no id: it is not kept (a
// scheduled load that runs every minute would otherwise add a row each time).
void write_report(JsonBuilder &out, const LoadState &load)
{
    out.begin_object();
    if (load.report.records > 0)
        out.member("loadId", load.load_id);
    out.member("target", target_name(load.target));
    out.integer_member("records", load.report.records);
    out.integer_member("submitted", load.submitted);
    out.integer_member("failureCount", load.report.failure_count);
    out.key("failures");
    write_reported_rows(out, load.report.failures);
    out.integer_member("warningCount", load.report.warning_count);
    out.key("warnings");
    write_reported_rows(out, load.report.warnings);
    out.key("bulkIds");
    out.begin_array();
    for (const std::string &id : load.bulk_ids)
        out.string(id);
    out.end_array();
    out.end_object();
}

// The caller may read and delete the staging table (42501 otherwise). DELETE first: without it nothing
// may be read (and a table without rows would never reach the DELETE statement's own check).
void check_staging_privileges(Oid source, bool stream)
{
    pg_call([&] {
        if (pg_class_aclcheck(source, GetUserId(), ACL_DELETE) != ACLCHECK_OK ||
            (stream && pg_class_aclcheck(source, GetUserId(), ACL_SELECT) != ACLCHECK_OK))
            aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, get_rel_name(source));
    });
}

// Loads of one staging table run one after the other (the lock conflicts with itself, not with writers
// staging more rows, nor with a worker consuming a streamed load); a table a streamed load still consumes
// is not loaded again (55006, naming that load).
void lock_staging_table(Oid source, const std::string &source_name, Oid owner)
{
    spi_execute(("LOCK TABLE " + source_name + " IN SHARE UPDATE EXCLUSIVE MODE").c_str(), {});
    if (!read_installed_schema().streamed_loads)
        return;  // a database still at 0.2 has no streamed loads
    std::optional<std::string> running;
    as_role(owner, [&] { running = running_streamed_load(source); });
    if (running)
        throw SqlError(ERRCODE_OBJECT_IN_USE,
                       "staging table " + source_name + " is being consumed by streamed load " + *running,
                       "Wait for it (bulk.wait('" + *running + "')) or cancel it (bulk.cancel('" + *running + "')).");
}

// Records a streamed load and its task, which a worker takes up once this transaction commits. A
// table with nothing staged records nothing (as a queued load that finds nothing): a job scheduled
// every minute leaves no load, and no task, for the runs that found nothing.
void start_streamed_load(JsonBuilder &answer, LoadState &load, Oid source, const std::string &source_name)
{
    std::string staged = "SELECT EXISTS (SELECT FROM " + source_name + ")";
    bool found = spi_execute(staged.c_str(), {}).boolean(0, 1);
    if (found) {
        as_role(load.owner, [&] {
            std::string bulk_id = *insert_task(load.target, load.submitter, std::nullopt, 0);
            record_streamed_load(load.load_id, bulk_id, source, source_name, load.target, load.submitter);
            log_task(bulk_id, "INFO", "accepted: streamed load " + load.load_id + " of " + source_name);
            load.bulk_ids.push_back(bulk_id);
        });
        wake_worker_at_commit();
    }
    answer.begin_object();
    if (found)
        answer.member("loadId", load.load_id);
    answer.member("mode", "stream");
    answer.member("status", found ? "PENDING" : "SUCCESS");
    answer.member("target", target_name(load.target));
    if (!found)
        answer.integer_member("records", 0);
    answer.key("bulkIds");
    answer.begin_array();
    for (const std::string &id : load.bulk_ids)
        answer.string(id);
    answer.end_array();
    answer.end_object();
}

void run_load(JsonBuilder &answer, Oid source, const std::string &target_text, const Jsonb *options)
{
    std::optional<Target> target = target_from_name(target_text);
    if (!target)
        throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE,
                       "bulk.load target must be 'resources' or 'relationships', got " + quote_excerpt(target_text));
    LoadOptions chosen = read_options(options);
    LoadState load{*target, GetUserId(), InvalidOid, "ld_" + new_bulk_id().substr(3), chosen.max_per_task};
    std::string source_name = spi_execute("SELECT $1::pg_catalog.regclass::pg_catalog.text", {oid_arg(source)}).text(0, 1);
    std::vector<bool> present = check_staging_shape(source, source_name, *target);
    load.owner = extension_owner();
    if (chosen.stream) {
        if (!read_installed_schema().streamed_loads)
            throw SqlError(ERRCODE_FEATURE_NOT_SUPPORTED, "streamed loads need the SQL objects of pg_bulk 0.3",
                           "Run ALTER EXTENSION pg_bulk UPDATE.");
        check_staging_privileges(source, true);
        lock_staging_table(source, source_name, load.owner);
        start_streamed_load(answer, load, source, source_name);
        return;
    }

    TargetValidator validator(*target);

    as_role(load.owner, [&] {
        spi_execute("INSERT INTO bulk.loads (load_id, source, target, submitted_by) VALUES ($1, $2, $3, $4)",
                    {text_arg(load.load_id), text_arg(source_name), text_arg(target_text), oid_arg(load.submitter)});
    });
    check_staging_privileges(source, false);
    // Rows are read without row locks and deleted by ctid as consumed.
    lock_staging_table(source, source_name, load.owner);
    std::string query = "SELECT " + staged_select_list(*target, present) + " FROM " + source_name;
    std::string delete_query = "DELETE FROM " + source_name +
                               " WHERE ctid OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.tid[])";
    Oid tid_array = TIDARRAYOID;
    SPIPlanPtr delete_rows = pg_call([&] {
        SPIPlanPtr plan = SPI_prepare(delete_query.c_str(), 1, &tid_array);
        if (!plan)
            elog(ERROR, "could not prepare the staging delete: %s", SPI_result_code_string(SPI_result));
        return plan;
    });
    Portal cursor = pg_call([&] {
        SPIPlanPtr plan = SPI_prepare(query.c_str(), 0, nullptr);
        if (!plan)
            elog(ERROR, "could not prepare the staging query: %s", SPI_result_code_string(SPI_result));
        return SPI_cursor_open(nullptr, plan, nullptr, nullptr, false);
    });
    MemoryContext batch_context = pg_call(
        [] { return AllocSetContextCreate(CurrentMemoryContext, "pg_bulk load batch", ALLOCSET_DEFAULT_SIZES); });
    for (;;) {
        check_for_interrupts();
        pg_call([&] { SPI_cursor_fetch(cursor, true, fetch_size); });
        uint64 fetched = SPI_processed;
        SPITupleTable *rows = SPI_tuptable;
        if (fetched == 0)
            break;
        MemoryContext outer = MemoryContextSwitchTo(batch_context);
        process_rows(load, rows, fetched, delete_rows, source_name, validator.get());
        MemoryContextSwitchTo(outer);
        pg_call([&] {
            SPI_freetuptable(rows);
            MemoryContextReset(batch_context);
        });
    }
    pg_call([&] { SPI_cursor_close(cursor); });
    as_role(load.owner, [&] {
        close_task(load);
        ArrayBuilder ids(TEXTOID);
        for (const std::string &id : load.bulk_ids)
            ids.add_text(id);
        spi_execute("UPDATE bulk.loads SET records = $2::pg_catalog.int8, submitted = $3::pg_catalog.int8, "
                    "failure_count = $4::pg_catalog.int8, warning_count = $5::pg_catalog.int8, "
                    "failures = $6::pg_catalog.jsonb, warnings = $7::pg_catalog.jsonb, bulk_ids = $8 "
                    "WHERE load_id = $1",
                    {text_arg(load.load_id), int8_arg(load.report.records), int8_arg(load.submitted),
                     int8_arg(load.report.failure_count), int8_arg(load.report.warning_count),
                     reported_rows_arg(load.report.failures), reported_rows_arg(load.report.warnings),
                     ids.argument()});
        if (load.report.records == 0)
            spi_execute("DELETE FROM bulk.loads WHERE load_id = $1", {text_arg(load.load_id)});
    });
    if (!load.bulk_ids.empty())
        wake_worker_at_commit();
    write_report(answer, load);
}

} // namespace
} // namespace pg_bulk::pg

using namespace pg_bulk::pg;

extern "C" {
PG_FUNCTION_INFO_V1(bulk_load);
}

// bulk.load(source regclass, target text DEFAULT 'resources', options jsonb DEFAULT '{}') RETURNS jsonb
Datum bulk_load(PG_FUNCTION_ARGS)
{
    Oid source = PG_GETARG_OID(0);
    text *target = PG_GETARG_TEXT_PP(1);
    Jsonb *options = PG_GETARG_JSONB_P(2);
    return sql_entry([&] {
        JsonbBuilder answer;
        spi_connect();
        run_load(answer, source, std::string(VARDATA_ANY(target), VARSIZE_ANY_EXHDR(target)), options);
        spi_finish();
        return PointerGetDatum(answer.finish_jsonb());
    });
}
