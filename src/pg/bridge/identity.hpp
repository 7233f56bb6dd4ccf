// Whose privileges a piece of work runs with: the extension's owner (the workers writing the stored
// tables, submit and cancel writing the task tables), which callers cannot write directly.
#pragma once

#include "pg/bridge/postgres.hpp"

namespace pg_bulk::pg {

// Runs `body` as `role`, as SECURITY DEFINER functions do. On error the (sub)transaction abort
// restores the previous identity.
template <typename Body>
void as_role(Oid role, Body &&body)
{
    Oid saved_user;
    int saved_context;
    GetUserIdAndSecContext(&saved_user, &saved_context);
    SetUserIdAndSecContext(role, saved_context | SECURITY_LOCAL_USERID_CHANGE);
    body();
    SetUserIdAndSecContext(saved_user, saved_context);
}

// The owner of the extension's tables (the role that created the extension). SPI-connected.
Oid extension_owner();

// Whether `role` still exists and may submit (has the privileges of bulk_writer).
bool may_write(Oid role);

} // namespace pg_bulk::pg
