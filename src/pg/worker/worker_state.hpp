// The worker's shared-memory state: who it is, what it is doing, and how sessions wake it.
// Exists only when pg_bulk is in shared_preload_libraries.
#pragma once

#include <string>

#include "pg/bridge/postgres.hpp"

extern "C" {
#include "port/atomics.h"
#include "storage/condition_variable.h"
}

namespace pg_bulk::pg {

constexpr int bulk_id_capacity = 64;

struct WorkerState {
    slock_t mutex;
    pid_t pid;                          // 0 when no worker runs
    Oid database;
    Latch *latch;                       // the worker's latch, for wake-ups
    char current_task[bulk_id_capacity];
    int64 operations_applied;           // by the current task, in this worker's lifetime
    TimestampTz last_activity;
    bool paused;                        // pg_bulk.enabled = off, as the worker last read it
    char cancel_hint[bulk_id_capacity]; // a task a session is cancelling: stop it early
    pg_atomic_uint64 tasks_ended;       // counts committed task ends, for bulk.wait
    ConditionVariable task_ended;       // broadcast after each of them
    bool connecting;                    // the worker is connecting to pg_bulk.database: still set at its
                                        // next start when that failed (the database is missing)
};

// Called from _PG_init while shared_preload_libraries are loaded.
void request_worker_state();
// The shared state, or nullptr when the library was not preloaded.
WorkerState *worker_state();

// Asks for the worker to be woken when the current transaction commits (a task was queued).
void wake_worker_at_commit();
// Registers the transaction callback behind wake_worker_at_commit (every backend, at load).
void register_commit_wakeup();

// Wakes the sessions waiting in bulk.wait when the current transaction commits (it ends a task).
void announce_task_end_at_commit();

// Worker side: publish identity and progress.
void publish_worker_started(Oid database);
void publish_worker_stopped();
void publish_progress(const char *bulk_id, int64 operations_applied);
void publish_paused(bool paused);
// Worker side: set before connecting to pg_bulk.database, cleared once connected (or once a waiting
// worker has seen the database exist); connection_failed() tells the next start that it is still set.
void publish_connecting(bool connecting);
bool connection_failed();
// True when a session is cancelling this task right now.
bool cancel_requested_for(const char *bulk_id);

} // namespace pg_bulk::pg
