// The launcher (DESIGN §6, §9): registered at server start when pg_bulk is preloaded, it keeps at
// least one apply worker running for pg_bulk.database and starts more, up to pg_bulk.max_workers, as
// dynamic background workers when a session or a worker asks for one (a task may start and no
// worker is idle). Workers stop by themselves when idle (worker.cpp). The launcher connects to no
// database: it only reads and writes the workers' shared memory.
#include "pg/bridge/postgres.hpp"
#include "pg/settings.hpp"
#include "pg/worker/worker_state.hpp"

extern "C" {
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

PGDLLEXPORT void pg_bulk_launcher_main(Datum argument);
}

namespace pg_bulk::pg {

namespace {

// The workers this launcher started and has not seen stop.
struct Started {
    BackgroundWorkerHandle *handle = nullptr;
    uint32 generation = 0;
};
Started started[max_worker_slots];
// A refused registration (max_worker_processes reached) is logged once until one succeeds again.
bool refusal_logged = false;

// Frees the slots of workers that stopped before taking their slot up (a worker that started frees
// its own slot when it exits).
void reap_stopped_workers()
{
    for (int slot = 0; slot < max_worker_slots; ++slot) {
        if (!started[slot].handle)
            continue;
        pid_t pid;
        if (GetBackgroundWorkerPid(started[slot].handle, &pid) != BGWH_STOPPED)
            continue;
        release_unstarted_slot(slot, started[slot].generation);
        pfree(started[slot].handle);
        started[slot].handle = nullptr;
    }
}

bool start_worker()
{
    uint32 generation = 0;
    int slot = reserve_slot(max_workers, generation);
    if (slot < 0)
        return false;
    BackgroundWorker worker = {};
    worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
    worker.bgw_restart_time = BGW_NEVER_RESTART;
    strlcpy(worker.bgw_library_name, "pg_bulk", BGW_MAXLEN);
    strlcpy(worker.bgw_function_name, "pg_bulk_worker_main", BGW_MAXLEN);
    strlcpy(worker.bgw_name, "pg_bulk worker", BGW_MAXLEN);
    strlcpy(worker.bgw_type, "pg_bulk worker", BGW_MAXLEN);
    worker.bgw_main_arg = Int32GetDatum(slot);
    memcpy(worker.bgw_extra, &generation, sizeof(generation));
    worker.bgw_notify_pid = MyProcPid;
    BackgroundWorkerHandle *handle = nullptr;
    if (!RegisterDynamicBackgroundWorker(&worker, &handle)) {
        release_unstarted_slot(slot, generation);
        if (!refusal_logged)
            ereport(WARNING, (errmsg("pg_bulk launcher: could not start a worker: no background worker slot left"),
                              errhint("Raise max_worker_processes above pg_bulk.max_workers plus one.")));
        refusal_logged = true;
        return false;
    }
    refusal_logged = false;
    if (started[slot].handle)
        pfree(started[slot].handle);
    started[slot] = Started{handle, generation};
    return true;
}

// At least one worker; one more when asked, up to pg_bulk.max_workers.
void start_needed_workers()
{
    reap_stopped_workers();
    int in_use = workers_in_use();
    bool wanted = take_more_workers_wanted();
    if (in_use == 0 || (wanted && in_use < max_workers))
        (void)start_worker();
}

} // namespace

void register_launcher()
{
    BackgroundWorker launcher = {};
    launcher.bgw_flags = BGWORKER_SHMEM_ACCESS;
    launcher.bgw_start_time = BgWorkerStart_RecoveryFinished;
    launcher.bgw_restart_time = 1;
    strlcpy(launcher.bgw_library_name, "pg_bulk", BGW_MAXLEN);
    strlcpy(launcher.bgw_function_name, "pg_bulk_launcher_main", BGW_MAXLEN);
    strlcpy(launcher.bgw_name, "pg_bulk launcher", BGW_MAXLEN);
    strlcpy(launcher.bgw_type, "pg_bulk launcher", BGW_MAXLEN);
    RegisterBackgroundWorker(&launcher);
}

} // namespace pg_bulk::pg

using namespace pg_bulk::pg;

void pg_bulk_launcher_main(Datum)
{
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
    BackgroundWorkerUnblockSignals();
    publish_launcher(MyLatch);
    ereport(LOG, (errmsg("pg_bulk launcher started (at most %d workers)", max_workers)));
    while (!ShutdownRequestPending) {
        if (ConfigReloadPending) {
            ConfigReloadPending = false;
            ProcessConfigFile(PGC_SIGHUP);
        }
        start_needed_workers();
        // Woken by sessions and workers asking for a worker, and by the postmaster when a worker it
        // started stops (bgw_notify_pid).
        (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, poll_interval_ms, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
    }
    publish_launcher(nullptr);
    // Non-zero: a SIGTERM outside shutdown brings the launcher back a second later.
    proc_exit(1);
}
