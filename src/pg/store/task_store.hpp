// Writing tasks into the task tables: the task row, its operation chunks, its log lines. Shared
// by submit (one request) and load (a stream of staged rows). SPI-connected callers only.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_view.hpp"
#include "core/task_touches.hpp"
#include "core/task_status.hpp"
#include "pg/bridge/pg_call.hpp"
#include "pg/bridge/postgres.hpp"

namespace pg_bulk::pg {

// Operations are stored in chunks so the worker reads a bounded slice per batch, never the whole
// request at once.
constexpr size_t operations_per_chunk = 1000;

// Inserts a task row. Returns the new bulk id, or, when a task with the same submitter and
// idempotency key exists already (perhaps committed concurrently), nullopt.
std::optional<std::string> insert_task(Target target, Oid submitter, const std::optional<std::string> &key,
                                       int32 operation_count);
// The bulk id an earlier submit by `submitter` queued under `key`, if any.
std::optional<std::string> task_with_key(const std::string &key, Oid submitter);
void insert_chunk(std::string_view bulk_id, int32 first_operation, const Jsonb *operations);
void set_operation_count(std::string_view bulk_id, int32 operation_count);
// Stores what the task touches, for the workers' order, with its stamp at commit (a database still at
// 0.2 has no place for it: its workers then apply tasks one at a time).
void store_touches(std::string_view bulk_id, const TaskTouches &touches);
// Marks the task atomic (DESIGN §11: applied all or nothing). A database still at 0.2 cannot hold it:
// 0A000, asking for the update.
void mark_atomic(std::string_view bulk_id);
// The error of every function taking a bulk id, for an id the caller cannot see (P0002, the id quoted by its
// first 64 characters; the SQL functions raise it through bulk._raise_unknown_task).
SqlError unknown_task(std::string_view bulk_id);
void log_task(std::string_view bulk_id, const char *level, const std::string &message);
// "1 operation", "3 operations": counts in log lines.
std::string operations_text(int64 count);

} // namespace pg_bulk::pg
