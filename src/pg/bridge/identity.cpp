// Looking up the roles pg_bulk acts as: the extension's owner, and whether a role may submit.
#include "pg/bridge/identity.hpp"

#include "pg/bridge/pg_call.hpp"
#include "pg/bridge/spi.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
}

namespace pg_bulk::pg {

// The owner of bulk.tasks, read from the relation cache (no SPI): the workers and submit ask for it
// per claim and per submit.
Oid extension_owner()
{
    return pg_call([] {
        Oid tasks = get_relname_relid("tasks", get_namespace_oid("bulk", false));
        HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(tasks));
        if (!HeapTupleIsValid(tuple))
            elog(ERROR, "pg_bulk: bulk.tasks not found");
        Oid owner = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple))->relowner;
        ReleaseSysCache(tuple);
        return owner;
    });
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
