// The extension's GUCs (DESIGN §9), defined at library load.
#pragma once

namespace pg_bulk::pg {

extern int max_operations;       // pg_bulk.max_operations
extern int max_request_bytes;    // pg_bulk.max_request_bytes
extern int max_atomic_operations; // pg_bulk.max_atomic_operations
extern char *worker_database;    // pg_bulk.database
extern int batch_size;           // pg_bulk.batch_size
extern int stream_batch_size;    // pg_bulk.stream_batch_size
extern int max_workers;          // pg_bulk.max_workers
extern int poll_interval_ms;     // pg_bulk.poll_interval
extern bool worker_enabled;      // pg_bulk.enabled
extern int task_retention_s;     // pg_bulk.task_retention
extern int apply_delay_ms;       // pg_bulk.test_apply_delay (tests only)

void define_settings();

} // namespace pg_bulk::pg
