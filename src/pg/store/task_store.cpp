// SQL writes of the task tables.
#include "pg/store/task_store.hpp"

#include "core/json_text.hpp"

#include "pg/bridge/spi.hpp"
#include "pg/store/ids.hpp"
#include "pg/store/submit_time.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "utils/lsyscache.h"
}

namespace pg_bulk::pg {

std::optional<std::string> insert_task(Target target, Oid submitter, const std::optional<std::string> &key,
                                       int32 operation_count)
{
    std::string bulk_id = new_bulk_id();
    SpiResult inserted = spi_execute_prepared(
        "INSERT INTO bulk.tasks (bulk_id, target, submitted_by, idempotency_key, operation_count) "
        "VALUES ($1, $5, $2, $3, $4) "
        "ON CONFLICT (submitted_by, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING bulk_id",
        {text_arg(bulk_id), oid_arg(submitter), optional_text_arg(key), int4_arg(operation_count),
         text_arg(target_name(target))});
    if (inserted.count() == 0)
        return std::nullopt;
    stamp_submitted_at_commit(bulk_id);
    return bulk_id;
}

std::optional<std::string> task_with_key(const std::string &key, Oid submitter)
{
    SpiResult rows = spi_execute("SELECT bulk_id FROM bulk.tasks WHERE submitted_by = $1 AND idempotency_key = $2",
                                 {oid_arg(submitter), text_arg(key)});
    if (rows.count() == 0)
        return std::nullopt;
    return rows.text(0, 1);
}

void insert_chunk(std::string_view bulk_id, int32 first_operation, const Jsonb *operations)
{
    spi_execute_prepared("INSERT INTO bulk.task_operations (bulk_id, first_operation, operations) VALUES ($1, $2, $3)",
                {text_arg(bulk_id), int4_arg(first_operation), jsonb_arg(operations)});
}

void set_operation_count(std::string_view bulk_id, int32 operation_count)
{
    spi_execute("UPDATE bulk.tasks SET operation_count = $2 WHERE bulk_id = $1",
                {text_arg(bulk_id), int4_arg(operation_count)});
}

namespace {
bool tasks_have_column(const char *column)
{
    return pg_call([&] {
        Oid tasks = get_relname_relid("tasks", get_namespace_oid("bulk", false));
        return OidIsValid(tasks) && get_attnum(tasks, column) != InvalidAttrNumber;
    });
}
} // namespace

void mark_atomic(std::string_view bulk_id)
{
    if (!tasks_have_column("atomic"))
        throw SqlError(ERRCODE_FEATURE_NOT_SUPPORTED,
                       "atomic bulk requests need pg_bulk 0.3 in this database: ALTER EXTENSION pg_bulk UPDATE");
    spi_execute("UPDATE bulk.tasks SET atomic = true WHERE bulk_id = $1", {text_arg(bulk_id)});
}

void store_touches(std::string_view bulk_id, const TaskTouches &touches)
{
    if (tasks_have_column("touches"))
        stamp_touches_at_commit(bulk_id, encode_touches(touches));
}

SqlError unknown_task(std::string_view bulk_id)
{
    return SqlError(ERRCODE_NO_DATA_FOUND, "bulk task " + quote_excerpt(bulk_id) + " does not exist");
}

void log_task(std::string_view bulk_id, const char *level, const std::string &message)
{
    spi_execute("INSERT INTO bulk.task_logs (bulk_id, level, message) VALUES ($1, $2, $3)",
                {text_arg(bulk_id), text_arg(level), text_arg(message)});
}

std::string operations_text(int64 count)
{
    return std::to_string(count) + (count == 1 ? " operation" : " operations");
}

} // namespace pg_bulk::pg
