// Library entry: module magic and _PG_init (settings, profile cache invalidation, commit wake-up,
// submit time, and, when preloaded, the workers' shared memory and the launcher's registration).
#include "pg/bridge/postgres.hpp"
#include "pg/settings.hpp"
#include "pg/store/profile_cache.hpp"
#include "pg/store/submit_time.hpp"
#include "pg/worker/worker_state.hpp"

namespace pg_bulk::pg {
void register_launcher();
}

extern "C" {
PG_MODULE_MAGIC;
void _PG_init(void);
}

void _PG_init(void)
{
    using namespace pg_bulk::pg;
    define_settings();
    register_catalog_invalidation();
    register_commit_wakeup();
    register_submit_time_stamp();
    if (process_shared_preload_libraries_in_progress) {
        request_worker_state();
        register_launcher();
    }
}
