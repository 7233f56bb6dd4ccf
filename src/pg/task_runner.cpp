// The task lifecycle inside the worker: claim, batches, finish, and the bookkeeping that makes a
// crash neither lose nor repeat an operation (the next operation to apply is stored in the same
// transaction as the effects and receipts of the operations before it).
#include "pg/task_runner.hpp"

#include <string>

#include "pg/batch_plan.hpp"
#include "pg/identity.hpp"
#include "pg/ids.hpp"
#include "pg/jsonb_view.hpp"
#include "pg/pg_call.hpp"
#include "pg/profile_cache.hpp"
#include "pg/relationship_batch.hpp"
#include "pg/resource_batch.hpp"
#include "pg/schema_version.hpp"
#include "pg/settings.hpp"
#include "pg/spi.hpp"
#include "pg/subtransaction.hpp"
#include "pg/task_store.hpp"
#include "pg/worker_state.hpp"

extern "C" {
#include "commands/extension.h"
#include "catalog/pg_extension.h"
#include "storage/lmgr.h"
#include "pgstat.h"
#include "postmaster/interrupt.h"
#include "storage/latch.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
}

namespace pg_bulk::pg {

volatile sig_atomic_t stop_requested = 0;

namespace {

// A task interrupted this many times (worker crashes while applying it) is failed, so one bad
// task cannot crash-loop the worker forever.
constexpr int max_attempts = 5;
// Operations per transaction when applying one by one (each in a subtransaction): below the 64
// subtransactions PostgreSQL caches per snapshot.
constexpr int32 one_by_one_batch = 50;

struct ClaimedTask {
    std::string bulk_id;
    Target target = Target::Resources;
    Oid submitted_by = InvalidOid;
    Oid writer = InvalidOid;  // the extension's owner, as whom the operations are applied
    int32 operation_count = 0;
    int32 next = 0;  // first operation without a final receipt
};

enum class BatchResult { Applied, Cancelled, Paused };

void begin_transaction()
{
    pg_call([] {
        SetCurrentStatementStartTimestamp();
        StartTransactionCommand();
        PushActiveSnapshot(GetTransactionSnapshot());
        SPI_connect();
    });
}

void commit_transaction()
{
    pg_call([] {
        SPI_finish();
        PopActiveSnapshot();
        CommitTransactionCommand();
        pgstat_report_stat(false);
    });
}

// Aborts the batch transaction and any subtransaction left open in it.
void abort_transaction()
{
    pg_call([] { AbortOutOfAnyTransaction(); });
}

// Runs `body` in its own transaction; an exception aborts the transaction and propagates. A PgError
// survives the abort: it owns its ErrorData outside the transaction's memory (pg_call.hpp).
template <typename Body>
auto in_transaction(Body &&body) -> decltype(body())
{
    begin_transaction();
    try {
        auto result = body();
        commit_transaction();
        return result;
    } catch (...) {
        abort_transaction();
        throw;
    }
}

// NOTIFY bulk_task, and wake the sessions in bulk.wait, when the transaction ending the task commits.
void notify_task_end(const std::string &bulk_id, Status status)
{
    announce_task_end_at_commit();
    spi_execute("SELECT pg_catalog.pg_notify('bulk_task', pg_catalog.jsonb_build_object('bulkId', $1::text, "
                "'status', $2::text)::text)",
                {text_arg(bulk_id), text_arg(status_name(status))});
}

std::string worker_name()
{
    return "worker pid " + std::to_string(MyProcPid);
}

// Ends a task that cannot be applied: every operation without a receipt gets FAILURE/INTERNAL.
void fail_task(const ClaimedTask &task, const std::string &why)
{
    if (task.next < task.operation_count)
        spi_execute("INSERT INTO bulk.operation_results (bulk_id, seq, last_seq, status, error) "
                    "VALUES ($1, $2, $3 - 1, 'FAILURE', pg_catalog.jsonb_build_object('code', 500, 'type', 'INTERNAL', "
                    "'message', $4::text))",
                    {text_arg(task.bulk_id), int4_arg(task.next), int4_arg(task.operation_count), text_arg(why)});
    spi_execute("UPDATE bulk.tasks SET status = 'FAILURE', finished_at = pg_catalog.clock_timestamp(), "
                "applied_count = operation_count WHERE bulk_id = $1",
                {text_arg(task.bulk_id)});
    log_task(task.bulk_id, "ERROR", "failed: " + why);
    notify_task_end(task.bulk_id, Status::Failure);
}

// Whether the extension exists in this database. Share-locks the extension object, which DROP
// EXTENSION locks before any of its tables: a concurrent drop either finished before (absent) or
// waits for this transaction, and never deadlocks with a batch's table locks.
bool extension_present()
{
    return pg_call([] {
        Oid extension = get_extension_oid("pg_bulk", true);
        if (!OidIsValid(extension))
            return false;
        LockDatabaseObject(ExtensionRelationId, extension, 0, AccessShareLock);
        return OidIsValid(get_extension_oid("pg_bulk", true));
    });
}

// While a session is cancelling this task, start no new batch: once its transaction ends the task
// is either CANCELLED or goes on.
void wait_while_cancelling(const ClaimedTask &task)
{
    while (cancel_requested_for(task.bulk_id.c_str()) && !stop_requested) {
        pg_call([] {
            (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 1, PG_WAIT_EXTENSION);
            ResetLatch(MyLatch);
            CHECK_FOR_INTERRUPTS();
        });
    }
}

// Takes the oldest pending task that is not paused, counting this attempt. Returns false when there
// is none (or the task had to be failed for too many attempts).
bool claim_next_task(ClaimedTask &task)
{
    return in_transaction([&] {
        if (!extension_present())
            return false;
        installed_schema = read_installed_schema();
        SpiResult rows = spi_execute(
            installed_schema.pauses
                ? "SELECT bulk_id, submitted_by::pg_catalog.oid, operation_count, applied_count, attempts, target "
                  "FROM bulk.tasks WHERE status = 'PENDING' AND paused_at IS NULL "
                  "AND NOT EXISTS (SELECT FROM bulk.global_pause) ORDER BY queue_position LIMIT 1 FOR UPDATE"
                : "SELECT bulk_id, submitted_by::pg_catalog.oid, operation_count, applied_count, attempts, target "
                  "FROM bulk.tasks WHERE status = 'PENDING' ORDER BY queue_position LIMIT 1 FOR UPDATE",
            {});
        if (rows.count() == 0)
            return false;
        task.bulk_id = rows.text(0, 1);
        task.submitted_by = rows.oid(0, 2);
        task.operation_count = rows.int4(0, 3);
        task.next = rows.int4(0, 4);
        int attempts = rows.int4(0, 5);
        task.target = target_from_name(rows.text(0, 6)).value();
        task.writer = extension_owner();
        if (attempts >= max_attempts) {
            fail_task(task, "the worker was interrupted " + std::to_string(attempts) +
                                " times while applying this task; giving up");
            return false;
        }
        spi_execute("UPDATE bulk.tasks SET attempts = attempts + 1, "
                    "started_at = coalesce(started_at, pg_catalog.clock_timestamp()) WHERE bulk_id = $1",
                    {text_arg(task.bulk_id)});
        if (attempts > 0)
            log_task(task.bulk_id, "WARNING",
                     "resumed at operation " + std::to_string(task.next) + " by " + worker_name() +
                         " after an interruption (attempt " + std::to_string(attempts + 1) + ")");
        else if (task.next > 0)
            log_task(task.bulk_id, "INFO", "resumed at operation " + std::to_string(task.next) + " by " + worker_name());
        else
            log_task(task.bulk_id, "INFO", "picked up by " + worker_name());
        return true;
    });
}

// The operations' effects, written as the extension's owner: no other role holds a write privilege on
// the stored tables (the submitter's right to submit is checked per batch, FORBIDDEN otherwise).
void apply_operations(const ClaimedTask &task, std::vector<PlannedOperation> &operations, const Catalog &definitions)
{
    as_role(task.writer, [&] {
        applying_task = true;
        try {
            if (task.target == Target::Relationships)
                apply_relationship_batch(operations, definitions);
            else
                apply_resource_batch(operations);
        } catch (...) {
            applying_task = false;
            throw;
        }
        applying_task = false;
    });
}

// A task whose resource type is no longer defined cannot go on (relationship batches check their
// definitions themselves).
void check_profiles_exist(const ClaimedTask &task, const std::vector<PlannedOperation> &operations,
                          const Catalog &definitions)
{
    if (task.target == Target::Relationships)
        return;
    for (const PlannedOperation &operation : operations)
        if (!definitions.find(operation.type))
            throw TaskCannotContinue("profile '" + operation.type + "' was dropped");
}

// One operation per subtransaction: a failing operation undoes only itself.
void apply_one_by_one(const ClaimedTask &task, std::vector<PlannedOperation> &operations, const Catalog &definitions)
{
    for (PlannedOperation &operation : operations) {
        std::vector<PlannedOperation> one(1, operation);
        if (auto failure = in_subtransaction([&] { apply_operations(task, one, definitions); }))
            operation.error = error_from_postgres(operation, *failure->data());
        else
            operation = one.front();
    }
}

// How many of the planned operations to apply now: all, unless the test delay is on, in which
// case a stop or cancel request is honoured after the operation in flight.
size_t operations_to_take(const ClaimedTask &task, size_t planned)
{
    if (apply_delay_ms <= 0)
        return planned;
    for (size_t i = 0; i < planned; ++i) {
        if (i > 0 && (stop_requested || cancel_requested_for(task.bulk_id.c_str())))
            return i;
        pg_call([] {
            (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, apply_delay_ms,
                            PG_WAIT_EXTENSION);
            ResetLatch(MyLatch);
        });
    }
    return planned;
}

// Reads the next `limit` operations of `task` (at most), from as many stored chunks as they span.
// The chunks stay detoasted in the batch transaction's memory, where the planned operations point.
std::vector<PlannedOperation> plan_batch(const JsonbReader &reader, const ClaimedTask &task, int32 limit)
{
    std::vector<PlannedOperation> planned;
    int32 end = std::min(task.operation_count, task.next + limit);
    for (int32 next = task.next; next < end;) {
        SpiResult chunk = spi_execute_prepared(
            "SELECT first_operation, operations FROM bulk.task_operations WHERE bulk_id = $1 AND first_operation <= $2 "
            "ORDER BY first_operation DESC LIMIT 1",
            {text_arg(task.bulk_id), int4_arg(next)});
        auto missing = [&] {
            return TaskCannotContinue("its stored operations from " + std::to_string(next) + " on are missing");
        };
        if (chunk.count() == 0)
            throw missing();
        int32 chunk_first = chunk.int4(0, 1);
        JsonNode operations = reader.root(chunk.jsonb(0, 2));
        int32 chunk_end = chunk_first + static_cast<int32>(operations.size());
        if (chunk_end <= next)  // the chunk ends before operation `next`: the loop could not advance
            throw missing();
        int32 count = std::min(chunk_end, end) - next;
        auto part = plan_operations(operations, chunk_first, next, count, task.bulk_id);
        planned.insert(planned.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
        next += count;
    }
    return planned;
}

// Applies the next batch of `task`. `one_by_one` after the set-based attempt of this batch failed.
BatchResult apply_next_batch(ClaimedTask &task, bool one_by_one)
{
    wait_while_cancelling(task);
    return in_transaction([&] {
        if (!extension_present())
            return BatchResult::Cancelled;
        SpiResult state = spi_execute_prepared(
            installed_schema.pauses ? "SELECT status, applied_count, paused_at IS NOT NULL OR EXISTS (SELECT FROM bulk.global_pause) "
                            "FROM bulk.tasks WHERE bulk_id = $1 FOR UPDATE"
                          : "SELECT status, applied_count, false FROM bulk.tasks WHERE bulk_id = $1 FOR UPDATE",
            {text_arg(task.bulk_id)});
        if (state.count() == 0 || status_from_name(state.text(0, 1)) != Status::Pending)
            return BatchResult::Cancelled;
        if (state.boolean(0, 3))
            return BatchResult::Paused;
        task.next = state.int4(0, 2);
        JsonbReader reader;
        auto planned = plan_batch(reader, task, one_by_one ? one_by_one_batch : batch_size);
        planned.resize(operations_to_take(task, planned.size()));
        if (planned.empty())
            return BatchResult::Applied;
        auto definitions = catalog();
        check_profiles_exist(task, planned, *definitions);
        if (!may_write(task.submitted_by)) {
            for (PlannedOperation &operation : planned)
                operation.error = OperationError{ErrorType::Forbidden,
                                                 "the role that submitted this task no longer exists or is no "
                                                 "longer a member of bulk_writer"};
        } else if (one_by_one) {
            apply_one_by_one(task, planned, *definitions);
        } else {
            apply_operations(task, planned, *definitions);
        }
        insert_receipts(task.bulk_id, planned);
        int32 applied = task.next + static_cast<int32>(planned.size());
        spi_execute_prepared("UPDATE bulk.tasks SET applied_count = $2 WHERE bulk_id = $1",
                             {text_arg(task.bulk_id), int4_arg(applied)});
        int32 total = task.operation_count;
        if (total > batch_size && (applied * 10 / total) > (task.next * 10 / total) && applied < total)
            log_task(task.bulk_id, "INFO",
                     "progress: " + std::to_string(applied) + " of " + std::to_string(total) + " operations applied");
        task.next = applied;
        return BatchResult::Applied;
    });
}

BatchResult apply_batch_with_fallback(ClaimedTask &task)
{
    try {
        return apply_next_batch(task, false);
    } catch (const PgError &error) {
        // A concurrent writer or an unexpected row: redo these operations one by one, so only the
        // failing one fails.
        ereport(LOG, (errmsg("pg_bulk: task %s: applying operations one by one from %d: %s", task.bulk_id.c_str(),
                             task.next, error.data()->message)));
        return apply_next_batch(task, true);
    }
}

void finish_task(const ClaimedTask &task)
{
    in_transaction([&] {
        SpiResult ended = spi_execute("UPDATE bulk.tasks SET status = 'SUCCESS', finished_at = pg_catalog.clock_timestamp() "
                                      "WHERE bulk_id = $1 AND status = 'PENDING' RETURNING 1",
                                      {text_arg(task.bulk_id)});
        if (ended.count() == 0)
            return 0;
        SpiResult counts = spi_execute("SELECT coalesce(sum(last_seq - seq + 1) FILTER (WHERE status = 'SUCCESS'), 0), "
                                       "coalesce(sum(last_seq - seq + 1) FILTER (WHERE status = 'FAILURE'), 0) "
                                       "FROM bulk.operation_results WHERE bulk_id = $1",
                                       {text_arg(task.bulk_id)});
        log_task(task.bulk_id, "INFO",
                 "finished: " + counts.text(0, 1) + " succeeded, " + counts.text(0, 2) + " failed");
        notify_task_end(task.bulk_id, Status::Success);
        return 0;
    });
}

// The worker stops (SIGTERM) or pauses (pg_bulk.enabled = off) between operations: this attempt
// does not count as an interruption.
void leave_task(const ClaimedTask &task, const std::string &why)
{
    in_transaction([&] {
        spi_execute("UPDATE bulk.tasks SET attempts = greatest(attempts - 1, 0) WHERE bulk_id = $1",
                    {text_arg(task.bulk_id)});
        log_task(task.bulk_id, "INFO", why + " after operation " + std::to_string(task.next) + "; it resumes later");
        return 0;
    });
}

bool reload_settings_if_asked()
{
    if (ConfigReloadPending) {
        ConfigReloadPending = false;
        pg_call([] { ProcessConfigFile(PGC_SIGHUP); });
        publish_paused(!worker_enabled);
    }
    return worker_enabled;
}

} // namespace

RunResult run_next_task()
{
    ClaimedTask task;
    if (!claim_next_task(task))
        return RunResult::NoTask;
    publish_progress(task.bulk_id.c_str(), 0);
    int64 applied_here = 0;
    while (task.next < task.operation_count) {
        if (stop_requested) {
            leave_task(task, "worker stopping (SIGTERM)");
            return RunResult::Stopped;
        }
        if (!reload_settings_if_asked()) {
            leave_task(task, "paused (pg_bulk.enabled = off)");
            publish_progress("", 0);
            return RunResult::Stopped;
        }
        int32 before = task.next;
        BatchResult result;
        try {
            result = apply_batch_with_fallback(task);
        } catch (const TaskCannotContinue &reason) {
            in_transaction([&] {
                fail_task(task, reason.what());
                return 0;
            });
            publish_progress("", 0);
            return RunResult::Finished;
        }
        if (result == BatchResult::Cancelled) {
            publish_progress("", 0);
            return RunResult::Finished;
        }
        if (result == BatchResult::Paused) {
            leave_task(task, "paused (bulk.pause)");
            publish_progress("", 0);
            return RunResult::Stopped;
        }
        applied_here += task.next - before;
        publish_progress(task.bulk_id.c_str(), applied_here);
    }
    finish_task(task);
    publish_progress("", 0);
    return RunResult::Finished;
}

void purge_finished_tasks()
{
    in_transaction([&] {
        if (!extension_present())
            return 0;
        spi_execute("WITH purged AS (DELETE FROM bulk.tasks WHERE status <> 'PENDING' "
                    "AND finished_at < pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) "
                    "pg_catalog.make_interval(secs => $1) RETURNING bulk_id) "
                    "DELETE FROM bulk.operation_results r USING purged p WHERE r.bulk_id OPERATOR(pg_catalog.=) p.bulk_id",
                    {int4_arg(task_retention_s)});
        spi_execute("DELETE FROM bulk.loads l WHERE l.loaded_at < pg_catalog.clock_timestamp() "
                    "OPERATOR(pg_catalog.-) pg_catalog.make_interval(secs => $1) "
                    "AND NOT EXISTS (SELECT 1 FROM bulk.tasks t WHERE t.bulk_id OPERATOR(pg_catalog.=) ANY (l.bulk_ids))",
                    {int4_arg(task_retention_s)});
        return 0;
    });
}

} // namespace pg_bulk::pg
