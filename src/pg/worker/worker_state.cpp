// Shared memory of the worker, the commit-time wake-up of the worker, and the SQL functions that
// read or poke that state (bulk._worker_status, bulk._hint_cancel).
#include "pg/worker/worker_state.hpp"

#include <cstring>

#include "pg/bridge/pg_call.hpp"

extern "C" {
#include "commands/dbcommands.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"
}

namespace pg_bulk::pg {

namespace {
WorkerState *state = nullptr;
shmem_request_hook_type previous_request_hook = nullptr;
shmem_startup_hook_type previous_startup_hook = nullptr;
bool wake_pending = false;
bool hint_pending = false;  // this backend set the cancel hint in the current transaction
bool announce_pending = false;  // the current transaction ends a task

void request_shmem()
{
    if (previous_request_hook)
        previous_request_hook();
    RequestAddinShmemSpace(MAXALIGN(sizeof(WorkerState)));
}

void attach_shmem()
{
    if (previous_startup_hook)
        previous_startup_hook();
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    bool found = false;
    state = static_cast<WorkerState *>(ShmemInitStruct("pg_bulk worker", sizeof(WorkerState), &found));
    if (!found) {
        memset(state, 0, sizeof(WorkerState));
        SpinLockInit(&state->mutex);
        pg_atomic_init_u64(&state->tasks_ended, 0);
        ConditionVariableInit(&state->task_ended);
    }
    LWLockRelease(AddinShmemInitLock);
}

// Copies text into a fixed buffer, always terminated.
void copy_id(char *target, const char *source)
{
    strlcpy(target, source ? source : "", bulk_id_capacity);
}

// Clears the cancel hint this backend set, if it is still its own, when the cancel's transaction
// ends: committed, the task is CANCELLED; rolled back, the worker must go on.
void clear_own_hint()
{
    SpinLockAcquire(&state->mutex);
    state->cancel_hint[0] = '\0';
    SpinLockRelease(&state->mutex);
    hint_pending = false;
}

void on_transaction_event(XactEvent event, void *)
{
    bool ends = event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_COMMIT ||
                event == XACT_EVENT_PARALLEL_ABORT;
    if (event == XACT_EVENT_COMMIT && announce_pending && state) {
        pg_atomic_fetch_add_u64(&state->tasks_ended, 1);
        ConditionVariableBroadcast(&state->task_ended);
    }
    if (ends)
        announce_pending = false;
    if (ends && hint_pending && state)
        clear_own_hint();
    if (event == XACT_EVENT_COMMIT && wake_pending && state) {
        SpinLockAcquire(&state->mutex);
        Latch *latch = state->latch;
        SpinLockRelease(&state->mutex);
        if (latch)
            SetLatch(latch);
    }
    if (ends)
        wake_pending = false;
}
} // namespace

void request_worker_state()
{
    previous_request_hook = shmem_request_hook;
    shmem_request_hook = request_shmem;
    previous_startup_hook = shmem_startup_hook;
    shmem_startup_hook = attach_shmem;
}

WorkerState *worker_state()
{
    return state;
}

void wake_worker_at_commit()
{
    wake_pending = true;
}

void announce_task_end_at_commit()
{
    announce_pending = true;
}

void register_commit_wakeup()
{
    RegisterXactCallback(on_transaction_event, nullptr);
}

void publish_worker_started(Oid database)
{
    SpinLockAcquire(&state->mutex);
    state->pid = MyProcPid;
    state->database = database;
    state->latch = MyLatch;
    state->current_task[0] = '\0';
    state->operations_applied = 0;
    state->last_activity = GetCurrentTimestamp();
    SpinLockRelease(&state->mutex);
}

void publish_worker_stopped()
{
    if (!state)
        return;
    SpinLockAcquire(&state->mutex);
    state->pid = 0;
    state->latch = nullptr;
    state->current_task[0] = '\0';
    SpinLockRelease(&state->mutex);
}

void publish_progress(const char *bulk_id, int64 operations_applied)
{
    SpinLockAcquire(&state->mutex);
    copy_id(state->current_task, bulk_id);
    state->operations_applied = operations_applied;
    state->last_activity = GetCurrentTimestamp();
    SpinLockRelease(&state->mutex);
}

void publish_paused(bool paused)
{
    SpinLockAcquire(&state->mutex);
    state->paused = paused;
    SpinLockRelease(&state->mutex);
}

void publish_connecting(bool connecting)
{
    SpinLockAcquire(&state->mutex);
    state->connecting = connecting;
    SpinLockRelease(&state->mutex);
}

bool connection_failed()
{
    SpinLockAcquire(&state->mutex);
    bool failed = state->connecting;
    SpinLockRelease(&state->mutex);
    return failed;
}

bool cancel_requested_for(const char *bulk_id)
{
    SpinLockAcquire(&state->mutex);
    bool requested = strcmp(state->cancel_hint, bulk_id) == 0;
    SpinLockRelease(&state->mutex);
    return requested;
}

} // namespace pg_bulk::pg

using namespace pg_bulk::pg;

