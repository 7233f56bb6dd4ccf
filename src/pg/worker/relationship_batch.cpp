// Batch apply of relationship operations (DESIGN §2 cardinalities, §4 errors).
#include "pg/worker/relationship_batch.hpp"

#include <set>
#include <string>

#include "core/relationship_batch_rules.hpp"
#include "core/versions.hpp"
#include "pg/bridge/jsonb_builder.hpp"
#include "pg/bridge/jsonb_view.hpp"
#include "pg/bridge/pattern_engine.hpp"
#include "pg/bridge/pg_call.hpp"
#include "pg/bridge/spi.hpp"
#include "pg/bridge/sql_arrays.hpp"
#include "pg/bridge/subtransaction.hpp"
#include "pg/store/schema_version.hpp"

namespace pg_bulk::pg {

namespace {

// A probe: the stored relationships matching each key k, locked. LATERAL: one index lookup per key
// whatever the planner thinks of the table's size (a table a first task is filling has no statistics).
// The stored version is read as 1 in a database whose extension is still at 0.2 (no version column).
// The probe by id of a batch with PATCHes also reads what the relationships hold (data and meta; no
// meta before 0.2).
#define RELATIONSHIP_PROBE_READING(version, keys, condition)                                                        \
    "SELECT r.type, r.id, r.from_type, r.from_id, r.to_type, r.to_id, r.cardinality, "                              \
    "r.created_at::pg_catalog.text, " version " FROM ROWS FROM (" keys ") CROSS JOIN LATERAL (SELECT r.* "          \
    "FROM bulk.relationships r WHERE " condition " FOR UPDATE OF r) AS r"
#define RELATIONSHIP_PROBE(keys, condition)                                                                         \
    (installed_schema.versions ? RELATIONSHIP_PROBE_READING("r.version", keys, condition)                          \
                               : RELATIONSHIP_PROBE_READING("1", keys, condition))
#define RELATIONSHIP_CONTENT_PROBE(keys, condition)                                                                 \
    (installed_schema.versions ? RELATIONSHIP_PROBE_READING("r.version, r.data, r.meta", keys, condition)          \
     : installed_schema.relationship_meta                                                                           \
         ? RELATIONSHIP_PROBE_READING("1, r.data, r.meta", keys, condition)                                         \
         : RELATIONSHIP_PROBE_READING("1, r.data, NULL::pg_catalog.jsonb", keys, condition))
#define TEXT_ARRAY(n) "pg_catalog.unnest($" #n "::pg_catalog.text[])"

// `reader`: for rows with content (columns 10 and 11), which must stay readable while the batch is decided.
void load_rows(const SpiResult &rows, RelationshipBatch &batch, const JsonbReader *reader = nullptr)
{
    auto member = [&](uint64 row, int column) -> std::optional<JsonNode> {
        const Jsonb *value = reader ? rows.jsonb(row, column) : nullptr;
        return value ? std::optional<JsonNode>(reader->root(value)) : std::nullopt;
    };
    for (uint64 row = 0; row < rows.count(); ++row) {
        std::string stored = rows.text(row, 7);
        auto cardinality = relationship_cardinality_from_name(stored);
        if (!cardinality)
            throw TaskCannotContinue("a stored relationship has the unknown cardinality '" + stored + "'");
        batch.add_stored(TypeAndId{rows.text(row, 1), rows.text(row, 2)}, Endpoint{rows.text(row, 3), rows.text(row, 4)},
                         Endpoint{rows.text(row, 5), rows.text(row, 6)}, *cardinality, rows.text(row, 8),
                         rows.int4(row, 9), RecordContent{member(row, 10), std::nullopt, member(row, 11)});
    }
}

// Locks and loads every stored relationship the batch could collide with: by id, by (from, to) pair,
// and by the endpoint that a 1:1 or 1:N definition restricts — only those, so a hub resource with
// many N:N relationships costs nothing. Each probe is an index lookup per key.
void probe_relationships(const std::vector<PlannedOperation> &operations, const RelationshipCatalog &definitions,
                         RelationshipBatch &batch, const JsonbReader *content_reader)
{
    ArrayBuilder types(TEXTOID), ids(TEXTOID);
    ArrayBuilder pair_types(TEXTOID), pair_from_types(TEXTOID), pair_from_ids(TEXTOID), pair_to_types(TEXTOID),
        pair_to_ids(TEXTOID);
    ArrayBuilder from_types(TEXTOID), from_endpoint_types(TEXTOID), from_endpoint_ids(TEXTOID);
    ArrayBuilder to_types(TEXTOID), to_endpoint_types(TEXTOID), to_endpoint_ids(TEXTOID);
    for (const PlannedOperation &operation : operations) {
        types.add_text(operation.type);
        ids.add_text(operation.id);
        if (operation.action == Action::Delete || operation.action == Action::Patch)
            continue;
        pair_types.add_text(operation.type);
        pair_from_types.add_text(operation.from.type);
        pair_from_ids.add_text(operation.from.id);
        pair_to_types.add_text(operation.to.type);
        pair_to_ids.add_text(operation.to.id);
        const RelationshipDefinition *definition = definitions.find_relationship(operation.type);
        if (definition && restricts_from(definition->cardinality)) {
            from_types.add_text(operation.type);
            from_endpoint_types.add_text(operation.from.type);
            from_endpoint_ids.add_text(operation.from.id);
        }
        if (definition && restricts_to(definition->cardinality)) {
            to_types.add_text(operation.type);
            to_endpoint_types.add_text(operation.to.type);
            to_endpoint_ids.add_text(operation.to.id);
        }
    }
    auto probe = [&](const char *sql, std::initializer_list<SpiArg> arguments) {
        load_rows(spi_execute_prepared(sql, arguments), batch);
    };
#define BY_ID_KEYS TEXT_ARRAY(1) ", " TEXT_ARRAY(2) ") AS k(type, id"
#define BY_ID_CONDITION "r.type OPERATOR(pg_catalog.=) k.type AND r.id OPERATOR(pg_catalog.=) k.id"
    if (content_reader)
        load_rows(spi_execute_prepared(RELATIONSHIP_CONTENT_PROBE(BY_ID_KEYS, BY_ID_CONDITION),
                                       {types.argument(), ids.argument()}),
                  batch, content_reader);
    else
        probe(RELATIONSHIP_PROBE(BY_ID_KEYS, BY_ID_CONDITION), {types.argument(), ids.argument()});
    if (pair_types.size())
        probe(RELATIONSHIP_PROBE(TEXT_ARRAY(1) ", " TEXT_ARRAY(2) ", " TEXT_ARRAY(3) ", " TEXT_ARRAY(4) ", " TEXT_ARRAY(5)
                                 ") AS k(type, from_type, from_id, to_type, to_id",
                                 "r.type OPERATOR(pg_catalog.=) k.type AND r.from_type OPERATOR(pg_catalog.=) k.from_type "
                                 "AND r.from_id OPERATOR(pg_catalog.=) k.from_id AND r.to_type OPERATOR(pg_catalog.=) "
                                 "k.to_type AND r.to_id OPERATOR(pg_catalog.=) k.to_id"),
              {pair_types.argument(), pair_from_types.argument(), pair_from_ids.argument(), pair_to_types.argument(),
               pair_to_ids.argument()});
    if (from_types.size())
        probe(RELATIONSHIP_PROBE(TEXT_ARRAY(1) ", " TEXT_ARRAY(2) ", " TEXT_ARRAY(3) ") AS k(type, from_type, from_id",
                                 "r.type OPERATOR(pg_catalog.=) k.type AND r.from_type OPERATOR(pg_catalog.=) k.from_type "
                                 "AND r.from_id OPERATOR(pg_catalog.=) k.from_id AND r.cardinality OPERATOR(pg_catalog.=) '1:1'"),
              {from_types.argument(), from_endpoint_types.argument(), from_endpoint_ids.argument()});
    if (to_types.size())
        probe(RELATIONSHIP_PROBE(TEXT_ARRAY(1) ", " TEXT_ARRAY(2) ", " TEXT_ARRAY(3) ") AS k(type, to_type, to_id",
                                 "r.type OPERATOR(pg_catalog.=) k.type AND r.to_type OPERATOR(pg_catalog.=) k.to_type "
                                 "AND r.to_id OPERATOR(pg_catalog.=) k.to_id AND r.cardinality IN ('1:1', '1:N')"),
              {to_types.argument(), to_endpoint_types.argument(), to_endpoint_ids.argument()});
}

// Key-share locks the endpoint resources that exist (so they cannot vanish before commit) and
// returns them.
std::set<TypeAndId> probe_endpoints(const std::vector<PlannedOperation> &operations)
{
    ArrayBuilder types(TEXTOID), ids(TEXTOID);
    for (const PlannedOperation &operation : operations) {
        if (operation.action == Action::Delete || operation.action == Action::Patch)
            continue;
        for (const Endpoint *endpoint : {&operation.from, &operation.to}) {
            types.add_text(endpoint->type);
            ids.add_text(endpoint->id);
        }
    }
    std::set<TypeAndId> found;
    if (types.size() == 0)
        return found;
    SpiResult rows = spi_execute_prepared(
        "SELECT r.type, r.id FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.text[]), "
        "pg_catalog.unnest($2::pg_catalog.text[])) AS k(type, id) CROSS JOIN LATERAL (SELECT r.type, r.id "
        "FROM bulk.resources r WHERE r.type OPERATOR(pg_catalog.=) k.type AND r.id OPERATOR(pg_catalog.=) k.id "
        "FOR KEY SHARE OF r) AS r",
        {types.argument(), ids.argument()});
    for (uint64 row = 0; row < rows.count(); ++row)
        found.emplace(rows.text(row, 1), rows.text(row, 2));
    return found;
}

// Rows for the INSERT into bulk.relationships.
struct RelationshipRows {
    ArrayBuilder types{TEXTOID}, ids{TEXTOID}, from_types{TEXTOID}, from_ids{TEXTOID}, to_types{TEXTOID},
        to_ids{TEXTOID}, cardinalities{TEXTOID}, data{JSONBOID}, created{TEXTOID}, meta{JSONBOID}, versions{INT4OID};

