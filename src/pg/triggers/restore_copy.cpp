// The statement triggers that let a restore load the extension's tables in any order (docs/backups.md):
// a superuser's COPY into a table whose rows are checked against other rows runs with
// session_replication_role = replica for that statement only, since the rows of a dump were checked
// when they were first written. In C because they fire on every INSERT into those tables (task logs,
// operation chunks): the test must cost nothing on the workers' and submitters' paths.
#include <cctype>
#include <cstring>

#include "pg/bridge/postgres.hpp"

extern "C" {
#include "commands/trigger.h"
#include "miscadmin.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
}

namespace {

// Whether the statement the client sent (the top-level one) is a COPY; leading blanks and -- comments
// (a plain dump's) are skipped.
bool client_statement_is_copy()
{
    const char *text = debug_query_string;
    if (!text)
        return false;
    for (;;) {
        while (*text && isspace(static_cast<unsigned char>(*text)))
            ++text;
        if (text[0] == '-' && text[1] == '-') {
            while (*text && *text != '\n')
                ++text;
            continue;
        }
        break;
    }
    return pg_strncasecmp(text, "copy", 4) == 0 && isspace(static_cast<unsigned char>(text[4]));
}

void set_replication_role(const char *role)
{
    (void)set_config_option("session_replication_role", role, PGC_SUSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0,
                            false);
}

void require_trigger(FunctionCallInfo fcinfo, const char *name)
{
    if (!CALLED_AS_TRIGGER(fcinfo))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("bulk.%s() must be called as a trigger", name)));
}

} // namespace

extern "C" {
PG_FUNCTION_INFO_V1(bulk_restore_copy_begins);
PG_FUNCTION_INFO_V1(bulk_restore_copy_ends);
}

// BEFORE INSERT FOR EACH STATEMENT: a superuser's COPY switches the rest of the statement to replica.
// No C++ object lives here: ereport may leave at once.
Datum bulk_restore_copy_begins(PG_FUNCTION_ARGS)
{
    require_trigger(fcinfo, "_restore_copy_begins");
    if (SessionReplicationRole == SESSION_REPLICATION_ROLE_ORIGIN && client_statement_is_copy() && superuser())
        set_replication_role("replica");
    return PointerGetDatum(nullptr);
}

// AFTER INSERT FOR EACH STATEMENT (ENABLE ALWAYS): back to origin after that COPY, so the rest of a
// --single-transaction restore (the tables of other extensions) is checked as usual.
Datum bulk_restore_copy_ends(PG_FUNCTION_ARGS)
{
    require_trigger(fcinfo, "_restore_copy_ends");
    if (SessionReplicationRole == SESSION_REPLICATION_ROLE_REPLICA && client_statement_is_copy() && superuser())
        set_replication_role("origin");
    return PointerGetDatum(nullptr);
}
