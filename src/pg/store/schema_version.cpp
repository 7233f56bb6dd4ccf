// Reading which version of the extension's SQL objects a database holds.
#include "pg/store/schema_version.hpp"

#include "pg/bridge/spi.hpp"

namespace pg_bulk::pg {

InstalledSchema installed_schema;

InstalledSchema read_installed_schema()
{
    SpiResult version = spi_query("SELECT e.extversion FROM pg_catalog.pg_extension e "
                                  "WHERE e.extname OPERATOR(pg_catalog.=) 'pg_bulk'",
                                  {});
    std::string installed = version.count() == 1 ? version.text(0, 1) : std::string();
    bool at_0_1 = installed == "0.1";
    return InstalledSchema{!at_0_1, !at_0_1, !at_0_1 && installed != "0.2"};
}

} // namespace pg_bulk::pg
