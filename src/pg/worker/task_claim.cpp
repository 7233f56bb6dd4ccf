#include "pg/worker/task_claim.hpp"

#include <algorithm>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "core/claim_choice.hpp"
#include "pg/bridge/identity.hpp"
#include "pg/bridge/spi.hpp"
#include "pg/bridge/sql_arrays.hpp"
#include "pg/settings.hpp"
#include "pg/store/schema_version.hpp"
#include "pg/store/task_group_store.hpp"
#include "pg/store/task_store.hpp"
#include "pg/worker/task_end.hpp"
#include "pg/worker/worker_state.hpp"
#include "pg/worker/worker_transaction.hpp"

namespace pg_bulk::pg {

namespace {

// A task interrupted this many times (worker crashes while applying it) is failed, so one bad
// task cannot crash-loop the worker forever.
constexpr int max_attempts = 5;
// Pending tasks a claim looks at, from the head of the queue: a task further back waits (its order is
// kept; only its start is later). The window also ends where the summaries of the tasks in it reach
// claim_window_bytes (4M keys): a worker reads and checks them at every claim.
constexpr int claim_window = 1000;
constexpr int64 claim_window_bytes = 32 * 1024 * 1024;

// The summaries of the tasks a claim saw, kept while they stay queued: a large task's is read once.
std::unordered_map<std::string, std::shared_ptr<const TaskTouches>> touches_cache;

const TaskTouches &unknown_touches()
{
    static const TaskTouches unknown = [] {
        TaskTouches touches;
        touches.everything = true;
        return touches;
    }();
    return unknown;
}

struct QueueRow {
    ClaimedTask task;
    uint32 role = 0;
    int attempts = 0;
    bool paused = false;
    bool has_touches = false;
    int64 touches_bytes = 0;
    bool running = false;  // taken up by another worker
};

QueueRow row_of(const SpiResult &rows, uint64 row)
{
    QueueRow queued;
    ClaimedTask &task = queued.task;
    task.bulk_id = rows.text(row, 1);
    task.submitted_by = rows.oid(row, 2);
    task.operation_count = rows.int4(row, 3);
    task.next = rows.int4(row, 4);
    queued.attempts = rows.int4(row, 5);
    task.resumed = queued.attempts > 0;
    task.target = target_from_name(rows.text(row, 6)).value();
    task.queue_position = rows.int8(row, 7);
    queued.paused = rows.boolean(row, 8);
    queued.has_touches = rows.boolean(row, 9);
    task.streamed = rows.boolean(row, 10);
    queued.touches_bytes = queued.has_touches ? rows.int8(row, 11) : 0;
    task.atomic = rows.boolean(row, 12);
    queued.role = task.submitted_by;
    return queued;
}

std::string queue_columns()
{
    return std::string("bulk_id, submitted_by::pg_catalog.oid, operation_count, applied_count, attempts, target, "
                       "queue_position, ") +
           (installed_schema.pauses ? "paused_at IS NOT NULL, " : "false, ") +
           (installed_schema.touches ? "touches IS NOT NULL, " : "false, ") +
           (installed_schema.streamed_loads ? "load_id IS NOT NULL, " : "false, ") +
           (installed_schema.touches ? "pg_catalog.octet_length(touches)::pg_catalog.int8" : "0::pg_catalog.int8") + ", " +
           (installed_schema.atomic ? "atomic" : "false");
}

// The head of the queue, and the tasks other workers run that it does not hold (they may have ended
// since: they still count as running until their worker releases them), in queue order.
std::vector<QueueRow> read_queue(const std::vector<int64> &running)
{
    std::vector<QueueRow> queue;
    std::string head = "SELECT " + queue_columns() +
                       " FROM bulk.tasks WHERE status = 'PENDING' ORDER BY queue_position LIMIT " +
                       std::to_string(claim_window);
    SpiResult rows = spi_execute(head.c_str(), {});
    int64 bytes = 0;
    for (uint64 row = 0; row < rows.count(); ++row) {
        queue.push_back(row_of(rows, row));
        bytes += queue.back().touches_bytes;
        if (bytes >= claim_window_bytes)
            break;  // (octet_length of the stored summary reads its TOAST pointer, not the summary)
    }
    std::unordered_set<int64> seen;
    for (const QueueRow &queued : queue)
        seen.insert(queued.task.queue_position);
    ArrayBuilder missing(TEXTOID);
    for (int64 position : running)
        if (!seen.count(position))
            missing.add_text(std::to_string(position));
    if (missing.size() > 0) {
        std::string others = "SELECT " + queue_columns() +
                             " FROM bulk.tasks WHERE queue_position = ANY ($1::pg_catalog.text[]::pg_catalog.int8[])";
        SpiResult rows = spi_execute(others.c_str(), {missing.argument()});
        for (uint64 row = 0; row < rows.count(); ++row)
            queue.push_back(row_of(rows, row));
        std::sort(queue.begin(), queue.end(), [](const QueueRow &a, const QueueRow &b) {
            return a.task.queue_position < b.task.queue_position;
        });
    }
    std::unordered_set<int64> running_set(running.begin(), running.end());
    for (QueueRow &queued : queue)
        queued.running = running_set.count(queued.task.queue_position) > 0;
    return queue;
}

// Reads the summaries the cache does not hold yet, and forgets those of tasks no longer queued.
void refresh_touches(const std::vector<QueueRow> &queue)
{
    std::unordered_map<std::string, std::shared_ptr<const TaskTouches>> kept;
    ArrayBuilder missing(TEXTOID);
    for (const QueueRow &queued : queue) {
        if (!queued.has_touches)
            continue;
        auto cached = touches_cache.find(queued.task.bulk_id);
        if (cached != touches_cache.end())
            kept.emplace(cached->first, cached->second);
        else
            missing.add_text(queued.task.bulk_id);
    }
    touches_cache = std::move(kept);
    if (missing.size() == 0)
        return;
    SpiResult rows = spi_execute("SELECT bulk_id, touches FROM bulk.tasks WHERE bulk_id = ANY ($1)",
                                 {missing.argument()});
    for (uint64 row = 0; row < rows.count(); ++row) {
        std::shared_ptr<const TaskTouches> touches;
        try {
            touches = std::make_shared<const TaskTouches>(decode_touches(rows.bytes(row, 2)));
        } catch (const std::invalid_argument &) {
            touches = std::make_shared<const TaskTouches>(unknown_touches());  // damaged: order it after everything
        }
        touches_cache[rows.text(row, 1)] = std::move(touches);
    }
}

const TaskTouches &touches_of(const QueueRow &queued)
{
    auto cached = queued.has_touches ? touches_cache.find(queued.task.bulk_id) : touches_cache.end();
    return cached == touches_cache.end() ? unknown_touches() : *cached->second;
}

ClaimChoice choose(const std::vector<QueueRow> &queue)
{
    std::vector<QueuedTask> tasks;
    tasks.reserve(queue.size());
    for (const QueueRow &queued : queue) {
        QueuedTask task;
        task.touches = &touches_of(queued);
        task.target = queued.task.target;
        task.role = queued.role;
        // A streamed load's staged rows are not counted: it is large, and it is claimed alone.
        task.remaining = queued.task.streamed ? std::numeric_limits<int32_t>::max()
                                              : queued.task.operation_count - queued.task.next;
        task.running = queued.running;
        task.paused = queued.paused;
        task.alone = queued.task.streamed || (!is_small(queued.task) && task.remaining <= batch_size);
        tasks.push_back(task);
    }
    return choose_tasks(tasks, ClaimLimits{batch_size, static_cast<size_t>(max_claimed_tasks), max_workers});
}

void publish_held_back(const std::vector<QueueRow> &queue, const ClaimChoice &choice)
{
    std::vector<std::pair<std::string, std::string>> waiting;
    for (const auto &[task, blocker] : choice.waits_for)
        waiting.emplace_back(queue[task].task.bulk_id, queue[blocker].task.bulk_id);
    publish_waiting(waiting);
}

// Takes up one task (it may have been interrupted before), counting the attempt. False when it is
// no longer pending (cancelled meanwhile) or was failed for too many attempts.
bool start_task(const QueueRow &queued)
{
    const ClaimedTask &task = queued.task;
    if (queued.attempts >= max_attempts) {
        fail_task(task.bulk_id, task.next, task.operation_count,
                  "the worker was interrupted " + std::to_string(queued.attempts) +
                      " times while applying this task; giving up");
        return false;
    }
    SpiResult started = spi_execute("UPDATE bulk.tasks SET attempts = attempts + 1, "
                                    "started_at = coalesce(started_at, pg_catalog.clock_timestamp()) "
                                    "WHERE bulk_id = $1 AND status = 'PENDING' RETURNING 1",
                                    {text_arg(task.bulk_id)});
    if (started.count() == 0)
        return false;
    if (queued.attempts > 0)
        log_task(task.bulk_id, "WARNING",
                 "resumed at operation " + std::to_string(task.next) + " by " + worker_name() +
                     " after an interruption (attempt " + std::to_string(queued.attempts + 1) + ")");
    else if (task.next > 0)
        log_task(task.bulk_id, "INFO", "resumed at operation " + std::to_string(task.next) + " by " + worker_name());
    else
        log_task(task.bulk_id, "INFO", "picked up by " + worker_name());
    return true;
}

enum class Claim { None, Taken, Again };

Claim claim_once(std::vector<ClaimedTask> &group)
{
    return in_transaction([&] {
        if (!extension_present())
            return Claim::None;
        installed_schema = read_installed_schema();
        lock_claims();
        std::vector<QueueRow> queue = read_queue(claimed_by_others());
        if (installed_schema.pauses &&
            spi_execute("SELECT EXISTS (SELECT FROM bulk.global_pause)", {}).boolean(0, 1)) {
            publish_waiting({});
            return Claim::None;
        }
        refresh_touches(queue);
        ClaimChoice choice = choose(queue);
        publish_held_back(queue, choice);
        if (choice.group.empty())
            return Claim::None;
        if (choice.group.size() == 1) {
            const QueueRow &queued = queue[choice.group.front()];
            if (!start_task(queued))
                return Claim::Again;
            group.push_back(queued.task);
        } else {
            std::vector<std::string> ids;
            for (size_t index : choice.group)
                ids.push_back(queue[index].task.bulk_id);
            std::vector<std::string> started = start_group_tasks(ids, worker_name());
            std::unordered_set<std::string> started_set(started.begin(), started.end());
            for (size_t index : choice.group)
                if (started_set.count(queue[index].task.bulk_id))
                    group.push_back(queue[index].task);
            if (group.empty())
                return Claim::Again;
        }
        Oid writer = extension_owner();
        std::vector<int64> positions;
        for (ClaimedTask &task : group) {
            task.writer = writer;
            positions.push_back(task.queue_position);
        }
        publish_claimed(positions);
        if (choice.startable_left > 0)
            wake_for_work();
        return Claim::Taken;
    });
}

} // namespace

bool is_small(const ClaimedTask &task)
{
    return apply_delay_ms <= 0 && !task.resumed && !task.streamed && !task.atomic &&
           task.operation_count - task.next <= batch_size;
}

bool claim_next_tasks(std::vector<ClaimedTask> &group)
{
    for (;;) {
        group.clear();
        Claim claim;
        try {
            claim = claim_once(group);
        } catch (...) {
            release_claims();
            throw;
        }
        if (claim != Claim::Again)
            return claim == Claim::Taken;
    }
}

void release_claims()
{
    publish_claimed({});
}

} // namespace pg_bulk::pg
