// The statement trigger that keeps bulk.resources and bulk.relationships to the writes of tasks
// (see stored_data_guard.hpp).
#include "pg/triggers/stored_data_guard.hpp"

#include "pg/bridge/postgres.hpp"

extern "C" {
#include "commands/trigger.h"
#include "miscadmin.h"
#include "utils/rel.h"
}

namespace {

// True while this process (a worker) applies a task's operations: the only writes of
// bulk.resources and bulk.relationships that are not a superuser's repair.
bool applying_task = false;

} // namespace

namespace pg_bulk::pg {

void begin_task_writes()
{
    applying_task = true;
}

void end_task_writes()
{
    applying_task = false;
}

} // namespace pg_bulk::pg

extern "C" {
PG_FUNCTION_INFO_V1(bulk_guard_stored_data);
}

// Statement trigger on bulk.resources and bulk.relationships: only the workers write them (as the
// extension's owner, which holds the privileges no other role does); written any other way, the rows
// would skip validation. Superusers may still repair data by hand.
Datum bulk_guard_stored_data(PG_FUNCTION_ARGS)
{
    if (!CALLED_AS_TRIGGER(fcinfo))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("bulk._guard_stored_data() must be called as a trigger")));
    if (!applying_task && !superuser()) {
        auto *trigger = reinterpret_cast<TriggerData *>(fcinfo->context);
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                        errmsg("bulk.%s is written by bulk tasks", RelationGetRelationName(trigger->tg_relation)),
                        errhint("Submit the operations with bulk.submit_resources or bulk.submit_relationships.")));
    }
    return PointerGetDatum(nullptr);
}
