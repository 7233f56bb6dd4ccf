#include "pg/worker/worker_transaction.hpp"

#include "pg/bridge/pg_call.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/pg_extension.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "pgstat.h"
#include "storage/lmgr.h"
#include "utils/snapmgr.h"
}

namespace pg_bulk::pg {

void begin_transaction()
{
    pg_call([] {
        SetCurrentStatementStartTimestamp();
        StartTransactionCommand();
        PushActiveSnapshot(GetTransactionSnapshot());
        SPI_connect();
    });
}

void commit_transaction()
{
    pg_call([] {
        SPI_finish();
        PopActiveSnapshot();
        CommitTransactionCommand();
        pgstat_report_stat(false);
    });
}

void abort_transaction()
{
    pg_call([] { AbortOutOfAnyTransaction(); });
}

bool extension_present()
{
    return pg_call([] {
        Oid extension = get_extension_oid("pg_bulk", true);
        if (!OidIsValid(extension))
            return false;
        LockDatabaseObject(ExtensionRelationId, extension, 0, AccessShareLock);
        return OidIsValid(get_extension_oid("pg_bulk", true));
    });
}

void lock_claims()
{
    // Sub-object 1 of the extension: DROP EXTENSION and extension_present lock sub-object 0.
    pg_call([] { LockDatabaseObject(ExtensionRelationId, get_extension_oid("pg_bulk", false), 1, ExclusiveLock); });
}

} // namespace pg_bulk::pg
