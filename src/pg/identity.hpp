// Whose privileges a piece of work runs with: the extension's owner (the workers writing the stored
// tables, submit and cancel writing the task tables), which callers cannot write directly.
#pragma once

#include "pg/postgres.hpp"

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

// True while this process (a worker) applies a task's operations: the only writes of
// bulk.resources and bulk.relationships that are not a superuser's repair.
extern bool applying_task;

// The owner of the extension's tables (the role that created the extension). SPI-connected.
Oid extension_owner();

// Whether `role` still exists and may submit (has the privileges of bulk_writer).
bool may_write(Oid role);

} // namespace pg_bulk::pg
