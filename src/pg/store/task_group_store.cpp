// Set-based bookkeeping of a group of small tasks: each statement joins the group's bulk ids (an
// unnest of one array, numbered so that log lines and notifications follow the queue order) to
// bulk.tasks through its primary key.
#include "pg/store/task_group_store.hpp"

#include "pg/bridge/spi.hpp"
#include "pg/bridge/sql_arrays.hpp"
#include "pg/worker/worker_state.hpp"

namespace pg_bulk::pg {

namespace {

SpiArg text_array(const std::vector<std::string> &values)
{
    ArrayBuilder array(TEXTOID);
    for (const std::string &value : values)
        array.add_text(value);
    return array.argument();
}

SpiArg int4_array(const std::vector<int32> &values)
{
    ArrayBuilder array(INT4OID);
    for (int32 value : values)
        array.add_int4(value);
    return array.argument();
}

} // namespace

std::vector<std::string> start_group_tasks(const std::vector<std::string> &bulk_ids, const std::string &worker)
{
    SpiResult started = spi_execute_prepared(
        "WITH started AS (UPDATE bulk.tasks t SET attempts = t.attempts + 1, "
        "started_at = coalesce(t.started_at, pg_catalog.clock_timestamp()) "
        "FROM pg_catalog.unnest($1::pg_catalog.text[]) WITH ORDINALITY AS g(bulk_id, position) "
        "WHERE t.bulk_id = g.bulk_id AND t.status = 'PENDING' RETURNING t.bulk_id, g.position) "
        "INSERT INTO bulk.task_logs (bulk_id, level, message) "
        "SELECT s.bulk_id, 'INFO', 'picked up by ' || $2::pg_catalog.text FROM started s ORDER BY s.position "
        "RETURNING bulk_id",
        {text_array(bulk_ids), text_arg(worker)});
    std::vector<std::string> ids;
    for (uint64 row = 0; row < started.count(); ++row)
        ids.push_back(started.text(row, 1));
    return ids;
}

SpiResult lock_group_tasks(const std::vector<std::string> &bulk_ids, bool pauses)
{
    return spi_execute_prepared(
        pauses ? "SELECT t.bulk_id, t.status, t.applied_count, t.paused_at IS NOT NULL "
                 "OR EXISTS (SELECT FROM bulk.global_pause) "
                 "FROM pg_catalog.unnest($1::pg_catalog.text[]) WITH ORDINALITY AS g(bulk_id, position) "
                 "JOIN bulk.tasks t ON t.bulk_id = g.bulk_id ORDER BY g.position FOR UPDATE OF t"
               : "SELECT t.bulk_id, t.status, t.applied_count, false "
                 "FROM pg_catalog.unnest($1::pg_catalog.text[]) WITH ORDINALITY AS g(bulk_id, position) "
                 "JOIN bulk.tasks t ON t.bulk_id = g.bulk_id ORDER BY g.position FOR UPDATE OF t",
        {text_array(bulk_ids)});
}

void finish_group_tasks(const std::vector<std::string> &bulk_ids)
{
    announce_task_end_at_commit();
    spi_execute_prepared(
        "WITH ended AS (UPDATE bulk.tasks t SET status = 'SUCCESS', finished_at = pg_catalog.clock_timestamp(), "
        "applied_count = t.operation_count "
        "FROM pg_catalog.unnest($1::pg_catalog.text[]) WITH ORDINALITY AS g(bulk_id, position) "
        "WHERE t.bulk_id = g.bulk_id AND t.status = 'PENDING' RETURNING t.bulk_id, g.position), "
        "logged AS (INSERT INTO bulk.task_logs (bulk_id, level, message) "
        "SELECT e.bulk_id, 'INFO', pg_catalog.format('finished: %s succeeded, %s failed', c.succeeded, c.failed) "
        "FROM ended e CROSS JOIN LATERAL (SELECT "
        "coalesce(sum(r.last_seq - r.seq + 1) FILTER (WHERE r.status = 'SUCCESS'), 0) AS succeeded, "
        "coalesce(sum(r.last_seq - r.seq + 1) FILTER (WHERE r.status = 'FAILURE'), 0) AS failed "
        "FROM bulk.operation_results r WHERE r.bulk_id = e.bulk_id OFFSET 0) c ORDER BY e.position) "
        "SELECT pg_catalog.pg_notify('bulk_task', pg_catalog.jsonb_build_object('bulkId', e.bulk_id, "
        "'status', 'SUCCESS')::pg_catalog.text) FROM ended e ORDER BY e.position",
        {text_array(bulk_ids)});
}

void leave_group_tasks(const std::vector<std::string> &bulk_ids, const std::vector<int32> &next_operations,
                       const std::string &why)
{
    spi_execute(
        "WITH left_tasks AS (UPDATE bulk.tasks t SET attempts = greatest(t.attempts - 1, 0) "
        "FROM pg_catalog.unnest($1::pg_catalog.text[], $2::pg_catalog.int4[]) WITH ORDINALITY AS g(bulk_id, next, "
        "position) WHERE t.bulk_id = g.bulk_id RETURNING t.bulk_id, g.next, g.position) "
        "INSERT INTO bulk.task_logs (bulk_id, level, message) "
        "SELECT l.bulk_id, 'INFO', $3::pg_catalog.text || ' after operation ' || l.next || '; it resumes later' "
        "FROM left_tasks l ORDER BY l.position",
        {text_array(bulk_ids), int4_array(next_operations), text_arg(why)});
}

} // namespace pg_bulk::pg
