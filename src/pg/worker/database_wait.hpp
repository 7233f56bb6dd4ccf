// Waiting for pg_bulk.database to be created. Connecting to a missing database ends the worker with a
// FATAL, and with a restart a second later that would log two lines a second for as long as the database
// is missing. So after a start that failed to connect, the next start connects to no database, looks
// the name up in the shared catalog pg_database at growing intervals (up to a minute), says once what it
// waits for, and exits to be restarted (connecting to the database) when it appears.
#pragma once

namespace pg_bulk::pg {

// Connects to no database and waits until pg_bulk.database exists, or SIGTERM; then exits non-zero
// (a worker connects once per process: the postmaster's restart makes the connection).
[[noreturn]] void wait_for_database();

} // namespace pg_bulk::pg
