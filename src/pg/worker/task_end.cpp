#include "pg/worker/task_end.hpp"

#include "pg/bridge/spi.hpp"
#include "pg/store/task_store.hpp"
#include "pg/worker/worker_state.hpp"

namespace pg_bulk::pg {

void notify_task_end(const std::string &bulk_id, Status status)
{
    announce_task_end_at_commit();
    spi_execute("SELECT pg_catalog.pg_notify('bulk_task', pg_catalog.jsonb_build_object('bulkId', $1::text, "
                "'status', $2::text)::text)",
                {text_arg(bulk_id), text_arg(status_name(status))});
}

void fail_task(const std::string &bulk_id, int32_t next, int32_t operation_count, const std::string &why)
{
    if (next < operation_count)
        spi_execute("INSERT INTO bulk.operation_results (bulk_id, seq, last_seq, status, error) "
                    "VALUES ($1, $2, $3 - 1, 'FAILURE', pg_catalog.jsonb_build_object('code', 500, 'type', 'INTERNAL', "
                    "'message', $4::text))",
                    {text_arg(bulk_id), int4_arg(next), int4_arg(operation_count), text_arg(why)});
    spi_execute("UPDATE bulk.tasks SET status = 'FAILURE', finished_at = pg_catalog.clock_timestamp(), "
                "applied_count = operation_count WHERE bulk_id = $1",
                {text_arg(bulk_id)});
    log_task(bulk_id, "ERROR", "failed: " + why);
    notify_task_end(bulk_id, Status::Failure);
}

std::string worker_name()
{
    return "worker pid " + std::to_string(MyProcPid);  // the pid bulk.workers shows
}

} // namespace pg_bulk::pg
