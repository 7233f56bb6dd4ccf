// The worker's wait for a missing pg_bulk.database (database_wait.hpp). Plain PostgreSQL calls run
// straight from the worker's entry: no C++ object with a destructor lives in these frames, and an
// error is FATAL here (the worker is restarted and waits again).
#include "pg/worker/database_wait.hpp"

#include <algorithm>

#include "pg/bridge/postgres.hpp"
#include "pg/settings.hpp"
#include "pg/worker/task_runner.hpp"
#include "pg/worker/worker_state.hpp"

extern "C" {
#include "access/heapam.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_database.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/backend_status.h"
#include "utils/fmgroids.h"
#include "utils/snapmgr.h"
}

namespace pg_bulk::pg {

namespace {

constexpr long first_delay_ms = 1000;
constexpr long longest_delay_ms = 60 * 1000;

// A heap scan of pg_database, like the autovacuum launcher's: with no database selected the relcache
// cannot open pg_database's indexes (get_database_oid would FATAL). A fresh transaction each time, so
// the catalog snapshot sees a database created since the last look; the transaction snapshot sets
// this process's xmin, which reading heap pages needs.
bool database_exists(const char *name)
{
    StartTransactionCommand();
    (void)GetTransactionSnapshot();
    Relation databases = table_open(DatabaseRelationId, AccessShareLock);
    ScanKeyData key;
    ScanKeyInit(&key, Anum_pg_database_datname, BTEqualStrategyNumber, F_NAMEEQ, CStringGetDatum(name));
    TableScanDesc scan = table_beginscan_catalog(databases, 1, &key);
    bool exists = heap_getnext(scan, ForwardScanDirection) != nullptr;
    table_endscan(scan);
    table_close(databases, AccessShareLock);
    CommitTransactionCommand();
    return exists;
}

} // namespace

void wait_for_database()
{
    BackgroundWorkerInitializeConnection(nullptr, nullptr, 0);
    pgstat_report_appname("pg_bulk worker");
    long delay_ms = first_delay_ms;
    bool announced = false;
    while (!stop_requested) {
        if (database_exists(worker_database)) {
            publish_connecting(false);
            ereport(LOG, (errmsg("pg_bulk worker: database \"%s\" exists now; restarting to connect to it",
                                 worker_database)));
            break;
        }
        if (!announced) {
            ereport(LOG, (errmsg("pg_bulk worker: database \"%s\" does not exist; waiting for it to be created",
                                 worker_database)));
            pgstat_report_activity(STATE_IDLE, "waiting for pg_bulk.database to be created");
            announced = true;
        }
        (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, delay_ms, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();
        delay_ms = std::min(delay_ms * 2, longest_delay_ms);
    }
    // Non-zero: restarted a second later, connecting to the database (or, after a SIGTERM while it is
    // still missing, waiting again).
    proc_exit(1);
}

} // namespace pg_bulk::pg
