// Looking up the roles pg_bulk acts as, and the SQL helper that lets bulk.cancel write a task row
// the caller can see but not update.
#include "pg/identity.hpp"

#include "core/json_text.hpp"
#include "pg/pg_call.hpp"
#include "pg/spi.hpp"

extern "C" {
#include "commands/trigger.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/rel.h"
#include "utils/syscache.h"
}

namespace pg_bulk::pg {

bool applying_task = false;

Oid extension_owner()
{
    SpiResult rows = spi_execute(
        "SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) 'bulk.tasks'::pg_catalog.regclass",
        {});
    return static_cast<Oid>(std::stoul(rows.text(0, 1)));
}

bool may_write(Oid role)
{
    return pg_call([&] {
        if (!SearchSysCacheExists1(AUTHOID, ObjectIdGetDatum(role)))
            return false;
        return has_privs_of_role(role, get_role_oid("bulk_writer", true));
    });
}

} // namespace pg_bulk::pg

using namespace pg_bulk::pg;

extern "C" {
PG_FUNCTION_INFO_V1(bulk_cancel_visible_task);
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

// bulk._cancel_visible_task(bulk_id text) RETURNS void: cancels the task if the caller can see it
// (row level security of bulk.tasks decides), writing as the extension's owner; P0002 otherwise,
// exactly as for an unknown id.
Datum bulk_cancel_visible_task(PG_FUNCTION_ARGS)
{
    text *bulk_id_text = PG_GETARG_TEXT_PP(0);
    return sql_entry([&] {
        std::string bulk_id(VARDATA_ANY(bulk_id_text), VARSIZE_ANY_EXHDR(bulk_id_text));
        spi_connect();
        SpiResult visible = spi_execute("SELECT 1 FROM bulk.tasks t WHERE t.bulk_id OPERATOR(pg_catalog.=) $1",
                                        {text_arg(bulk_id)});
        if (visible.count() == 0)
            throw SqlError(ERRCODE_NO_DATA_FOUND, "bulk task " + pg_bulk::quote_excerpt(bulk_id) + " does not exist");
        as_role(extension_owner(), [&] { spi_execute("SELECT bulk._cancel_task($1)", {text_arg(bulk_id)}); });
        spi_finish();
        return Datum(0);
    });
}
