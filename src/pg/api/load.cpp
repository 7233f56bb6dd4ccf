// bulk.load (DESIGN §7): streams a staging table through a cursor, turns each row into an
// operation, validates it, submits the valid ones as tasks of at most pg_bulk.max_operations,
// moves the invalid ones to bulk.load_rejects, and deletes every consumed row, all in the caller's
// transaction. Memory stays that of one fetch (1000 rows) plus 16 bytes per staged id for the
// duplicate check.
#include <unordered_set>
#include <vector>

#include "core/json_text.hpp"
#include "core/request.hpp"
#include "core/value_checks.hpp"
#include "pg/api/staged_rows.hpp"
#include "pg/api/target_validator.hpp"
#include "pg/bridge/identity.hpp"
#include "pg/bridge/jsonb_view.hpp"
#include "pg/bridge/pg_call.hpp"
#include "pg/bridge/spi.hpp"
#include "pg/bridge/sql_arrays.hpp"
#include "pg/settings.hpp"
#include "pg/store/ids.hpp"
#include "pg/store/profile_cache.hpp"
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
constexpr size_t max_reported = 1000;  // failures / warnings listed in the answer (all are counted)

// Checks that the staging table is a plain table without children (consumed rows are deleted by
// ctid, which is unique only within one table) and has the columns; returns which optional ones exist.
std::vector<bool> check_staging_shape(Oid source, const std::string &source_name, Target target)
{
    SpiResult relation = spi_execute("SELECT c.relkind::pg_catalog.text, c.relhassubclass FROM pg_catalog.pg_class c "
                                     "WHERE c.oid OPERATOR(pg_catalog.=) $1",
                                     {oid_arg(source)});
    if (relation.text(0, 1) != "r" || relation.text(0, 2) == "t")
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
        Oid type = static_cast<Oid>(std::stoul(rows.text(0, 2)));
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

// A small open-addressing set of 64-bit hashes of (type, id): duplicate-id warnings for a million
// staged rows in 16 MB. (A hash collision would only cost a spurious warning.)
class SeenIds {
public:
    // False when (type, id) was staged before.
    bool insert(std::string_view type, std::string_view id)
    {
        uint64_t hash = (std::hash<std::string_view>{}(type) * 1000003u) ^ std::hash<std::string_view>{}(id);
        hash |= 1;  // 0 marks an empty slot
        if ((count_ + 1) * 2 > slots_.size())
            grow();
        if (!place(slots_, hash))
            return false;
        ++count_;
        return true;
    }

private:
    static bool place(std::vector<uint64_t> &slots, uint64_t hash)
    {
        size_t mask = slots.size() - 1;
        for (size_t i = hash & mask;; i = (i + 1) & mask) {
            if (slots[i] == hash)
                return false;
            if (slots[i] == 0) {
                slots[i] = hash;
                return true;
            }
        }
    }
    void grow()
    {
        std::vector<uint64_t> larger(slots_.empty() ? 1024 : slots_.size() * 2, 0);
        for (uint64_t hash : slots_)
            if (hash)
                place(larger, hash);
        slots_.swap(larger);
    }
    std::vector<uint64_t> slots_;
    size_t count_ = 0;
};

// Everything the load has decided so far.
struct LoadState {
    Target target;
    Oid submitter;
    Oid owner;
    std::string load_id;
    int32 max_per_task;
    int64 records = 0, submitted = 0, failure_count = 0, warning_count = 0;
    std::string failures = "[", warnings = "[";
    std::vector<std::string> bulk_ids;
    std::optional<std::string> open_task;  // the task being filled
    int32 open_task_count = 0;
    TouchCollector open_task_touches;  // what the task being filled touches
    SeenIds seen;
};

void add_listed(std::string &list, int64 &count, const std::string &item)
{
    if (static_cast<size_t>(count) < max_reported) {
        if (list.size() > 1)
            list += ", ";
        list += item;
    }
    ++count;
}

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

// How a report names a staged row: by its content, {"row": <position in the order the load read the
// staging table, from 1>, "action", "type", "id"} (null when the row has none as text). Not by its
// address: the load deletes the row.
std::string row_members(int64 position, const OperationSummary &row)
{
    std::string out = "\"row\": " + std::to_string(position);
    auto member = [&](const char *name, const std::optional<std::string_view> &value) {
        out += std::string(", \"") + name + "\": ";
        if (value)
            append_json_string(out, *value);
        else
            out += "null";
    };
    member("action", row.action ? std::optional<std::string_view>(action_name(*row.action)) : std::nullopt);
    member("type", row.type);
    member("id", row.id);
    return out;
}

// One fetched batch of staged rows: validate, submit, reject, delete.
void process_rows(LoadState &load, SPITupleTable *rows, uint64 count, SPIPlanPtr delete_rows,
                  const std::string &source_name, const OperationValidator &validator)
{
    JsonbReader reader;
    JsonNode operations = reader.root(staged_operations(rows, count, load.target));
    std::vector<JsonNode> valid;
    ArrayBuilder consumed(TIDOID), reject_rows(TEXTOID), reject_operations(JSONBOID), reject_errors(JSONBOID);
    for (uint64 row = 0; row < count; ++row) {
        consumed.add_tid(rows->vals[row], rows->tupdesc, 1);
        JsonNode operation = operations.element(static_cast<size_t>(row));
        int64 position = ++load.records;
        auto error = validator.validate(operation, [&] { return "row " + std::to_string(position); });
        OperationSummary summary = summarize_operation(operation);
        if (error) {
            std::string error_json;
            append_error_json(error_json, *error);
            add_listed(load.failures, load.failure_count,
                       "{" + row_members(position, summary) + ", \"error\": " + error_json + "}");
            reject_rows.add_text(std::to_string(position));
            reject_operations.add_jsonb(jsonb_copy(operation));
            reject_errors.add_jsonb(pg_call([&] {
                return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(error_json.c_str())));
            }));
            continue;
        }
        if (summary.id && summary.type && !load.seen.insert(*summary.type, *summary.id)) {
            std::string item = "{" + row_members(position, summary) + ", \"message\": ";
            append_json_string(item, "row " + std::to_string(position) + ": " + std::string(*summary.type) + " id '" +
                                         std::string(*summary.id) + "' was already staged earlier in this load");
            item += "}";
            add_listed(load.warnings, load.warning_count, item);
        }
        valid.push_back(operation);
    }
    as_role(load.owner, [&] {
        submit_operations(load, valid);
        if (reject_rows.size())
            spi_execute("INSERT INTO bulk.load_rejects (load_id, row_identity, operation, error) "
                        "SELECT $1, * FROM ROWS FROM (pg_catalog.unnest($2::pg_catalog.text[]), "
                        "pg_catalog.unnest($3::pg_catalog.jsonb[]), pg_catalog.unnest($4::pg_catalog.jsonb[]))",
                        {text_arg(load.load_id), reject_rows.argument(), reject_operations.argument(),
                         reject_errors.argument()});
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

int32 read_options(const Jsonb *options)
{
    JsonbReader reader;
    JsonNode root = reader.root(options);
    if (!root.is(JsonKind::Object))
        throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE, "bulk.load options must be a JSON object");
    int32 max_per_task = max_operations;
    for (size_t i = 0; i < root.size(); ++i) {
        std::string_view key = root.key(i);
        JsonNode value = root.value(i);
        if (key != "maxOperationsPerTask")
            throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE,
                           "unknown bulk.load option " + quote_excerpt(key) + " (known: maxOperationsPerTask)");
        auto number = value.is(JsonKind::Number) ? checks::parse_number(value.number_text()) : checks::ParsedNumber{};
        int64_t requested = number.fits_int64 ? number.integer : 0;
        if (requested < 1 || requested > max_operations)
            throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE,
                           "maxOperationsPerTask must be an integer from 1 to pg_bulk.max_operations (" +
                               std::to_string(max_operations) + ")");
        max_per_task = static_cast<int32>(requested);
    }
    return max_per_task;
}

