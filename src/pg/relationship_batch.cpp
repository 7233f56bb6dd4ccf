// Batch apply of relationship operations (DESIGN §2 cardinalities, §4 errors).
#include "pg/relationship_batch.hpp"

#include <map>
#include <string>
#include <set>
#include <tuple>

#include "pg/pg_call.hpp"
#include "pg/schema_version.hpp"
#include "pg/spi.hpp"
#include "pg/sql_arrays.hpp"
#include "pg/subtransaction.hpp"

namespace pg_bulk::pg {

namespace {

using Key = std::pair<std::string, std::string>;  // (type, id) of a relationship or resource

struct Relationship {
    Endpoint from, to;
    std::string cardinality;  // as stored: which unique indexes the row is in
    bool existed = false;     // before the batch
    bool exists = false;
    bool touched = false;
    bool deleted = false;     // by an operation of this batch: a later write creates it anew
    std::string created_at;   // kept when a relationship is rewritten
    const PlannedOperation *writer = nullptr;
};

// The batch's view of bulk.relationships: rows by id, and the three uniqueness rules.
class RelationshipIndex {
public:
    void add(const Key &key, Relationship relationship)
    {
        auto [it, inserted] = rows_.emplace(key, std::move(relationship));
        if (inserted && it->second.exists)
            link(key, it->second);
    }
    Relationship *find(const Key &key)
    {
        auto it = rows_.find(key);
        return it == rows_.end() || !it->second.exists ? nullptr : &it->second;
    }
    Relationship &row(const Key &key) { return rows_[key]; }
    void link(const Key &key, const Relationship &r)
    {
        pairs_[pair_key(key.first, r)] = key.second;
        if (r.cardinality == "1:1")
            froms_[side_key(key.first, r.from)] = key.second;
        if (r.cardinality == "1:1" || r.cardinality == "1:N")
            tos_[side_key(key.first, r.to)] = key.second;
    }
    void unlink(const Key &key, const Relationship &r)
    {
        pairs_.erase(pair_key(key.first, r));
        if (r.cardinality == "1:1")
            froms_.erase(side_key(key.first, r.from));
        if (r.cardinality == "1:1" || r.cardinality == "1:N")
            tos_.erase(side_key(key.first, r.to));
    }
    // The id of a relationship of `type` that the candidate would break a rule against, with why.
    std::optional<std::string> conflict(const std::string &type, const Relationship &candidate) const
    {
        auto describe = [](const Endpoint &e) { return e.type + " '" + e.id + "'"; };
        if (auto it = pairs_.find(pair_key(type, candidate)); it != pairs_.end())
            return "relationship '" + it->second + "' of type '" + type + "' already links " +
                   describe(candidate.from) + " to " + describe(candidate.to);
        if (candidate.cardinality == "1:1")
            if (auto it = froms_.find(side_key(type, candidate.from)); it != froms_.end())
                return "cardinality 1:1: " + describe(candidate.from) + " already has relationship '" + it->second +
                       "' of type '" + type + "'";
        if (candidate.cardinality == "1:1" || candidate.cardinality == "1:N")
            if (auto it = tos_.find(side_key(type, candidate.to)); it != tos_.end())
                return "cardinality " + candidate.cardinality + ": " + describe(candidate.to) +
                       " already has relationship '" + it->second + "' of type '" + type + "'";
        return std::nullopt;
    }
    const std::map<Key, Relationship> &rows() const { return rows_; }

private:
    static std::string pair_key(const std::string &type, const Relationship &r)
    {
        return type + '\0' + r.from.type + '\0' + r.from.id + '\0' + r.to.type + '\0' + r.to.id;
    }
    static std::string side_key(const std::string &type, const Endpoint &e)
    {
        return type + '\0' + e.type + '\0' + e.id;
    }
    std::map<Key, Relationship> rows_;
    std::map<std::string, std::string> pairs_, froms_, tos_;
};

// A probe: the stored relationships matching each key k, locked. LATERAL: one index lookup per key
// whatever the planner thinks of the table's size (a table a first task is filling has no statistics).
#define RELATIONSHIP_PROBE(keys, condition)                                                                         \
    "SELECT r.type, r.id, r.from_type, r.from_id, r.to_type, r.to_id, r.cardinality, "                              \
    "r.created_at::pg_catalog.text FROM ROWS FROM (" keys ") CROSS JOIN LATERAL (SELECT r.* "                       \
    "FROM bulk.relationships r WHERE " condition " FOR UPDATE OF r) AS r"
#define TEXT_ARRAY(n) "pg_catalog.unnest($" #n "::pg_catalog.text[])"

void load_rows(const SpiResult &rows, RelationshipIndex &index)
{
    for (uint64 row = 0; row < rows.count(); ++row) {
        Relationship r;
        r.from = Endpoint{rows.text(row, 3), rows.text(row, 4)};
        r.to = Endpoint{rows.text(row, 5), rows.text(row, 6)};
        r.cardinality = rows.text(row, 7);
        r.created_at = rows.text(row, 8);
        r.existed = r.exists = true;
        index.add(Key{rows.text(row, 1), rows.text(row, 2)}, std::move(r));
    }
}

// Locks and loads every stored relationship the batch could collide with: by id, by (from, to) pair,
// and by the endpoint that a 1:1 or 1:N definition restricts — only those, so a hub resource with
// many N:N relationships costs nothing. Each probe is an index lookup per key.
void probe_relationships(const std::vector<PlannedOperation> &operations, const RelationshipCatalog &definitions,
                         RelationshipIndex &index)
{
    ArrayBuilder types(TEXTOID), ids(TEXTOID);
    ArrayBuilder pair_types(TEXTOID), pair_from_types(TEXTOID), pair_from_ids(TEXTOID), pair_to_types(TEXTOID),
        pair_to_ids(TEXTOID);
    ArrayBuilder from_types(TEXTOID), from_endpoint_types(TEXTOID), from_endpoint_ids(TEXTOID);
    ArrayBuilder to_types(TEXTOID), to_endpoint_types(TEXTOID), to_endpoint_ids(TEXTOID);
    for (const PlannedOperation &operation : operations) {
        types.add_text(operation.type);
        ids.add_text(operation.id);
        if (operation.action == Action::Delete)
            continue;
        pair_types.add_text(operation.type);
        pair_from_types.add_text(operation.from.type);
        pair_from_ids.add_text(operation.from.id);
        pair_to_types.add_text(operation.to.type);
        pair_to_ids.add_text(operation.to.id);
        const RelationshipDefinition *definition = definitions.find_relationship(operation.type);
        if (!definition || definition->cardinality == RelationshipCardinality::ManyToMany)
            continue;
        if (definition->cardinality == RelationshipCardinality::OneToOne) {
            from_types.add_text(operation.type);
            from_endpoint_types.add_text(operation.from.type);
            from_endpoint_ids.add_text(operation.from.id);
        }
        to_types.add_text(operation.type);
        to_endpoint_types.add_text(operation.to.type);
        to_endpoint_ids.add_text(operation.to.id);
    }
    auto probe = [&](const char *sql, std::initializer_list<SpiArg> arguments) {
        load_rows(spi_execute_prepared(sql, arguments), index);
    };
    probe(RELATIONSHIP_PROBE(TEXT_ARRAY(1) ", " TEXT_ARRAY(2) ") AS k(type, id",
                             "r.type OPERATOR(pg_catalog.=) k.type AND r.id OPERATOR(pg_catalog.=) k.id"),
          {types.argument(), ids.argument()});
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
std::set<Key> probe_endpoints(const std::vector<PlannedOperation> &operations)
{
    ArrayBuilder types(TEXTOID), ids(TEXTOID);
    for (const PlannedOperation &operation : operations) {
        if (operation.action == Action::Delete)
            continue;
        for (const Endpoint *endpoint : {&operation.from, &operation.to}) {
            types.add_text(endpoint->type);
            ids.add_text(endpoint->id);
        }
    }
    std::set<Key> found;
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

std::optional<OperationError> missing_endpoint(const PlannedOperation &operation, const std::set<Key> &resources)
{
    for (auto [side, endpoint] : {std::pair{"from", &operation.from}, std::pair{"to", &operation.to}}) {
        if (!resources.count(Key{endpoint->type, endpoint->id}))
            return OperationError{ErrorType::NotFound, std::string(side) + " resource " + endpoint->type + " '" +
                                                           endpoint->id + "' not found"};
    }
    return std::nullopt;
}

// The outcome of one CREATE or UPSERT against the batch's view.
void write_relationship(PlannedOperation &operation, const RelationshipDefinition &definition,
                        const std::set<Key> &resources, RelationshipIndex &index)
{
    Key key{operation.type, operation.id};
    Relationship *current = index.find(key);
    if (current && operation.action == Action::Create) {
        operation.error = already_exists(operation);
        return;
    }
    if (auto missing = missing_endpoint(operation, resources)) {
        operation.error = missing;
        return;
    }
    Relationship candidate;
    candidate.from = operation.from;
    candidate.to = operation.to;
    candidate.cardinality = relationship_cardinality_name(definition.cardinality);
    if (current)
        index.unlink(key, *current);
    if (auto conflict = index.conflict(operation.type, candidate)) {
        if (current)
            index.link(key, *current);
        operation.error = OperationError{ErrorType::CardinalityViolation, *conflict};
        return;
    }
    Relationship &row = index.row(key);
    row.from = candidate.from;
    row.to = candidate.to;
    row.cardinality = candidate.cardinality;
    row.exists = row.touched = true;
    row.writer = &operation;
    index.link(key, row);
    operation.succeeded = true;
}

void decide_outcomes(std::vector<PlannedOperation> &operations, const RelationshipCatalog &definitions,
                     const std::set<Key> &resources, RelationshipIndex &index)
{
    for (PlannedOperation &operation : operations) {
        const RelationshipDefinition *definition = definitions.find_relationship(operation.type);
        if (!definition)
            throw TaskCannotContinue("relationship definition '" + operation.type + "' was dropped");
        if (operation.action != Action::Delete) {
            write_relationship(operation, *definition, resources, index);
            continue;
        }
        Key key{operation.type, operation.id};
        Relationship *current = index.find(key);
        if (!current) {
            operation.error = not_found(operation);
            continue;
        }
        index.unlink(key, *current);
        current->exists = false;
        current->touched = current->deleted = true;
        operation.succeeded = true;
    }
}

// Rows for the INSERT into bulk.relationships.
struct RelationshipRows {
    ArrayBuilder types{TEXTOID}, ids{TEXTOID}, from_types{TEXTOID}, from_ids{TEXTOID}, to_types{TEXTOID},
        to_ids{TEXTOID}, cardinalities{TEXTOID}, data{JSONBOID}, created{TEXTOID}, meta{JSONBOID};

    // `created_at` (as text) is kept when a relationship is rewritten; nullptr: now().
    void add(const Key &key, const Endpoint &from, const Endpoint &to, std::string_view cardinality,
             const PlannedOperation &writer, const std::string *created_at)
    {
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

// The INSERT of a batch's rows; without meta for a database still at 0.1 (which gets $10 unused).
const char *insert_sql(bool with_meta)
{
    auto build = [](bool meta) {
        return std::string("INSERT INTO bulk.relationships (type, id, from_type, from_id, to_type, to_id, cardinality, "
                           "data, created_at") +
               (meta ? ", meta" : "") +
               ") SELECT k.type, k.id, k.from_type, k.from_id, k.to_type, k.to_id, k.cardinality, "
               "coalesce(k.data, '{}'::pg_catalog.jsonb), coalesce(k.created::pg_catalog.timestamptz, pg_catalog.now())" +
               (meta ? ", k.meta" : "") +
               " FROM ROWS FROM (" TEXT_ARRAY(1) ", " TEXT_ARRAY(2) ", " TEXT_ARRAY(3) ", " TEXT_ARRAY(4) ", " TEXT_ARRAY(5)
               ", " TEXT_ARRAY(6) ", " TEXT_ARRAY(7) ", pg_catalog.unnest($8::pg_catalog.jsonb[]), " TEXT_ARRAY(9)
               ", pg_catalog.unnest($10::pg_catalog.jsonb[])) "
               "AS k(type, id, from_type, from_id, to_type, to_id, cardinality, data, created, meta)";
    };
    static const std::string with = build(true), without = build(false);
    return (with_meta ? with : without).c_str();
}

void insert_rows(const RelationshipRows &rows)
{
    spi_execute_generic(  // its plan cannot depend on table sizes: planned once
        insert_sql(installed_schema.relationship_meta),
        {rows.types.argument(), rows.ids.argument(), rows.from_types.argument(), rows.from_ids.argument(),
         rows.to_types.argument(), rows.to_ids.argument(), rows.cardinalities.argument(), rows.data.argument(),
         rows.created.argument(), rows.meta.argument()});
}

// Deletes every touched relationship that existed, then inserts every touched one that exists:
// no intermediate state can trip a unique index.
void write_net_effect(const RelationshipIndex &index)
{
    ArrayBuilder delete_types(TEXTOID), delete_ids(TEXTOID);
    RelationshipRows inserts;
    for (const auto &[key, row] : index.rows()) {
        if (!row.touched)
            continue;
        if (row.existed) {
            delete_types.add_text(key.first);
            delete_ids.add_text(key.second);
        }
        if (row.exists)
            inserts.add(key, row.from, row.to, row.cardinality, *row.writer,
                        row.existed && !row.deleted ? &row.created_at : nullptr);
    }
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
            rows.add(Key{operation->type, operation->id}, operation->from, operation->to,
                     relationship_cardinality_name(definitions.find_relationship(operation->type)->cardinality),
                     *operation, nullptr);
        insert_rows(rows);
    };
    if (!plain_inserts.attempt(operations.size(), insert_all))
        return false;
    for (PlannedOperation &operation : operations)
        operation.succeeded = true;
    return true;
}

} // namespace

void apply_relationship_batch(std::vector<PlannedOperation> &operations, const RelationshipCatalog &definitions)
{
    if (try_plain_insert(operations, definitions))
        return;
    RelationshipIndex index;
    probe_relationships(operations, definitions, index);
    std::set<Key> resources = probe_endpoints(operations);
    decide_outcomes(operations, definitions, resources, index);
    write_net_effect(index);
}

} // namespace pg_bulk::pg
