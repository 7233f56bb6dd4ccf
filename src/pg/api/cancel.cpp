// The SQL helper that lets bulk.cancel write a task row the caller can see but not update.
#include "core/json_text.hpp"
#include "pg/bridge/identity.hpp"
#include "pg/bridge/pg_call.hpp"
#include "pg/bridge/spi.hpp"
#include "pg/store/task_store.hpp"

using namespace pg_bulk::pg;

extern "C" {
PG_FUNCTION_INFO_V1(bulk_cancel_visible_task);
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
            throw unknown_task(bulk_id);
        as_role(extension_owner(), [&] { spi_execute("SELECT bulk._cancel_task($1)", {text_arg(bulk_id)}); });
        spi_finish();
        return Datum(0);
    });
}