extern "C" {
PG_FUNCTION_INFO_V1(bulk_worker_status);
PG_FUNCTION_INFO_V1(bulk_hint_cancel);
PG_FUNCTION_INFO_V1(bulk_worker_preloaded);
PG_FUNCTION_INFO_V1(bulk_tasks_ended);
PG_FUNCTION_INFO_V1(bulk_wait_for_task_end);
PG_FUNCTION_INFO_V1(bulk_wake_worker);
PG_FUNCTION_INFO_V1(bulk_written_by_this_transaction);
}

// bulk._wake_worker() RETURNS void: sets the worker's latch when the calling transaction commits
// (bulk.resume: the worker takes the task up at once instead of at its next poll).
Datum bulk_wake_worker(PG_FUNCTION_ARGS)
{
    wake_worker_at_commit();
    PG_RETURN_VOID();
}

// bulk._written_by_this_transaction(row_xmin xid) RETURNS boolean: whether the row was inserted or last
// updated by the current transaction or one of its subtransactions (bulk.wait: a task no worker can see).
Datum bulk_written_by_this_transaction(PG_FUNCTION_ARGS)
{
    PG_RETURN_BOOL(TransactionIdIsCurrentTransactionId(DatumGetTransactionId(PG_GETARG_DATUM(0))));
}

// bulk._tasks_ended() RETURNS bigint: how many task ends have committed (0 without the preload).
Datum bulk_tasks_ended(PG_FUNCTION_ARGS)
{
    PG_RETURN_INT64(state ? static_cast<int64>(pg_atomic_read_u64(&state->tasks_ended)) : 0);
}

// bulk._wait_for_task_end(seen bigint, timeout_ms double precision) RETURNS void: sleeps until a task
// end commits after bulk._tasks_ended() returned `seen`, or the timeout passes. Without the preload
// it only sleeps.
Datum bulk_wait_for_task_end(PG_FUNCTION_ARGS)
{
    uint64 seen = static_cast<uint64>(PG_GETARG_INT64(0));
    double requested = PG_GETARG_FLOAT8(1);  // NaN and negative: no wait; at most an hour
    long timeout_ms = requested > 0 ? static_cast<long>(Min(requested, 3600000.0)) : 0;
    if (!state) {
        (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, timeout_ms, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();
        PG_RETURN_VOID();
    }
    TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), timeout_ms);
    ConditionVariablePrepareToSleep(&state->task_ended);
    while (pg_atomic_read_u64(&state->tasks_ended) == seen) {
        long remaining = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), deadline);
        if (remaining <= 0 || ConditionVariableTimedSleep(&state->task_ended, remaining, PG_WAIT_EXTENSION))
            break;
    }
    ConditionVariableCancelSleep();
    PG_RETURN_VOID();
}

// bulk._worker_preloaded() RETURNS boolean: whether a worker exists to apply tasks.
Datum bulk_worker_preloaded(PG_FUNCTION_ARGS)
{
    PG_RETURN_BOOL(state != nullptr);
}

// bulk._worker_status() RETURNS TABLE (pid int, database name, current_task text,
// operations_applied bigint, last_activity timestamptz, paused boolean): no rows when no worker runs.
Datum bulk_worker_status(PG_FUNCTION_ARGS)
{
    ReturnSetInfo *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    InitMaterializedSRF(fcinfo, 0);
    if (!state)
        return (Datum)0;
    SpinLockAcquire(&state->mutex);
    WorkerState copy = *state;
    SpinLockRelease(&state->mutex);
    if (copy.pid == 0)
        return (Datum)0;
    Datum values[6];
    bool nulls[6] = {false, false, false, false, false, false};
    values[0] = Int32GetDatum(copy.pid);
    char *database = get_database_name(copy.database);
    nulls[1] = database == nullptr;
    values[1] = database ? DirectFunctionCall1(namein, CStringGetDatum(database)) : 0;
    nulls[2] = copy.current_task[0] == '\0';
    values[2] = CStringGetTextDatum(copy.current_task);
    values[3] = Int64GetDatum(copy.operations_applied);
    values[4] = TimestampTzGetDatum(copy.last_activity);
    values[5] = BoolGetDatum(copy.paused);
    tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    return (Datum)0;
}

// bulk._hint_cancel(bulk_id text) RETURNS void (bulk.cancel, bulk.pause(bulk_id)): tells a running
// worker to stop this task after the operation in flight and to wait, instead of starting another
// batch, until the hinting transaction ends. Only a hint: the cancel or pause itself is the
// transactional update of bulk.tasks.
Datum bulk_hint_cancel(PG_FUNCTION_ARGS)
{
    if (state) {
        char *bulk_id = text_to_cstring(PG_GETARG_TEXT_PP(0));
        SpinLockAcquire(&state->mutex);
        copy_id(state->cancel_hint, bulk_id);
        SpinLockRelease(&state->mutex);
        hint_pending = true;
        announce_pending = true;  // the cancel may end the task (a spurious wake-up is harmless)
    }
    PG_RETURN_VOID();
}