// A load that found nothing staged has no id: it is not kept (a scheduled load that runs every minute
// would otherwise add a row each time).
std::string report(const LoadState &load)
{
    std::string out = "{";
    if (load.records > 0) {
        out += "\"loadId\": ";
        append_json_string(out, load.load_id);
        out += ", ";
    }
    out += "\"target\": \"" + std::string(target_name(load.target)) + "\"";
    out += ", \"records\": " + std::to_string(load.records) + ", \"submitted\": " + std::to_string(load.submitted);
    out += ", \"failureCount\": " + std::to_string(load.failure_count) + ", \"failures\": " + load.failures + "]";
    out += ", \"warningCount\": " + std::to_string(load.warning_count) + ", \"warnings\": " + load.warnings + "]";
    out += ", \"bulkIds\": [";
    for (size_t i = 0; i < load.bulk_ids.size(); ++i) {
        if (i)
            out += ", ";
        append_json_string(out, load.bulk_ids[i]);
    }
    return out + "]}";
}

std::string run_load(Oid source, const std::string &target_text, const Jsonb *options)
{
    std::optional<Target> target = target_from_name(target_text);
    if (!target)
        throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE,
                       "bulk.load target must be 'resources' or 'relationships', got " + quote_excerpt(target_text));
    LoadState load{*target, GetUserId(), InvalidOid, "ld_" + new_bulk_id().substr(3), read_options(options)};
    std::string source_name = spi_execute("SELECT $1::pg_catalog.regclass::pg_catalog.text", {oid_arg(source)}).text(0, 1);
    std::vector<bool> present = check_staging_shape(source, source_name, *target);
    load.owner = extension_owner();

    TargetValidator validator(*target);

    as_role(load.owner, [&] {
        spi_execute("INSERT INTO bulk.loads (load_id, source, target, submitted_by) VALUES ($1, $2, $3, $4)",
                    {text_arg(load.load_id), text_arg(source_name), text_arg(target_text), oid_arg(load.submitter)});
    });
    // DELETE first: without it nothing may be read (and a table without rows would never reach the
    // DELETE statement's own check).
    pg_call([&] {
        if (pg_class_aclcheck(source, GetUserId(), ACL_DELETE) != ACLCHECK_OK)
            aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, get_rel_name(source));
    });
    // Loads of one staging table run one after the other (the lock conflicts with itself, not with
    // writers staging more rows); rows are read without row locks and deleted by ctid as consumed.
    spi_execute(("LOCK TABLE " + source_name + " IN SHARE UPDATE EXCLUSIVE MODE").c_str(), {});
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
                    {text_arg(load.load_id), text_arg(std::to_string(load.records)),
                     text_arg(std::to_string(load.submitted)), text_arg(std::to_string(load.failure_count)),
                     text_arg(std::to_string(load.warning_count)), text_arg(load.failures + "]"),
                     text_arg(load.warnings + "]"), ids.argument()});
        if (load.records == 0)
            spi_execute("DELETE FROM bulk.loads WHERE load_id = $1", {text_arg(load.load_id)});
    });
    if (!load.bulk_ids.empty())
        wake_worker_at_commit();
    return report(load);
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
        spi_connect();
        std::string document = run_load(source, std::string(VARDATA_ANY(target), VARSIZE_ANY_EXHDR(target)), options);
        spi_finish();
        return pg_call([&] { return DirectFunctionCall1(jsonb_in, CStringGetDatum(document.c_str())); });
    });
}
