// The task lifecycle inside the worker: batches, finish, and the bookkeeping that makes a
// crash neither lose nor repeat an operation (the next operation to apply is stored in the same
// transaction as the effects and receipts of the operations before it). Consecutive small tasks
// are applied as a group in one batch transaction (docs/design.md, "Small tasks").
#include "pg/worker/task_runner.hpp"

#include <algorithm>
#include <iterator>
#include <optional>
#include <string>

#include "pg/bridge/identity.hpp"
#include "pg/bridge/jsonb_view.hpp"
#include "pg/bridge/pg_call.hpp"
#include "pg/bridge/spi.hpp"
#include "pg/bridge/subtransaction.hpp"
#include "pg/settings.hpp"
#include "pg/store/profile_cache.hpp"
#include "pg/store/schema_version.hpp"
#include "pg/store/task_group_store.hpp"
#include "pg/store/task_store.hpp"
#include "pg/triggers/stored_data_guard.hpp"
#include "pg/worker/batch_plan.hpp"
#include "pg/worker/relationship_batch.hpp"
#include "pg/worker/resource_batch.hpp"
#include "pg/worker/streamed_load.hpp"
#include "pg/worker/task_claim.hpp"
#include "pg/worker/task_end.hpp"
#include "pg/worker/worker_state.hpp"
#include "pg/worker/worker_transaction.hpp"

extern "C" {
#include "pgstat.h"
#include "postmaster/interrupt.h"
#include "storage/latch.h"
}

