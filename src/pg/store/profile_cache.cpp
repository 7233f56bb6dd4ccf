// The per-backend cache of compiled profiles and relationship definitions, and its invalidation.
#include "pg/store/profile_cache.hpp"

#include <map>

#include "core/profile_compiler.hpp"
#include "pg/bridge/jsonb_view.hpp"
#include "pg/bridge/pattern_engine.hpp"
#include "pg/bridge/pg_call.hpp"
#include "pg/bridge/spi.hpp"

namespace pg_bulk::pg {

namespace {

class CompiledCatalog final : public Catalog {
public:
    const Profile *find(std::string_view key) const override
    {
        auto found = profiles.find(key);
        return found == profiles.end() ? nullptr : &found->second;
    }
    const RelationshipDefinition *find_relationship(std::string_view key) const override
    {
        auto found = relationships.find(key);
        return found == relationships.end() ? nullptr : &found->second;
    }
    std::map<std::string, Profile, std::less<>> profiles;
    std::map<std::string, RelationshipDefinition, std::less<>> relationships;
};

// Replaced, never mutated, so a caller's shared_ptr stays valid.
std::shared_ptr<const CompiledCatalog> cached;
bool cache_valid = false;
Oid profiles_relid = InvalidOid;       // bulk.profiles when the cache was loaded
Oid relationships_relid = InvalidOid;  // bulk.relationship_definitions

// The tables' triggers invalidate their relcache entries on every write; DROP EXTENSION does too.
void on_relcache_invalidation(Datum, Oid relid)
{
    if (relid == InvalidOid || relid == profiles_relid || relid == relationships_relid)
        cache_valid = false;
}

// Only a definition written around the triggers fails to compile here; it must not stop the others.
void ignore_stored(const char *what, const std::string &key, const DefinitionError &error)
{
    std::string message =
        std::string("pg_bulk: stored ") + what + " \"" + key + "\" does not compile and is ignored: " + error.what();
    pg_call([&] { ereport(WARNING, (errmsg("%s", message.c_str()))); });
}

std::shared_ptr<const CompiledCatalog> load_catalog()
{
    auto loaded = std::make_shared<CompiledCatalog>();
    JsonbReader reader;
    PgPatternEngine patterns;
    SpiResult profiles = spi_query("SELECT key, kind, definition FROM bulk.profiles", {});
    for (uint64 row = 0; row < profiles.count(); ++row) {
        std::string key = profiles.text(row, 1);
        ProfileKind kind = profile_kind_from_name(profiles.text(row, 2)).value_or(ProfileKind::Root);
        StoredProfileKinds kinds(key, kind, false);
        try {
            loaded->profiles.emplace(key, compile_profile(key, kind, reader.root(profiles.jsonb(row, 3)), kinds, patterns));
        } catch (const DefinitionError &error) {
            ignore_stored("profile", key, error);
        }
    }
    SpiResult relationships = spi_query("SELECT key, definition FROM bulk.relationship_definitions", {});
    for (uint64 row = 0; row < relationships.count(); ++row) {
        std::string key = relationships.text(row, 1);
        StoredProfileKinds kinds("", std::nullopt, false);
        try {
            loaded->relationships.emplace(
                key, compile_relationship(key, reader.root(relationships.jsonb(row, 2)), kinds, patterns));
        } catch (const DefinitionError &error) {
            ignore_stored("relationship definition", key, error);
        }
    }
    return loaded;
}

Oid bulk_table(const char *name)
{
    return pg_call([&] { return get_relname_relid(name, get_namespace_oid("bulk", false)); });
}

} // namespace

void register_catalog_invalidation()
{
    CacheRegisterRelcacheCallback(on_relcache_invalidation, 0);
}

std::shared_ptr<const Catalog> catalog()
{
    if (!cache_valid || !cached) {
        // Mark valid first: an invalidation arriving during the load marks it stale again.
        cache_valid = true;
        try {
            profiles_relid = bulk_table("profiles");
            relationships_relid = bulk_table("relationship_definitions");
            // Its own SPI connection (nested when the caller has one): callers need none for a hit.
            spi_connect();
            try {
                cached = load_catalog();
            } catch (...) {
                spi_finish();
                throw;
            }
            spi_finish();
        } catch (...) {
            cache_valid = false;
            throw;
        }
    }
    return cached;
}

std::optional<ProfileKind> StoredProfileKinds::kind_of(std::string_view key) const
{
    if (self_kind_ && key == self_key_)
        return self_kind_;
    SpiResult rows = lock_references_
                         ? spi_execute("SELECT kind FROM bulk.profiles WHERE key = $1 FOR SHARE", {text_arg(key)})
                         : spi_query("SELECT kind FROM bulk.profiles WHERE key = $1", {std::string(key)});
    if (rows.count() == 0)
        return std::nullopt;
    return profile_kind_from_name(rows.text(0, 1));
}

} // namespace pg_bulk::pg