    // `created_at` (as text) is kept when a relationship is rewritten; nullptr: now().
    void add(const TypeAndId &key, const Endpoint &from, const Endpoint &to, std::string_view cardinality,
             const PlannedOperation &writer, const std::string *created_at, int32 version)
    {
        versions.add_int4(version);
        types.add_text(key.first);
        ids.add_text(key.second);
        from_types.add_text(from.type);
        from_ids.add_text(from.id);
        to_types.add_text(to.type);
        to_ids.add_text(to.id);
        cardinalities.add_text(cardinality);
        data.add_jsonb(writer.data ? jsonb_copy(*writer.data) : nullptr);
        meta.add_jsonb(writer.meta ? jsonb_copy(*writer.meta) : nullptr);
        if (created_at)
            created.add_text(*created_at);
        else
            created.add_null();
    }
    size_t size() const { return types.size(); }
};

// The INSERT of a batch's rows; without meta for a database still at 0.1, without version for one
// still at 0.1 or 0.2 (which get $10 or $11 unused).
const char *insert_sql(const InstalledSchema &schema)
{
    auto build = [](bool meta, bool version) {
        return std::string("INSERT INTO bulk.relationships (type, id, from_type, from_id, to_type, to_id, cardinality, "
                           "data, created_at") +
               (meta ? ", meta" : "") + (version ? ", version" : "") +
               ") SELECT k.type, k.id, k.from_type, k.from_id, k.to_type, k.to_id, k.cardinality, "
               "coalesce(k.data, '{}'::pg_catalog.jsonb), coalesce(k.created::pg_catalog.timestamptz, pg_catalog.now())" +
               (meta ? ", k.meta" : "") + (version ? ", k.version" : "") +
               " FROM ROWS FROM (" TEXT_ARRAY(1) ", " TEXT_ARRAY(2) ", " TEXT_ARRAY(3) ", " TEXT_ARRAY(4) ", " TEXT_ARRAY(5)
               ", " TEXT_ARRAY(6) ", " TEXT_ARRAY(7) ", pg_catalog.unnest($8::pg_catalog.jsonb[]), " TEXT_ARRAY(9)
               ", pg_catalog.unnest($10::pg_catalog.jsonb[]), pg_catalog.unnest($11::pg_catalog.int4[])) "
               "AS k(type, id, from_type, from_id, to_type, to_id, cardinality, data, created, meta, version)";
    };
    static const std::string current = build(true, true), at_0_2 = build(true, false), at_0_1 = build(false, false);
    if (schema.versions)
        return current.c_str();
    return (schema.relationship_meta ? at_0_2 : at_0_1).c_str();
}

void insert_rows(const RelationshipRows &rows)
{
    spi_execute_generic(  // its plan cannot depend on table sizes: planned once
        insert_sql(installed_schema),
        {rows.types.argument(), rows.ids.argument(), rows.from_types.argument(), rows.from_ids.argument(),
         rows.to_types.argument(), rows.to_ids.argument(), rows.cardinalities.argument(), rows.data.argument(),
         rows.created.argument(), rows.meta.argument(), rows.versions.argument()});
}

// One DELETE and one INSERT for the net effect.
void write_net_effect(const RelationshipWrites &writes)
{
    ArrayBuilder delete_types(TEXTOID), delete_ids(TEXTOID);
    RelationshipRows inserts;
    for (const TypeAndId *key : writes.deletes) {
        delete_types.add_text(key->first);
        delete_ids.add_text(key->second);
    }
    for (const RelationshipInsert &insert : writes.inserts)
        inserts.add(*insert.key, insert.row->from, insert.row->to,
                    relationship_cardinality_name(insert.row->cardinality), *insert.row->writer, insert.created_at,
                    insert.row->version);
    if (delete_types.size())
        spi_execute_prepared("DELETE FROM bulk.relationships r USING ROWS FROM (" TEXT_ARRAY(1) ", " TEXT_ARRAY(2)
                             ") AS k(type, id) "
                             "WHERE r.type OPERATOR(pg_catalog.=) k.type AND r.id OPERATOR(pg_catalog.=) k.id",
                             {delete_types.argument(), delete_ids.argument()});
    if (inserts.size())
        insert_rows(inserts);
}

// Batches that only CREATE usually meet no stored relationship and find their endpoints (loading
// edges): then the unique indexes and foreign keys are all the checking needed, and the batch is
// tried as one plain INSERT before probing.
OptimisticAttempts plain_inserts(16);

bool try_plain_insert(std::vector<PlannedOperation> &operations, const RelationshipCatalog &definitions)
{
    for (const PlannedOperation &operation : operations)
        if (operation.action != Action::Create || !definitions.find_relationship(operation.type))
            return false;
    // The rows are built only when the attempt is made (not while the attempts are paused).
    auto insert_all = [&] {
        RelationshipRows rows;
        for (const PlannedOperation *operation : in_key_order(operations))
            rows.add(TypeAndId{operation->type, operation->id}, operation->from, operation->to,
                     relationship_cardinality_name(definitions.find_relationship(operation->type)->cardinality),
                     *operation, nullptr, first_version);
        insert_rows(rows);
    };
    if (!plain_inserts.attempt(operations.size(), insert_all))
        return false;
    for (PlannedOperation &operation : operations)
        operation.version = first_version;
    return true;
}

} // namespace

void apply_relationship_batch(std::vector<PlannedOperation> &operations, const RelationshipCatalog &definitions,
                              const ProfileCatalog &profiles)
{
    if (try_plain_insert(operations, definitions))
        return;
    RelationshipBatch batch;
    if (!holds_patch(operations)) {
        probe_relationships(operations, definitions, batch, nullptr);
        batch.decide(operations, definitions, probe_endpoints(operations));
        write_net_effect(batch.writes());
        return;
    }
    // The stored and merged records are palloc'd in the batch's memory, where the operations point.
    JsonbReader reader;
    JsonbBuilder builder;
    PgPatternEngine patterns;
    RecordPatcher patcher(profiles, definitions, patterns, builder);
    probe_relationships(operations, definitions, batch, &reader);
    batch.decide(operations, definitions, probe_endpoints(operations), &patcher);
    write_net_effect(batch.writes());
}

} // namespace pg_bulk::pg
