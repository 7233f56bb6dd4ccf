// The trigger that keeps bulk.relationships' cardinality column equal to its definition's.
#include "core/json_text.hpp"
#include "core/relationship.hpp"
#include "pg/bridge/pg_call.hpp"
#include "pg/store/profile_cache.hpp"

using namespace pg_bulk;
using namespace pg_bulk::pg;

extern "C" {
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
