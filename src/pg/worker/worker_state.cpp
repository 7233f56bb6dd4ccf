// Shared memory of the launcher and the workers, the commit-time wake-up of a worker, and the SQL
// functions that read or poke that state (bulk._worker_status, bulk._waiting_tasks, bulk._hint_cancel).
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
int own_slot = -1;  // in a worker: its slot

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

WorkerSlot &slot_of_this_worker()
{
    Assert(own_slot >= 0);
    return state->slots[own_slot];
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
    if (event == XACT_EVENT_COMMIT && wake_pending && state)
        wake_for_work();
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

void wake_for_work()
{
    if (!state)
        return;
    // An idle worker, if there is one. Otherwise every busy worker (one that looked at the queue before
    // the new task committed and is about to wait then looks again at once) and, unless a worker is still
    // starting (it looks at the queue once up), the launcher for one more.
    Latch *latches[max_worker_slots + 1];
    int count = 0;
    bool idle = false, starting = false;
    SpinLockAcquire(&state->mutex);
    for (int i = 0; i < max_worker_slots && !idle; ++i) {
        const WorkerSlot &slot = state->slots[i];
        if (i == own_slot || slot.phase == WorkerPhase::Free)
            continue;
        starting = starting || slot.phase == WorkerPhase::Starting;
        if (!slot.latch)
            continue;
        idle = slot.phase == WorkerPhase::Idle;
        if (idle)
            count = 0;
        latches[count++] = slot.latch;
    }
    if (!idle && !starting) {
        state->more_workers_wanted = true;
        if (state->launcher_latch)
            latches[count++] = state->launcher_latch;
    }
    SpinLockRelease(&state->mutex);
    for (int i = 0; i < count; ++i)
        SetLatch(latches[i]);
}

void publish_launcher(Latch *latch)
{
    SpinLockAcquire(&state->mutex);
    state->launcher_latch = latch;
    SpinLockRelease(&state->mutex);
}

int reserve_slot(int limit, uint32 &generation)
{
    int reserved = -1;
    SpinLockAcquire(&state->mutex);
    for (int i = 0; i < Min(limit, max_worker_slots); ++i) {
        WorkerSlot &slot = state->slots[i];
        if (slot.phase != WorkerPhase::Free)
            continue;
        uint32 next_generation = slot.generation + 1;
        memset(&slot, 0, sizeof(slot));
        slot.phase = WorkerPhase::Starting;
        slot.generation = generation = next_generation;
        reserved = i;
        break;
    }
    SpinLockRelease(&state->mutex);
    return reserved;
}

void release_unstarted_slot(int slot, uint32 generation)
{
    SpinLockAcquire(&state->mutex);
    WorkerSlot &reserved = state->slots[slot];
    if (reserved.phase == WorkerPhase::Starting && reserved.generation == generation && reserved.pid == 0)
        reserved.phase = WorkerPhase::Free;
    SpinLockRelease(&state->mutex);
}

int workers_in_use()
{
    int in_use = 0;
    SpinLockAcquire(&state->mutex);
    for (const WorkerSlot &slot : state->slots)
        if (slot.phase != WorkerPhase::Free)
            ++in_use;
    SpinLockRelease(&state->mutex);
    return in_use;
}

bool take_more_workers_wanted()
{
    SpinLockAcquire(&state->mutex);
    bool wanted = state->more_workers_wanted;
    state->more_workers_wanted = false;
    SpinLockRelease(&state->mutex);
    return wanted;
}

bool attach_slot(int slot, uint32 generation)
{
    if (slot < 0 || slot >= max_worker_slots)
        return false;
    SpinLockAcquire(&state->mutex);
    WorkerSlot &reserved = state->slots[slot];
    bool ours = reserved.phase == WorkerPhase::Starting && reserved.generation == generation && reserved.pid == 0;
    if (ours) {
        reserved.pid = MyProcPid;
        reserved.latch = MyLatch;
        reserved.last_activity = GetCurrentTimestamp();
    }
    SpinLockRelease(&state->mutex);
    if (ours)
        own_slot = slot;
    return ours;
}

void publish_database(Oid database)
{
    SpinLockAcquire(&state->mutex);
    state->database = database;
    SpinLockRelease(&state->mutex);
}

void detach_slot()
{
    if (!state || own_slot < 0)
        return;
    SpinLockAcquire(&state->mutex);
    WorkerSlot &slot = slot_of_this_worker();
    slot.phase = WorkerPhase::Free;
    slot.pid = 0;
    slot.latch = nullptr;
    slot.claimed_count = 0;
    slot.current_task[0] = '\0';
    SpinLockRelease(&state->mutex);
    own_slot = -1;
}

int my_slot()
{
    return own_slot;
}

void publish_phase(WorkerPhase phase)
{
    SpinLockAcquire(&state->mutex);
    slot_of_this_worker().phase = phase;
    slot_of_this_worker().last_activity = GetCurrentTimestamp();
    SpinLockRelease(&state->mutex);
}

void publish_progress(const char *bulk_id, int64 operations_applied)
{
    SpinLockAcquire(&state->mutex);
    WorkerSlot &slot = slot_of_this_worker();
    copy_id(slot.current_task, bulk_id);
    slot.operations_applied = operations_applied;
    slot.last_activity = GetCurrentTimestamp();
    SpinLockRelease(&state->mutex);
}

void publish_paused(bool paused)
{
    SpinLockAcquire(&state->mutex);
    slot_of_this_worker().paused = paused;
    SpinLockRelease(&state->mutex);
}

void publish_claimed(const std::vector<int64> &positions)
{
    SpinLockAcquire(&state->mutex);
    WorkerSlot &slot = slot_of_this_worker();
    slot.claimed_count = static_cast<int>(Min(positions.size(), static_cast<size_t>(max_claimed_tasks)));
    for (int i = 0; i < slot.claimed_count; ++i)
        slot.claimed[i] = positions[i];
    SpinLockRelease(&state->mutex);
}

std::vector<int64> claimed_by_others()
{
    std::vector<int64> positions;
    SpinLockAcquire(&state->mutex);
    for (int i = 0; i < max_worker_slots; ++i) {
        const WorkerSlot &slot = state->slots[i];
        if (i == own_slot || slot.phase == WorkerPhase::Free)
            continue;
        positions.insert(positions.end(), slot.claimed, slot.claimed + slot.claimed_count);
    }
    SpinLockRelease(&state->mutex);
    return positions;
}

void publish_waiting(const std::vector<std::pair<std::string, std::string>> &waiting)
{
    int count = static_cast<int>(Min(waiting.size(), static_cast<size_t>(max_waiting_shown)));
    SpinLockAcquire(&state->mutex);
    state->waiting_count = count;
    for (int i = 0; i < count; ++i) {
        copy_id(state->waiting[i].bulk_id, waiting[i].first.c_str());
        copy_id(state->waiting[i].waits_for, waiting[i].second.c_str());
    }
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
PG_FUNCTION_INFO_V1(bulk_workers);
PG_FUNCTION_INFO_V1(bulk_waiting_tasks);
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

namespace {

const char *phase_name(WorkerPhase phase)
{
    switch (phase) {
    case WorkerPhase::Starting:
        return "starting";
    case WorkerPhase::Idle:
        return "idle";
    case WorkerPhase::Applying:
        return "applying";
    case WorkerPhase::Free:
        break;
    }
    return "stopped";
}

// One row per worker, as the SQL declaration asks: with a state column (0.3 on) or without (the
// declaration of 0.1 and 0.2, which a database keeps until ALTER EXTENSION pg_bulk UPDATE).
Datum worker_rows(FunctionCallInfo fcinfo, bool with_state)
{
    ReturnSetInfo *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    InitMaterializedSRF(fcinfo, 0);
    if (!state)
        return (Datum)0;
    SpinLockAcquire(&state->mutex);
    Oid database = state->database;
    WorkerSlot slots[max_worker_slots];
    memcpy(slots, state->slots, sizeof(slots));
    SpinLockRelease(&state->mutex);
    char *database_name = get_database_name(database);
    for (const WorkerSlot &slot : slots) {
        if (slot.phase == WorkerPhase::Free || slot.pid == 0)
            continue;
        Datum values[7];
        bool nulls[7] = {false, false, false, false, false, false, false};
        int column = 0;
        values[column++] = Int32GetDatum(slot.pid);
        nulls[column] = database_name == nullptr;
        values[column++] = database_name ? DirectFunctionCall1(namein, CStringGetDatum(database_name)) : 0;
        if (with_state)
            values[column++] = CStringGetTextDatum(phase_name(slot.phase));
        nulls[column] = slot.current_task[0] == '\0';
        values[column++] = CStringGetTextDatum(slot.current_task);
        values[column++] = Int64GetDatum(slot.operations_applied);
        values[column++] = TimestampTzGetDatum(slot.last_activity);
        values[column++] = BoolGetDatum(slot.paused);
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
    return (Datum)0;
}

} // namespace

// bulk._worker_status() RETURNS TABLE (pid int, database name, state text, current_task text,
// operations_applied bigint, last_activity timestamptz, paused boolean): a row per running worker.
Datum bulk_workers(PG_FUNCTION_ARGS)
{
    return worker_rows(fcinfo, true);
}

// The same without the state column: bulk._worker_status() as 0.1 and 0.2 declare it.
Datum bulk_worker_status(PG_FUNCTION_ARGS)
{
    return worker_rows(fcinfo, false);
}

// bulk._waiting_tasks() RETURNS TABLE (bulk_id text, waits_for text): the tasks the last claim found
// held back by an earlier or running task they conflict with, and one such task (bulk.queue).
Datum bulk_waiting_tasks(PG_FUNCTION_ARGS)
{
    ReturnSetInfo *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    InitMaterializedSRF(fcinfo, 0);
    if (!state)
        return (Datum)0;
    SpinLockAcquire(&state->mutex);
    int count = state->waiting_count;
    WaitingTask waiting[max_waiting_shown];
    memcpy(waiting, state->waiting, sizeof(WaitingTask) * count);
    SpinLockRelease(&state->mutex);
    for (int i = 0; i < count; ++i) {
        Datum values[2] = {CStringGetTextDatum(waiting[i].bulk_id), CStringGetTextDatum(waiting[i].waits_for)};
        bool nulls[2] = {false, false};
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
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
