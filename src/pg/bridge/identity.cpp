// Looking up the roles pg_bulk acts as: the extension's owner, and whether a role may submit.
#include "pg/bridge/identity.hpp"

#include "pg/bridge/pg_call.hpp"
#include "pg/bridge/spi.hpp"

extern "C" {
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/syscache.h"
}

namespace pg_bulk::pg {

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
