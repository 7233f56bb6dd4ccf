// The per-backend cache of compiled profiles and its invalidation.
#include "pg/profile_cache.hpp"

#include <map>

#include "core/profile_compiler.hpp"
#include "pg/jsonb_view.hpp"
#include "pg/pattern_engine.hpp"
#include "pg/pg_call.hpp"
#include "pg/spi.hpp"

namespace pg_bulk::pg {

namespace {

class CompiledProfiles final : public ProfileCatalog {
public:
    const Profile *find(std::string_view key) const override
    {
        auto found = profiles.find(key);
        return found == profiles.end() ? nullptr : &found->second;
    }
    std::map<std::string, Profile, std::less<>> profiles;
};

// Replaced, never mutated, so a caller's shared_ptr stays valid.
std::shared_ptr<const CompiledProfiles> cached;
bool cache_valid = false;
Oid profiles_relid = InvalidOid;  // bulk.profiles when the cache was loaded

// The table's trigger invalidates its relcache entry on every write; DROP EXTENSION does too.
void on_relcache_invalidation(Datum, Oid relid)
{
    if (relid == InvalidOid || relid == profiles_relid)
        cache_valid = false;
}

std::shared_ptr<const CompiledProfiles> load_profiles()
{
    auto loaded = std::make_shared<CompiledProfiles>();
    SpiResult rows = spi_query("SELECT key, kind, definition FROM bulk.profiles", {});
    JsonbReader reader;
    PgPatternEngine patterns;
    for (uint64 row = 0; row < rows.count(); ++row) {
        std::string key = rows.text(row, 1);
        auto kind = profile_kind_from_name(rows.text(row, 2));
        const Jsonb *definition = rows.jsonb(row, 3);
        StoredProfileKinds kinds(key, kind.value_or(ProfileKind::Root), false);
        try {
            loaded->profiles.emplace(key, compile_profile(key, kind.value_or(ProfileKind::Root),
                                                          reader.root(definition), kinds, patterns));
        } catch (const DefinitionError &error) {
            // Only a definition written around the triggers gets here; it must not stop the others.
            std::string message = "pg_bulk: stored profile \"" + key + "\" does not compile and is ignored: " + error.what();
            pg_call([&] { ereport(WARNING, (errmsg("%s", message.c_str()))); });
        }
    }
    return loaded;
}

} // namespace

void register_profile_cache_invalidation()
{
    CacheRegisterRelcacheCallback(on_relcache_invalidation, 0);
}

std::shared_ptr<const ProfileCatalog> profile_catalog()
{
    if (!cache_valid || !cached) {
        // Mark valid first: an invalidation arriving during the load marks it stale again.
        cache_valid = true;
        try {
            profiles_relid = pg_call([] {
                return get_relname_relid("profiles", get_namespace_oid("bulk", false));
            });
            cached = load_profiles();
        } catch (...) {
            cache_valid = false;
            throw;
        }
    }
    return cached;
}

std::optional<ProfileKind> StoredProfileKinds::kind_of(std::string_view key) const
{
    if (key == self_key_)
        return self_kind_;
    SpiResult rows = lock_references_
                         ? spi_execute("SELECT kind FROM bulk.profiles WHERE key = $1 FOR SHARE", {text_arg(key)})
                         : spi_query("SELECT kind FROM bulk.profiles WHERE key = $1", {std::string(key)});
    if (rows.count() == 0)
        return std::nullopt;
    return profile_kind_from_name(rows.text(0, 1));
}

} // namespace pg_bulk::pg
