// What the extension's installed SQL objects offer. The library serves databases whose extension is
// older than the library until ALTER EXTENSION pg_bulk UPDATE runs there: the worker writes only
// what the installed tables have.
#pragma once

namespace pg_bulk::pg {

struct InstalledSchema {
    bool pauses = true;              // bulk.global_pause, bulk.tasks.paused_at (0.2)
    bool relationship_meta = true;   // bulk.relationships.meta (0.2)
    bool touches = true;             // bulk.tasks.touches (0.3)
    bool versions = true;            // bulk.resources.version, bulk.relationships.version,
                                     // bulk.operation_results.versions (0.3)
    bool streamed_loads = true;      // bulk.tasks.load_id, bulk.loads.mode and source_table (0.3)
    bool atomic = true;              // bulk.tasks.atomic (0.3)
};

// Reads the installed version (SPI-connected, in a transaction).
InstalledSchema read_installed_schema();

// The schema of the task the worker is applying (set when it claims the task).
extern InstalledSchema installed_schema;

} // namespace pg_bulk::pg
