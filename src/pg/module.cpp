// Library entry: module magic and _PG_init (settings, profile cache invalidation).
#include "pg/postgres.hpp"
#include "pg/profile_cache.hpp"
#include "pg/settings.hpp"

extern "C" {
PG_MODULE_MAGIC;
void _PG_init(void);
}

void _PG_init(void)
{
    pg_bulk::pg::define_settings();
    pg_bulk::pg::register_profile_cache_invalidation();
}
