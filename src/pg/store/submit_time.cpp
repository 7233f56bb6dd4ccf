// Stamps the tasks a transaction queued with the time of its commit, and gives them their queue
// positions then, in the order the transaction queued them: submission order is commit order (DESIGN
// §6), not the order in which transactions began to queue. A commit's own timestamp is not known
// before it happens, so both are set in the last step before it (XACT_EVENT_PRE_COMMIT):
// microseconds earlier, and in the same transaction, so no reader or worker ever sees a task without
// them.
#include "pg/store/submit_time.hpp"

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "pg/bridge/identity.hpp"
#include "pg/bridge/pg_call.hpp"
#include "pg/bridge/spi.hpp"
#include "pg/bridge/sql_arrays.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/namespace.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
}

namespace pg_bulk::pg {

namespace {

// The tasks this transaction inserted (a rolled-back savepoint's are simply not found), with their
// summaries once known.
struct TaskToStamp {
    std::string bulk_id;
    std::optional<std::string> touches;
};
std::vector<TaskToStamp> tasks_to_stamp;

// Whether bulk.tasks exists: the transaction may have dropped the extension after submitting.
bool tasks_table_exists()
{
    return pg_call([] {
        Oid schema = get_namespace_oid("bulk", true);
        return OidIsValid(schema) && OidIsValid(get_relname_relid("tasks", schema));
    });
}

void stamp_task(const TaskToStamp &task)
{
    if (task.touches)
        spi_execute_prepared("UPDATE bulk.tasks t SET submitted_at = pg_catalog.clock_timestamp(), "
                             "queue_position = DEFAULT, touches = $2 WHERE t.bulk_id OPERATOR(pg_catalog.=) $1",
                             {text_arg(task.bulk_id), bytea_arg(*task.touches)});
    else
        spi_execute_prepared("UPDATE bulk.tasks t SET submitted_at = pg_catalog.clock_timestamp(), "
                             "queue_position = DEFAULT WHERE t.bulk_id OPERATOR(pg_catalog.=) $1",
                             {text_arg(task.bulk_id)});
}

void stamp_tasks()
{
    if (!tasks_table_exists())
        return;
    spi_connect();
    pg_call([] { PushActiveSnapshot(GetTransactionSnapshot()); });
    as_role(extension_owner(), [&] {
        if (tasks_to_stamp.size() == 1) {
            stamp_task(tasks_to_stamp.front());
            return;
        }
        // Several tasks: in the order they were queued (their provisional positions).
        ArrayBuilder ids(TEXTOID);
        std::unordered_map<std::string_view, const TaskToStamp *> by_id;
        for (const TaskToStamp &task : tasks_to_stamp) {
            ids.add_text(task.bulk_id);
            by_id[task.bulk_id] = &task;
        }
        SpiResult queued = spi_execute("SELECT t.bulk_id FROM bulk.tasks t WHERE t.bulk_id OPERATOR(pg_catalog.=) ANY ($1) "
                                       "ORDER BY t.queue_position",
                                       {ids.argument()});
        for (uint64 row = 0; row < queued.count(); ++row)
            stamp_task(*by_id.at(queued.text(row, 1)));
    });
    pg_call([] { PopActiveSnapshot(); });
    spi_finish();
}

// A C callback: C++ exceptions end here and are raised as PostgreSQL errors (aborting the commit).
void on_transaction_event(XactEvent event, void *)
{
    if ((event == XACT_EVENT_PRE_COMMIT || event == XACT_EVENT_PRE_PREPARE) && !tasks_to_stamp.empty()) {
        PendingError pending;
        try {
            stamp_tasks();
        } catch (...) {
            capture_exception(pending);
        }
        tasks_to_stamp.clear();
        raise_pending(pending);
    }
    if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT || event == XACT_EVENT_PREPARE)
        tasks_to_stamp.clear();
}

} // namespace

void stamp_submitted_at_commit(std::string_view bulk_id)
{
    tasks_to_stamp.push_back(TaskToStamp{std::string(bulk_id), std::nullopt});
}

void stamp_touches_at_commit(std::string_view bulk_id, std::string touches)
{
    for (auto task = tasks_to_stamp.rbegin(); task != tasks_to_stamp.rend(); ++task)
        if (task->bulk_id == bulk_id) {
            task->touches = std::move(touches);
            return;
        }
}

void register_submit_time_stamp()
{
    RegisterXactCallback(on_transaction_event, nullptr);
}

} // namespace pg_bulk::pg
