// The extension's GUCs (DESIGN §9), defined at library load.
#pragma once

namespace pg_bulk::pg {

extern int max_operations;     // pg_bulk.max_operations
extern int max_request_bytes;  // pg_bulk.max_request_bytes

void define_settings();

} // namespace pg_bulk::pg
