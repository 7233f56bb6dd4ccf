// The staging table of a streamed load read, consumed and turned into planned operations, batch by
// batch, inside the worker's batch transaction (docs/design.md, "Streamed loads").
#include "pg/worker/streamed_load.hpp"

#include <algorithm>
#include <iterator>
#include <optional>

#include "core/seen_ids.hpp"
#include "pg/bridge/identity.hpp"
#include "pg/bridge/jsonb_builder.hpp"
#include "pg/bridge/pg_call.hpp"
#include "pg/bridge/spi.hpp"
#include "pg/store/load_store.hpp"
#include "pg/store/staged_rows.hpp"
#include "pg/store/target_validator.hpp"
#include "pg/store/task_store.hpp"

extern "C" {
#include "storage/itemptr.h"
#include "utils/guc.h"
#include "utils/acl.h"
#include "utils/builtins.h"
}

namespace pg_bulk::pg {

namespace {

// What a worker keeps between the batches of the streamed load it runs.
struct StreamMemory {
    std::string bulk_id;
    // Rows are taken in physical order from just after the last row taken (a TID range scan: the
    // dead rows of the batches before are not read again); when nothing is left there, once more
    // from the table's start (rows staged into free space further up).
    ItemPointerData after{};
    ItemPointerData batch_start{};  // `after` before the batch in flight, should it roll back
    std::optional<std::vector<bool>> present;  // the staging table's optional columns, once checked
    SeenIds seen;  // (type, id) pairs consumed by this run, for the repeated-id warnings
};

StreamMemory memory;

std::string tid_text(const ItemPointerData &tid)
{
    return "(" + std::to_string(ItemPointerGetBlockNumberNoCheck(&tid)) + "," +
           std::to_string(ItemPointerGetOffsetNumberNoCheck(&tid)) + ")";
}

bool at_table_start(const ItemPointerData &tid)
{
    return ItemPointerGetBlockNumberNoCheck(&tid) == 0 && ItemPointerGetOffsetNumberNoCheck(&tid) == 0;
}

// The load may go on: its table exists with its columns, and its role may still submit and consume it.
void check_load_may_continue(const ClaimedTask &task, const StreamedLoad &load)
{
    if (load.source == InvalidOid)
        throw TaskCannotContinue("its staging table " + load.source_name + " was dropped");
    if (!may_write(task.submitted_by))
        throw TaskCannotContinue("the role that started the load no longer exists or is no longer a member of "
                                 "bulk_writer; the rows not consumed stay staged");
    bool may_consume = pg_call([&] {
        return pg_class_aclcheck(load.source, task.submitted_by, ACL_SELECT) == ACLCHECK_OK &&
               pg_class_aclcheck(load.source, task.submitted_by, ACL_DELETE) == ACLCHECK_OK;
    });
    if (!may_consume)
        throw TaskCannotContinue("the role that started the load may no longer SELECT and DELETE " +
                                 load.source_name + "; the rows not consumed stay staged");
    if (memory.present)
        return;
    try {
        memory.present = check_staging_shape(load.source, load.source_name, task.target);
    } catch (const SqlError &error) {
        throw TaskCannotContinue(error.what());
    }
}

// Deletes up to `limit` staged rows after memory.after, as the load's role, returning them (ctid first,
// then the staged columns). DELETE … RETURNING takes exactly the rows it deletes: a row a concurrent
// session updated or deleted meanwhile is skipped (its new version stays staged).
SpiResult delete_staged_rows(const ClaimedTask &task, const StreamedLoad &load, int32 limit)
{
    const std::string &table = load.source_name;
    std::string sql = "DELETE FROM " + table + " WHERE ctid OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT ctid FROM " +
                      table + " WHERE ctid OPERATOR(pg_catalog.>) $1::pg_catalog.text::pg_catalog.tid LIMIT $2)) " +
                      "RETURNING " + staged_select_list(task.target, *memory.present);
    // The table's triggers run here, in the worker, as the load's role: as in VACUUM running a table's index
    // functions, a restricted operation (no SET ROLE, no temporary objects) whose setting changes are undone,
    // so that they cannot change the worker's session.
    int settings_level = NewGUCNestLevel();
    Oid saved_user;
    int saved_context;
    GetUserIdAndSecContext(&saved_user, &saved_context);
    SetUserIdAndSecContext(task.submitted_by,
                           saved_context | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
    SpiResult rows = spi_execute(sql.c_str(), {text_arg(tid_text(memory.after)), int4_arg(limit)});
    pg_call([&] { AtEOXact_GUC(false, settings_level); });
    SetUserIdAndSecContext(saved_user, saved_context);
    return rows;
}

void advance_after(const SpiResult &rows)
{
    for (uint64 row = 0; row < rows.count(); ++row) {
        bool null = false;
        auto tid = reinterpret_cast<ItemPointer>(DatumGetPointer(rows.binary(row, 1, null)));
        if (ItemPointerCompare(tid, &memory.after) > 0)
            memory.after = *tid;
    }
}

// The valid operations stored as chunks of the task (at most operations_per_chunk each, numbered on
// from its operation count) and planned from them.
std::vector<PlannedOperation> store_and_plan(const JsonbReader &reader, const ClaimedTask &task,
                                             const std::vector<JsonNode> &valid)
{
    std::vector<PlannedOperation> planned;
    for (size_t begin = 0; begin < valid.size(); begin += operations_per_chunk) {
        size_t end = std::min(valid.size(), begin + operations_per_chunk);
        std::vector<JsonNode> part(valid.begin() + begin, valid.begin() + end);
        Jsonb *chunk = jsonb_array(part);
        int32 first = task.operation_count + static_cast<int32>(begin);
        insert_chunk(task.bulk_id, first, chunk);
        auto operations = plan_operations(reader.root(chunk), first, first, static_cast<int32>(part.size()),
                                          task.bulk_id);
        std::move(operations.begin(), operations.end(), std::back_inserter(planned));
    }
    return planned;
}

} // namespace

void begin_streamed_run(const ClaimedTask &task)
{
    if (memory.bulk_id != task.bulk_id) {
        memory.seen = SeenIds();
        memory.bulk_id = task.bulk_id;
    }
    ItemPointerSet(&memory.after, 0, 0);
    memory.present.reset();
}

void rewind_stream_batch()
{
    memory.after = memory.batch_start;
}

StreamBatch take_stream_batch(const JsonbReader &reader, const ClaimedTask &task, int32 limit)
{
    StreamBatch batch;
    std::optional<StreamedLoad> load = read_streamed_load(task.bulk_id);
    if (!load)
        throw TaskCannotContinue("its streamed load is not recorded in bulk.loads");
    check_load_may_continue(task, *load);
    memory.batch_start = memory.after;
    SpiResult rows = delete_staged_rows(task, *load, limit);
    if (rows.count() == 0 && !at_table_start(memory.after)) {
        ItemPointerSet(&memory.after, 0, 0);
        rows = delete_staged_rows(task, *load, limit);
    }
    if (rows.count() == 0) {
        batch.drained = true;
        return batch;
    }
    advance_after(rows);
    batch.consumed = static_cast<int64>(rows.count());
    batch.load_id = load->load_id;
    batch.report = load->counts;
    JsonNode operations = reader.root(staged_operations(rows.table(), rows.count(), task.target));
    TargetValidator validator(task.target);
    SortedRows sorted;
    sort_staged_rows(operations, rows.count(), validator.get(), memory.seen, batch.report, sorted);
    as_role(task.writer, [&] {
        insert_rejects(batch.load_id, sorted);
        batch.operations = store_and_plan(reader, task, sorted.valid);
    });
    return batch;
}

void record_stream_batch(const ClaimedTask &task, const StreamBatch &batch)
{
    int32 count = task.operation_count + static_cast<int32>(batch.operations.size());
    spi_execute_prepared("UPDATE bulk.tasks SET operation_count = $2, applied_count = $2 WHERE bulk_id = $1",
                         {text_arg(task.bulk_id), int4_arg(count)});
    add_streamed_batch(batch.load_id, batch.report, static_cast<int64>(batch.operations.size()));
    constexpr int64 progress_every = 100000;
    if ((batch.report.records - batch.consumed) / progress_every != batch.report.records / progress_every)
        log_task(task.bulk_id, "INFO",
                 "progress: " + std::to_string(batch.report.records) + " staged rows consumed, " +
                     std::to_string(count) + " operations applied");
}

} // namespace pg_bulk::pg
