// GUC definitions. The request limits are PGC_SUSET: a superuser may raise them per session.
#include "pg/settings.hpp"

#include <climits>

#include "pg/postgres.hpp"

namespace pg_bulk::pg {

int max_operations = 10000;
int max_request_bytes = 64 * 1024 * 1024;

void define_settings()
{
    DefineCustomIntVariable("pg_bulk.max_operations", "Most operations one bulk request may hold.", nullptr,
                            &max_operations, 10000, 1, INT_MAX, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable("pg_bulk.max_request_bytes", "Largest bulk request accepted, in bytes of jsonb.", nullptr,
                            &max_request_bytes, 64 * 1024 * 1024, 1024, INT_MAX, PGC_SUSET, GUC_UNIT_BYTE, nullptr,
                            nullptr, nullptr);
    MarkGUCPrefixReserved("pg_bulk");
}

} // namespace pg_bulk::pg
