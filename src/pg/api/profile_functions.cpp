// SQL functions behind the definition tables (bulk.profiles, bulk.relationship_definitions):
// definition checks for their triggers, and the cache invalidation every write sends.
#include "core/json_text.hpp"
#include "core/profile_compiler.hpp"
#include "pg/bridge/jsonb_view.hpp"
#include "pg/bridge/pattern_engine.hpp"
#include "pg/bridge/pg_call.hpp"
#include "pg/bridge/spi.hpp"
#include "pg/store/profile_cache.hpp"

using namespace pg_bulk;
using namespace pg_bulk::pg;

extern "C" {
PG_FUNCTION_INFO_V1(bulk_check_profile);
PG_FUNCTION_INFO_V1(bulk_profiles_changed);
PG_FUNCTION_INFO_V1(bulk_check_relationship);
}

// bulk._check_profile(key text, kind text, definition jsonb) RETURNS void: raises 22023 with the
// JSON path of the first problem.
Datum bulk_check_profile(PG_FUNCTION_ARGS)
{
    text *key_text = PG_GETARG_TEXT_PP(0);
    text *kind_text = PG_GETARG_TEXT_PP(1);
    Jsonb *definition = PG_GETARG_JSONB_P(2);
    return sql_entry([&] {
        std::string key(VARDATA_ANY(key_text), VARSIZE_ANY_EXHDR(key_text));
        std::string kind_name(VARDATA_ANY(kind_text), VARSIZE_ANY_EXHDR(kind_text));
        auto kind = profile_kind_from_name(kind_name);
        if (!kind)
            throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE,
                           "invalid profile kind \"" + kind_name + "\": expected ROOT or CONTAINED");
        spi_connect();
        JsonbReader reader;
        PgPatternEngine patterns;
        StoredProfileKinds kinds(key, *kind, true);
        try {
            compile_profile(key, *kind, reader.root(definition), kinds, patterns);
        } catch (const DefinitionError &error) {
            throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE,
                           "invalid definition of profile " + quote_excerpt(key) + ": " + error.what());
        }
        spi_finish();
        return Datum(0);
    });
}

// bulk._check_relationship(key text, definition jsonb) RETURNS void: raises 22023 with the JSON
// path of the first problem; share-locks the profiles it references.
Datum bulk_check_relationship(PG_FUNCTION_ARGS)
{
    text *key_text = PG_GETARG_TEXT_PP(0);
    Jsonb *definition = PG_GETARG_JSONB_P(1);
    return sql_entry([&] {
        std::string key(VARDATA_ANY(key_text), VARSIZE_ANY_EXHDR(key_text));
        spi_connect();
        JsonbReader reader;
        PgPatternEngine patterns;
        StoredProfileKinds kinds("", std::nullopt, true);
        try {
            compile_relationship(key, reader.root(definition), kinds, patterns);
        } catch (const DefinitionError &error) {
            throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE,
                           "invalid definition of relationship " + quote_excerpt(key) + ": " + error.what());
        }
        spi_finish();
        return Datum(0);
    });
}

// Statement trigger on the definition tables: every backend drops its compiled definitions at
// commit (this one at the next command).
Datum bulk_profiles_changed(PG_FUNCTION_ARGS)
{
    if (!CALLED_AS_TRIGGER(fcinfo))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("bulk._profiles_changed() must be called as a trigger")));
    CacheInvalidateRelcache(reinterpret_cast<TriggerData *>(fcinfo->context)->tg_relation);
    return PointerGetDatum(nullptr);
}
