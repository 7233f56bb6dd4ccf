// The workers' shared-memory state: the launcher, a slot per apply worker (who it is, what it is
// doing, which tasks it has taken up), the tasks held back and what they wait for, and how sessions
// wake a worker. Exists only when pg_bulk is in shared_preload_libraries.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "pg/bridge/postgres.hpp"

extern "C" {
#include "port/atomics.h"
#include "storage/condition_variable.h"
}

namespace pg_bulk::pg {

constexpr int bulk_id_capacity = 64;
// pg_bulk.max_workers is at most this.
constexpr int max_worker_slots = 32;
// Tasks one worker applies at once (a group of small tasks).
constexpr int max_claimed_tasks = 256;
// Held-back tasks bulk.queue can name the blocker of.
constexpr int max_waiting_shown = 64;

enum class WorkerPhase : uint8 { Free, Starting, Idle, Applying };

struct WorkerSlot {
    WorkerPhase phase;
    uint32 generation;  // bumped each time the launcher reserves the slot
    pid_t pid;
    Latch *latch;
    char current_task[bulk_id_capacity];
    int64 operations_applied;  // by the current task, in this worker's lifetime
    TimestampTz last_activity;
    bool paused;  // pg_bulk.enabled = off, as the worker last read it
    int claimed_count;
    int64 claimed[max_claimed_tasks];  // queue positions of the tasks it has taken up
};

struct WaitingTask {
    char bulk_id[bulk_id_capacity];
    char waits_for[bulk_id_capacity];
};

struct WorkerState {
    slock_t mutex;
    Oid database;
    Latch *launcher_latch;
    bool more_workers_wanted;           // asked of the launcher: a task may start and no worker is idle
    char cancel_hint[bulk_id_capacity]; // a task a session is cancelling: stop it early
    pg_atomic_uint64 tasks_ended;       // counts committed task ends, for bulk.wait
    ConditionVariable task_ended;       // broadcast after each of them
    bool connecting;                    // a worker is connecting to pg_bulk.database: still set at the next
                                        // start when that failed (the database is missing)
    WorkerSlot slots[max_worker_slots];
    int waiting_count;                  // as the last claim saw the queue
    WaitingTask waiting[max_waiting_shown];
};

// Called from _PG_init while shared_preload_libraries are loaded.
void request_worker_state();

// Sessions: wake a worker when the current transaction commits (a task was queued or resumed).
void wake_worker_at_commit();
// Registers the transaction callback behind wake_worker_at_commit (every backend, at load).
void register_commit_wakeup();
// Wakes the sessions waiting in bulk.wait when the current transaction commits (it ends a task).
void announce_task_end_at_commit();
// Wakes an idle worker, or, when none is idle, asks the launcher for one more.
void wake_for_work();

// Launcher side.
void publish_launcher(Latch *latch);
// Reserves the lowest free slot below `limit` for a worker about to start: its index, or -1.
int reserve_slot(int limit, uint32 &generation);
// Frees a reserved slot whose worker never started (still Starting, same generation).
void release_unstarted_slot(int slot, uint32 generation);
// Slots in use (starting or running).
int workers_in_use();
// Whether more workers were asked for since the last call.
bool take_more_workers_wanted();

// Worker side: the slot the launcher reserved, taken up at start (false: it is not ours any more).
bool attach_slot(int slot, uint32 generation);
// The database the workers serve (bulk.workers), once connected.
void publish_database(Oid database);
void detach_slot();
int my_slot();
void publish_phase(WorkerPhase phase);
void publish_progress(const char *bulk_id, int64 operations_applied);
void publish_paused(bool paused);
// The tasks this worker has taken up (their queue positions), and their release once they ended.
void publish_claimed(const std::vector<int64> &positions);
// Queue positions of the tasks the other workers have taken up.
std::vector<int64> claimed_by_others();
// The held-back tasks of the last claim, and a task each waits for (the first max_waiting_shown).
void publish_waiting(const std::vector<std::pair<std::string, std::string>> &waiting);
// Set before connecting to pg_bulk.database, cleared once connected (or once a waiting worker has
// seen the database exist); connection_failed() tells the next worker that it is still set.
void publish_connecting(bool connecting);
bool connection_failed();
// True when a session is cancelling this task right now.
bool cancel_requested_for(const char *bulk_id);

} // namespace pg_bulk::pg
