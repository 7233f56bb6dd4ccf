// An apply worker (DESIGN §6): started by the launcher (launcher.cpp) into a slot of shared memory,
// it connects to pg_bulk.database, waits on its latch (set by committing submitters, or by a worker
// that found more work than it took) or the poll interval, and applies the tasks it claims. It idles
// while the extension is absent, and waits for the database while it does not exist
// (database_wait.hpp). A worker other than the first exits once it has been idle for a while.
#include <algorithm>

#include "pg/bridge/pg_call.hpp"
#include "pg/settings.hpp"
#include "pg/worker/database_wait.hpp"
#include "pg/worker/task_runner.hpp"
#include "pg/worker/worker_state.hpp"

extern "C" {
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/backend_status.h"

PGDLLEXPORT void pg_bulk_worker_main(Datum argument);
}

namespace pg_bulk::pg {

namespace {

// How often finished tasks are purged, at most (more often when the retention itself is shorter).
constexpr long purge_interval_ms = 60 * 1000;
// An extra worker idle this long exits (the launcher starts one again when work comes).
constexpr long idle_exit_ms = 10 * 1000;

// SIGTERM: finish the operation in flight, commit, exit.
void handle_sigterm(SIGNAL_ARGS)
{
    int saved_errno = errno;
    stop_requested = 1;
    SetLatch(MyLatch);
    errno = saved_errno;
}

void on_worker_exit(int, Datum)
{
    detach_slot();
}

void wait_for_work()
{
    publish_phase(WorkerPhase::Idle);
    (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, poll_interval_ms, PG_WAIT_EXTENSION);
    ResetLatch(MyLatch);
    CHECK_FOR_INTERRUPTS();
    if (ConfigReloadPending) {
        ConfigReloadPending = false;
        ProcessConfigFile(PGC_SIGHUP);
    }
    publish_paused(!worker_enabled);
}

// The first worker purges, and stays when idle: the next task needs no start.
bool first_worker()
{
    return my_slot() == 0;
}

// One round of work; C++ errors are turned into a PostgreSQL error (FATAL in a worker: it exits,
// the launcher starts another, and the task's attempt counter bounds the retries).
RunResult work_once(TimestampTz &last_purge)
{
    PendingError pending;
    RunResult result = RunResult::NoTask;
    try {
        if (worker_enabled && !RecoveryInProgress()) {
            result = run_next_task();
            if (result == RunResult::NoTask && first_worker() &&
                TimestampDifferenceExceeds(last_purge, GetCurrentTimestamp(),
                                           std::min(purge_interval_ms, task_retention_s * 1000L))) {
                purge_finished_tasks();
                last_purge = GetCurrentTimestamp();
            }
        }
    } catch (...) {
        capture_exception(pending);
    }
    raise_pending(pending);
    return result;
}

} // namespace

} // namespace pg_bulk::pg

using namespace pg_bulk::pg;

void pg_bulk_worker_main(Datum argument)
{
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGTERM, handle_sigterm);
    BackgroundWorkerUnblockSignals();
    uint32 generation = 0;
    memcpy(&generation, MyBgworkerEntry->bgw_extra, sizeof(generation));
    if (!attach_slot(DatumGetInt32(argument), generation))
        proc_exit(0);  // a launcher that started since reserved the slot again
    on_shmem_exit(on_worker_exit, 0);
    if (connection_failed())
        wait_for_database();
    // Still set at the next start if the connection FATALs (e.g. the database does not exist).
    publish_connecting(true);
    BackgroundWorkerInitializeConnection(worker_database, nullptr, 0);
    publish_connecting(false);
    publish_database(MyDatabaseId);
    pgstat_report_appname("pg_bulk worker");
    // Nothing a user creates in another schema can shadow what the worker's statements call.
    SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_OVERRIDE);
    // Every batch statement joins one batch of keys (at most pg_bulk.batch_size) to an indexed table:
    // index lookups always win, but the planner's estimate of unnest() can pick a hash join that reads
    // the whole table once per batch, and statistics of a table that a first big task is filling
    // (not analyzed yet) make it scan the table once per key.
    SetConfigOption("enable_hashjoin", "off", PGC_SUSET, PGC_S_OVERRIDE);
    SetConfigOption("enable_mergejoin", "off", PGC_SUSET, PGC_S_OVERRIDE);
    SetConfigOption("enable_seqscan", "off", PGC_SUSET, PGC_S_OVERRIDE);
    // A sequential scan that remains (a small table without a usable index: the profiles read, the
    // purge) then costs over 10^10, far past jit_above_cost: compiling it would take tens of ms
    // for a statement that runs in microseconds.
    SetConfigOption("jit", "off", PGC_SUSET, PGC_S_OVERRIDE);
    publish_paused(!worker_enabled);
    ereport(LOG, (errmsg("pg_bulk worker started for database \"%s\"", worker_database)));

    TimestampTz last_purge = 0;
    TimestampTz last_work = GetCurrentTimestamp();
    while (!stop_requested) {
        pgstat_report_activity(STATE_RUNNING, "applying bulk tasks");
        RunResult result = work_once(last_purge);
        pgstat_report_activity(STATE_IDLE, nullptr);
        if (result == RunResult::Finished) {
            last_work = GetCurrentTimestamp();
            continue;  // look for the next task right away
        }
        if (stop_requested)
            break;
        bool surplus = my_slot() >= max_workers;  // pg_bulk.max_workers was lowered
        if (surplus || (!first_worker() && TimestampDifferenceExceeds(last_work, GetCurrentTimestamp(), idle_exit_ms)))
            proc_exit(0);
        wait_for_work();
    }
    // Exit non-zero: the launcher starts a worker again when the queue needs one (at shutdown it
    // stops too).
    proc_exit(1);
}
