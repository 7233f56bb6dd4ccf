// GUC definitions. The request limits are PGC_SUSET: a superuser may raise them per session. The
// worker's settings are read on SIGHUP (pg_bulk.database only at server start).
#include "pg/settings.hpp"

#include <climits>

#include "pg/bridge/postgres.hpp"

extern "C" {
#include "miscadmin.h"
}

namespace pg_bulk::pg {

int max_operations = 10000;
int max_request_bytes = 64 * 1024 * 1024;
int max_atomic_operations = 10000;
char *worker_database = nullptr;
int batch_size = 1000;
int stream_batch_size = 5000;
int max_workers = 4;
int poll_interval_ms = 1000;
bool worker_enabled = true;
int task_retention_s = 7 * 24 * 3600;
int apply_delay_ms = 0;

void define_settings()
{
    DefineCustomIntVariable("pg_bulk.max_operations", "Most operations one bulk request may hold.", nullptr,
                            &max_operations, 10000, 1, INT_MAX, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    // An atomic request is applied in one transaction: this bounds its locks, WAL and memory.
    DefineCustomIntVariable("pg_bulk.max_atomic_operations", "Most operations one atomic bulk request may hold.",
                            nullptr, &max_atomic_operations, 10000, 1, INT_MAX, PGC_SUSET, 0, nullptr, nullptr,
                            nullptr);
    DefineCustomIntVariable("pg_bulk.max_request_bytes", "Largest bulk request accepted, in bytes of jsonb.", nullptr,
                            &max_request_bytes, 64 * 1024 * 1024, 1024, INT_MAX, PGC_SUSET, GUC_UNIT_BYTE, nullptr,
                            nullptr, nullptr);
    // A postmaster setting can only be defined while preloading; without the preload there is no
    // worker for it to configure.
    if (process_shared_preload_libraries_in_progress)
        DefineCustomStringVariable("pg_bulk.database", "Database whose bulk tasks the background worker applies.",
                                   nullptr, &worker_database, "postgres", PGC_POSTMASTER, 0, nullptr, nullptr,
                                   nullptr);
    DefineCustomIntVariable("pg_bulk.batch_size", "Operations the worker commits together.", nullptr, &batch_size,
                            1000, 1, 100000, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
    // A streamed load's batch also deletes its staged rows and writes its chunk: larger batches spread each
    // commit's WAL flush over more rows (the load conflicts with every task anyway, so its locks hold back
    // nothing else).
    DefineCustomIntVariable("pg_bulk.stream_batch_size", "Staged rows a streamed load takes per transaction.",
                            nullptr, &stream_batch_size, 5000, 1, 100000, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
    // At most the slots of shared memory (worker_state.hpp); each worker also takes one of the server's
    // max_worker_processes, as does the launcher.
    DefineCustomIntVariable("pg_bulk.max_workers", "Most apply workers that run at once.", nullptr, &max_workers, 4, 1,
                            32, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable("pg_bulk.poll_interval", "How often the worker looks for tasks when not woken.", nullptr,
                            &poll_interval_ms, 1000, 10, 3600 * 1000, PGC_SIGHUP, GUC_UNIT_MS, nullptr, nullptr,
                            nullptr);
    DefineCustomBoolVariable("pg_bulk.enabled", "Whether the worker applies tasks (submissions always queue).",
                             nullptr, &worker_enabled, true, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable("pg_bulk.task_retention", "How long finished tasks are kept before the worker purges them.",
                            nullptr, &task_retention_s, 7 * 24 * 3600, 0, INT_MAX, PGC_SIGHUP, GUC_UNIT_S, nullptr,
                            nullptr, nullptr);
    DefineCustomIntVariable("pg_bulk.test_apply_delay",
                            "Tests only: the worker sleeps this long before each operation.", nullptr, &apply_delay_ms,
                            0, 0, 60000, PGC_SIGHUP, GUC_UNIT_MS | GUC_NOT_IN_SAMPLE, nullptr, nullptr, nullptr);
    MarkGUCPrefixReserved("pg_bulk");
}

} // namespace pg_bulk::pg
