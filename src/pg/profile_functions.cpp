// SQL functions behind the definition tables (bulk.profiles, bulk.relationship_definitions):
// definition checks for their triggers, and the cache invalidation every write sends.
#include "core/json_text.hpp"
#include "core/profile_compiler.hpp"
#include "core/relationship.hpp"
#include "pg/jsonb_view.hpp"
#include "pg/pattern_engine.hpp"
#include "pg/pg_call.hpp"
#include "pg/profile_cache.hpp"
#include "pg/spi.hpp"

using namespace pg_bulk;
using namespace pg_bulk::pg;

extern "C" {
PG_FUNCTION_INFO_V1(bulk_check_profile);
PG_FUNCTION_INFO_V1(bulk_profiles_changed);
PG_FUNCTION_INFO_V1(bulk_check_relationship);
PG_FUNCTION_INFO_V1(bulk_relationship_cardinality);
}

// Trigger on bulk.relationships: the cardinality column is always the definition's, whoever
// writes the row, so the partial unique indexes enforce the definition.
Datum bulk_relationship_cardinality(PG_FUNCTION_ARGS)
{
    if (!CALLED_AS_TRIGGER(fcinfo))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("bulk._relationship_cardinality() must be called as a trigger")));
    auto *trigger = reinterpret_cast<TriggerData *>(fcinfo->context);
    HeapTuple tuple = TRIGGER_FIRED_BY_UPDATE(trigger->tg_event) ? trigger->tg_newtuple : trigger->tg_trigtuple;
    TupleDesc descriptor = trigger->tg_relation->rd_att;
    int type_column = SPI_fnumber(descriptor, "type");
    int cardinality_column = SPI_fnumber(descriptor, "cardinality");
    bool type_null = false;
    Datum type_datum = heap_getattr(tuple, type_column, descriptor, &type_null);
    if (type_null)
        return PointerGetDatum(tuple);  // the NOT NULL constraint reports it
    text *type_text = DatumGetTextPP(type_datum);
    const char *cardinality = nullptr;
    sql_entry([&] {
        std::string key(VARDATA_ANY(type_text), VARSIZE_ANY_EXHDR(type_text));
        auto definitions = catalog();  // per row: cached, so no SPI connection unless it must reload
        const RelationshipDefinition *definition = definitions->find_relationship(key);
        if (!definition)
            throw SqlError(ERRCODE_FOREIGN_KEY_VIOLATION,
                           "relationship definition " + quote_excerpt(key) + " does not exist");
        cardinality = relationship_cardinality_name(definition->cardinality);
        return Datum(0);
    });
    bool null = false;
    Datum stored = heap_getattr(tuple, cardinality_column, descriptor, &null);
    if (!null) {
        text *stored_text = DatumGetTextPP(stored);
        if (std::string_view(VARDATA_ANY(stored_text), VARSIZE_ANY_EXHDR(stored_text)) == cardinality)
            return PointerGetDatum(tuple);  // already the definition's (the worker writes it): no copy
    }
    Datum value = CStringGetTextDatum(cardinality);
    null = false;
    return PointerGetDatum(heap_modify_tuple_by_cols(tuple, descriptor, 1, &cardinality_column, &value, &null));
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