namespace pg_bulk::pg {

volatile sig_atomic_t stop_requested = 0;

namespace {

// Operations per transaction when applying one by one (each in a subtransaction): below the 64
// subtransactions PostgreSQL caches per snapshot.
constexpr int32 one_by_one_batch = 50;

// A task of a group with the operations it applies in the group's transaction.
struct GroupMember {
    ClaimedTask *task;
    std::vector<PlannedOperation> operations;
};

enum class BatchResult { Applied, Cancelled, Paused, Drained };

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

// The operations' effects, written as the extension's owner: no other role holds a write privilege on
// the stored tables (the submitter's right to submit is checked per batch, FORBIDDEN otherwise).
void apply_operations(const ClaimedTask &task, std::vector<PlannedOperation> &operations, const Catalog &definitions)
{
    as_role(task.writer, [&] {
        while_applying_task([&] {
            if (task.target == Target::Relationships)
                apply_relationship_batch(operations, definitions, definitions);
            else
                apply_resource_batch(operations, definitions);
        });
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

// The submitter may no longer submit: the operations get FORBIDDEN receipts and no effect.
void forbid(std::vector<PlannedOperation> &operations)
{
    for (PlannedOperation &operation : operations)
        operation.error = OperationError{ErrorType::Forbidden, "the role that submitted this task no longer exists or "
                                                               "is no longer a member of bulk_writer"};
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

// Locks the task's row (a concurrent bulk.cancel waits for this transaction, then sees its result) and
// reads where the task stands: nullopt when it goes on (from task.next, updated), else Cancelled (gone, ended,
// or the extension dropped) or Paused.
std::optional<BatchResult> lock_task(ClaimedTask &task)
{
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
    return std::nullopt;
}

// With the test delay on, a streamed load takes one staged row per batch, after the delay: tests can
// stage rows, cancel or stop it while it runs.
int32 stream_batch_limit(bool one_by_one)
{
    if (apply_delay_ms <= 0)
        return one_by_one ? one_by_one_batch : stream_batch_size;
    pg_call([] {
        (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, apply_delay_ms, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
    });
    return 1;
}

// The next batch of a streamed load, in the batch transaction: staged rows taken out of the staging
// table and applied, or Drained when none is left.
BatchResult apply_stream_batch(ClaimedTask &task, bool one_by_one)
{
    task.operation_count = task.next;
    JsonbReader reader;
    StreamBatch batch;
    try {
        batch = take_stream_batch(reader, task, stream_batch_limit(one_by_one));
    } catch (const PgError &error) {
        // The set-based attempt of this batch failed already: the staging table itself refuses its rows
        // (a trigger raising, a column changed), and would again. The load stops; its rows stay staged.
        if (!one_by_one)
            throw;
        throw TaskCannotContinue(std::string("its staged rows could not be taken: ") + error.what());
    }
    if (batch.drained)
        return BatchResult::Drained;
    if (!batch.operations.empty()) {
        auto definitions = catalog();
        if (one_by_one)
            apply_one_by_one(task, batch.operations, *definitions);
        else
            apply_operations(task, batch.operations, *definitions);
        insert_receipts(task.bulk_id, batch.operations);
    }
    record_stream_batch(task, batch);
    task.next = task.operation_count = task.next + static_cast<int32>(batch.operations.size());
    return BatchResult::Applied;
}

// Applies the next batch of `task`. `one_by_one` after the set-based attempt of this batch failed.
BatchResult apply_next_batch(ClaimedTask &task, bool one_by_one)
{
    wait_while_cancelling(task);
    return in_transaction([&] {
        if (auto stands = lock_task(task))
            return *stands;
        if (task.streamed)
            return apply_stream_batch(task, one_by_one);
        JsonbReader reader;
        auto planned = plan_batch(reader, task, one_by_one ? one_by_one_batch : batch_size);
        planned.resize(operations_to_take(task, planned.size()));
        if (planned.empty())
            return BatchResult::Applied;
        auto definitions = catalog();
        check_profiles_exist(task, planned, *definitions);
        if (!may_write(task.submitted_by)) {
            forbid(planned);
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
        if (task.streamed)
            rewind_stream_batch();
        pg_call([&] {
            ereport(LOG, (errmsg("pg_bulk: task %s: applying operations one by one from %d: %s",
                                 task.bulk_id.c_str(), task.next, error.data()->message)));
        });
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

// The task cannot go on (e.g. a definition it uses was dropped): its remaining operations fail.
RunResult fail_whole_task(const ClaimedTask &task, const TaskCannotContinue &reason)
{
    in_transaction([&] {
        fail_task(task.bulk_id, task.next, task.operation_count, reason.what());
        return 0;
    });
    publish_progress("", 0);
    return RunResult::Finished;
}

// Applies a claimed task batch by batch until it ends, the worker is asked to stop, or it is paused.
RunResult run_claimed_task(ClaimedTask &task)
{
    publish_progress(task.bulk_id.c_str(), 0);
    if (task.streamed)
        begin_streamed_run(task);
    int64 applied_here = 0;
    while (task.next < task.operation_count || task.streamed) {
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
            return fail_whole_task(task, reason);
        }
        if (result == BatchResult::Cancelled) {
            publish_progress("", 0);
            return RunResult::Finished;
        }
        if (result == BatchResult::Drained)
            break;
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

// ---- Atomic tasks (DESIGN §11): all of the task in one transaction, or nothing ----

// Thrown out of an atomic task's transaction to roll all of it back: `failure` is the operation that
// failed first (its seq and error, copied out of the transaction); without one, the task is left for later
// (`why`: a stop, a cancel or a pause).
struct AtomicRollback {
    std::optional<std::pair<int32, OperationError>> failure;
    std::string why;
};

// Applies every remaining operation of an atomic task, batch by batch, in one transaction; the first
// failing operation rolls it all back (AtomicRollback). `one_by_one`: each operation in a subtransaction,
// after the set-based attempt raised an error.
BatchResult apply_atomic(ClaimedTask &task, bool one_by_one)
{
    return in_transaction([&] {
        if (auto stands = lock_task(task))
            return *stands;
        auto definitions = catalog();
        bool allowed = may_write(task.submitted_by);
        ClaimedTask at = task;
        while (at.next < task.operation_count) {
            JsonbReader reader;
            auto planned = plan_batch(reader, at, one_by_one ? one_by_one_batch : batch_size);
            if (operations_to_take(at, planned.size()) < planned.size())
                throw AtomicRollback{std::nullopt, stop_requested ? "worker stopping (SIGTERM)" : "cancel requested"};
            check_profiles_exist(task, planned, *definitions);
            if (!allowed)
                forbid(planned);
            else if (one_by_one)
                apply_one_by_one(task, planned, *definitions);
            else
                apply_operations(task, planned, *definitions);
            if (const PlannedOperation *failed = first_failure(planned))
                throw AtomicRollback{std::make_pair(failed->seq, *failed->error), ""};
            insert_receipts(task.bulk_id, planned);
            at.next += static_cast<int32>(planned.size());
            publish_progress(task.bulk_id.c_str(), at.next);
            // A stop, or a session cancelling the task (it waits for this transaction), undoes it all.
            if (stop_requested && at.next < task.operation_count)
                throw AtomicRollback{std::nullopt, "worker stopping (SIGTERM)"};
            if (cancel_requested_for(task.bulk_id.c_str()) && at.next < task.operation_count)
                throw AtomicRollback{std::nullopt, "cancel requested"};
        }
        spi_execute_prepared("UPDATE bulk.tasks SET applied_count = $2 WHERE bulk_id = $1",
                             {text_arg(task.bulk_id), int4_arg(at.next)});
        task.next = at.next;
        return BatchResult::Applied;
    });
}

// Ends an atomic task whose operation `seq` failed: nothing of it was applied; that operation's receipt
// says why, every other is CANCELLED; the task is FAILURE.
void fail_atomic_task(const ClaimedTask &task, int32 seq, const OperationError &error)
{
    in_transaction([&] {
        SpiResult ended = spi_execute("UPDATE bulk.tasks SET status = 'FAILURE', finished_at = pg_catalog.clock_timestamp(), "
                                      "applied_count = operation_count WHERE bulk_id = $1 AND status = 'PENDING' RETURNING 1",
                                      {text_arg(task.bulk_id)});
        if (ended.count() == 0)
            return 0;
        insert_receipt_runs(task.bulk_id, atomic_failure_runs(task.operation_count, seq, error));
        log_task(task.bulk_id, "ERROR",
                 "failed: operation " + std::to_string(seq) + " failed (" + error_type_name(error.type) +
                     "), so nothing of this atomic task was applied");
        notify_task_end(task.bulk_id, Status::Failure);
        return 0;
    });
}

// Applies an atomic task whole, or fails it with nothing applied; a stop, pause or cancel leaves it as it was.
RunResult run_atomic_task(ClaimedTask &task)
{
    publish_progress(task.bulk_id.c_str(), 0);
    if (stop_requested || !reload_settings_if_asked()) {
        leave_task(task, stop_requested ? "worker stopping (SIGTERM)" : "paused (pg_bulk.enabled = off)");
        publish_progress("", 0);
        return RunResult::Stopped;
    }
    wait_while_cancelling(task);
    std::optional<AtomicRollback> rollback;
    BatchResult result = BatchResult::Applied;
    try {
        try {
            result = apply_atomic(task, false);
        } catch (const PgError &error) {
            pg_call([&] {
                ereport(LOG, (errmsg("pg_bulk: atomic task %s: applying its operations one by one: %s",
                                     task.bulk_id.c_str(), error.data()->message)));
            });
            result = apply_atomic(task, true);
        }
    } catch (AtomicRollback &caught) {
        rollback = std::move(caught);
    } catch (const TaskCannotContinue &reason) {
        return fail_whole_task(task, reason);
    }
    publish_progress("", 0);
    if (rollback && rollback->failure) {
        fail_atomic_task(task, rollback->failure->first, rollback->failure->second);
        return RunResult::Finished;
    }
    if (rollback || result == BatchResult::Paused) {
        leave_task(task, rollback ? rollback->why : "paused (bulk.pause)");
        return RunResult::Stopped;
    }
    if (result == BatchResult::Applied)
        finish_task(task);
    return RunResult::Finished;
}

std::vector<std::string> bulk_ids_of(const std::vector<ClaimedTask *> &tasks)
{
    std::vector<std::string> ids;
    for (const ClaimedTask *task : tasks)
        ids.push_back(task->bulk_id);
    return ids;
}

// Leaves tasks of a group for later (SIGTERM, pg_bulk.enabled = off, bulk.pause): in the current
// transaction.
void leave_tasks(const std::vector<ClaimedTask *> &tasks, const std::string &why)
{
    if (tasks.empty())
        return;
    std::vector<int32> next_operations;
    for (const ClaimedTask *task : tasks)
        next_operations.push_back(task->next);
    leave_group_tasks(bulk_ids_of(tasks), next_operations, why);
}

// Locks the group's tasks in queue order and reads where each stands: a task cancelled since the
// claim is dropped (its end was the cancel's), a paused one is left for later; the others are
// returned, in queue order, with their next operation.
std::vector<ClaimedTask *> lock_group(std::vector<ClaimedTask> &group)
{
    std::vector<std::string> ids;
    for (const ClaimedTask &task : group)
        ids.push_back(task.bulk_id);
    SpiResult rows = lock_group_tasks(ids, installed_schema.pauses);
    std::vector<ClaimedTask *> live, paused;
    size_t member = 0;
    for (uint64 row = 0; row < rows.count(); ++row) {
        while (group[member].bulk_id != rows.text(row, 1))
            ++member;
        ClaimedTask &task = group[member];
        if (status_from_name(rows.text(row, 2)) != Status::Pending)
            continue;
        task.next = rows.int4(row, 3);
        (rows.boolean(row, 4) ? paused : live).push_back(&task);
    }
    leave_tasks(paused, "paused (bulk.pause)");
    return live;
}

// Reads each task's remaining operations. A resource task whose profile was dropped fails alone.
std::vector<GroupMember> plan_group(const JsonbReader &reader, const std::vector<ClaimedTask *> &tasks,
                                    const Catalog &definitions)
{
    std::vector<GroupMember> members;
    for (ClaimedTask *task : tasks) {
        GroupMember member{task, plan_batch(reader, *task, task->operation_count - task->next)};
        try {
            check_profiles_exist(*task, member.operations, definitions);
        } catch (const TaskCannotContinue &reason) {
            fail_task(task->bulk_id, task->next, task->operation_count, reason.what());
            continue;
        }
        members.push_back(std::move(member));
    }
    return members;
}

// Applies the operations of the members whose submitters may still submit as one batch, in queue
// order (FORBIDDEN for the others, decided per task); each operation keeps its outcome in its member.
void apply_group_operations(std::vector<GroupMember> &members, const Catalog &definitions)
{
    std::vector<PlannedOperation> batch;
    std::vector<GroupMember *> applied;
    for (GroupMember &member : members) {
        if (!may_write(member.task->submitted_by)) {
            forbid(member.operations);
            continue;
        }
        applied.push_back(&member);
        std::move(member.operations.begin(), member.operations.end(), std::back_inserter(batch));
    }
    if (!batch.empty())
        apply_operations(*applied.front()->task, batch, definitions);
    auto outcome = batch.begin();
    for (GroupMember *member : applied)
        for (PlannedOperation &operation : member->operations)
            operation = std::move(*outcome++);
}

// One transaction for the whole group: effects, each task's receipts, and the end of every task.
void apply_group(std::vector<ClaimedTask> &group)
{
    in_transaction([&] {
        if (!extension_present())
            return 0;
        std::vector<ClaimedTask *> live = lock_group(group);
        JsonbReader reader;
        auto definitions = catalog();
        std::vector<GroupMember> members = plan_group(reader, live, *definitions);
        apply_group_operations(members, *definitions);
        std::vector<std::string> ended;
        for (const GroupMember &member : members) {
            insert_receipts(member.task->bulk_id, member.operations);
            ended.push_back(member.task->bulk_id);
        }
        finish_group_tasks(ended);
        return 0;
    });
}

// After the group's batch failed: its tasks one at a time, each with the one-by-one fallback of a
// failing batch. A stop or pause of the worker leaves the tasks not yet run.
RunResult run_tasks_one_at_a_time(std::vector<ClaimedTask> &group, const std::string &why)
{
    pg_call([&] {
        ereport(LOG, (errmsg("pg_bulk: a group of %zu tasks from task %s: applying them one at a time: %s",
                             group.size(), group.front().bulk_id.c_str(), why.c_str())));
    });
    for (size_t i = 0; i < group.size(); ++i) {
        if (run_claimed_task(group[i]) == RunResult::Stopped && (stop_requested || !worker_enabled)) {
            std::vector<ClaimedTask *> rest;
            for (size_t j = i + 1; j < group.size(); ++j)
                rest.push_back(&group[j]);
            in_transaction([&] {
                leave_tasks(rest, stop_requested ? "worker stopping (SIGTERM)" : "paused (pg_bulk.enabled = off)");
                return 0;
            });
            return RunResult::Stopped;
        }
    }
    return RunResult::Finished;
}

// The worker stops or pauses before applying a claimed group.
RunResult leave_group(std::vector<ClaimedTask> &group, const std::string &why)
{
    std::vector<ClaimedTask *> tasks;
    for (ClaimedTask &task : group)
        tasks.push_back(&task);
    in_transaction([&] {
        leave_tasks(tasks, why);
        return 0;
    });
    return RunResult::Stopped;
}

// Applies a group of consecutive small tasks in one batch transaction; when that fails, its tasks
// one at a time.
RunResult run_group(std::vector<ClaimedTask> &group)
{
    publish_progress(group.front().bulk_id.c_str(), 0);
    if (stop_requested || !reload_settings_if_asked()) {
        leave_group(group, stop_requested ? "worker stopping (SIGTERM)" : "paused (pg_bulk.enabled = off)");
        publish_progress("", 0);
        return RunResult::Stopped;
    }
    for (const ClaimedTask &task : group)
        wait_while_cancelling(task);
    // Why the group failed, copied out of the handler: its tasks then run outside of it.
    std::optional<std::string> failure;
    try {
        apply_group(group);
    } catch (const PgError &error) {
        failure = error.what();
    } catch (const TaskCannotContinue &reason) {
        failure = reason.what();
    }
    if (failure)
        return run_tasks_one_at_a_time(group, *failure);
    publish_progress("", 0);
    return RunResult::Finished;
}

} // namespace

RunResult run_next_task()
{
    std::vector<ClaimedTask> group;
    if (!claim_next_tasks(group))
        return RunResult::NoTask;
    // Released once the tasks' last transaction ended, however it ended.
    struct Release {
        ~Release() { release_claims(); }
    } release;
    publish_phase(WorkerPhase::Applying);
    if (group.front().atomic)
        return run_atomic_task(group.front());
    if (!is_small(group.front()))
        return run_claimed_task(group.front());
    return run_group(group);
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
