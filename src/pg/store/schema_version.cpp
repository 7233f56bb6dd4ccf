// Reading which version of the extension's SQL objects a database holds.
#include "pg/store/schema_version.hpp"

#include <cstdlib>

#include "pg/bridge/spi.hpp"

namespace pg_bulk::pg {

InstalledSchema installed_schema;

InstalledSchema read_installed_schema()
{
    SpiResult version = spi_query("SELECT e.extversion FROM pg_catalog.pg_extension e "
                                  "WHERE e.extname OPERATOR(pg_catalog.=) 'pg_bulk'",
                                  {});
    // Versions are "0.<minor>"; a missing or unreadable one is taken as the library's own.
    int minor = 1000;
    if (version.count() == 1 && version.text(0, 1).rfind("0.", 0) == 0)
        minor = std::atoi(version.text(0, 1).c_str() + 2);
    InstalledSchema schema;
    schema.pauses = schema.relationship_meta = minor >= 2;
    schema.touches = schema.versions = schema.streamed_loads = schema.atomic = minor >= 3;
    return schema;
}

} // namespace pg_bulk::pg
