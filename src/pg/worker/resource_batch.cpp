// Batch apply of resource operations (DESIGN §3, §6).
#include "pg/worker/resource_batch.hpp"

#include <stdexcept>
#include <unordered_map>

#include "core/resource_batch_rules.hpp"
#include "core/versions.hpp"
#include "pg/bridge/jsonb_builder.hpp"
#include "pg/bridge/jsonb_view.hpp"
#include "pg/bridge/pattern_engine.hpp"
#include "pg/bridge/pg_call.hpp"
#include "pg/bridge/spi.hpp"
#include "pg/bridge/sql_arrays.hpp"
#include "pg/bridge/subtransaction.hpp"
#include "pg/store/schema_version.hpp"
#include "pg/worker/patch_update.hpp"

namespace pg_bulk::pg {

namespace {

// Statements are written once with the stored version (0.3) and once without, for a database whose
// extension is still at 0.2 (no version column: versions read as 1 and are not written).
const char *versioned(const char *with_versions, const char *without_versions)
{
    return installed_schema.versions ? with_versions : without_versions;
}

// The (type, id) keys of a statement's result (type, id, version), with the version each had.
ResourceKeys keys_in(const SpiResult &rows)
{
    ResourceKeys keys;
    keys.reserve(rows.count());
    for (uint64 row = 0; row < rows.count(); ++row)
        keys.emplace(resource_key(rows.text(row, 1), rows.text(row, 2)), rows.int4(row, 3));
    return keys;
}

// The keys of the batch that already exist, with their versions (and, for a batch with PATCHes, what they
// hold). Unlocked: the net effect's UPDATE and DELETE then check that each row is still at the version probed
// (see write_net_effect) — a row lock per key would cost a heap write and a WAL record each. Locked (FOR
// UPDATE) for a batch of one operation, the one-by-one retry that has no retry below it, and in a database
// still at 0.2, whose rows have no version to check.
#define PROBE_EXISTING_SQL(version, content, lock)                                                                 \
    "SELECT r.type, r.id, " version content " FROM (SELECT pg_catalog.unnest($1::pg_catalog.text[]) AS type, "    \
    "pg_catalog.unnest($2::pg_catalog.text[]) AS id) AS k CROSS JOIN LATERAL (SELECT r.* "                         \
    "FROM bulk.resources r WHERE r.type OPERATOR(pg_catalog.=) k.type AND r.id OPERATOR(pg_catalog.=) k.id "        \
    lock ") AS r"
#define STORED_CONTENT ", r.data, r.contained, r.meta"
#define LOCKED "FOR UPDATE OF r"
#define UNLOCKED "OFFSET 0"

bool probe_locks(const std::vector<PlannedOperation> &operations)
{
    return operations.size() == 1 || !installed_schema.versions;
}

const char *probe_sql(bool with_content, bool lock)
{
    if (!installed_schema.versions)
        return with_content ? PROBE_EXISTING_SQL("1", STORED_CONTENT, LOCKED) : PROBE_EXISTING_SQL("1", "", LOCKED);
    if (lock)
        return with_content ? PROBE_EXISTING_SQL("r.version", STORED_CONTENT, LOCKED)
                            : PROBE_EXISTING_SQL("r.version", "", LOCKED);
    return with_content ? PROBE_EXISTING_SQL("r.version", STORED_CONTENT, UNLOCKED)
                        : PROBE_EXISTING_SQL("r.version", "", UNLOCKED);
}

// `keys`: one operation per key.
template <typename Operations>
SpiResult probe_existing(const Operations &keys, bool with_content, bool lock)
{
    ArrayBuilder types(TEXTOID), ids(TEXTOID);
    for (const PlannedOperation *operation : keys) {
        types.add_text(operation->type);
        ids.add_text(operation->id);
    }
    return spi_execute_prepared(probe_sql(with_content, lock), {types.argument(), ids.argument()});
}

// The stored records a probe with content found: key -> data, contained, meta.
std::unordered_map<std::string, RecordContent> contents_in(const SpiResult &rows, const JsonbReader &reader)
{
    std::unordered_map<std::string, RecordContent> contents;
    contents.reserve(rows.count());
    auto member = [&](uint64 row, int column) -> std::optional<JsonNode> {
        const Jsonb *value = rows.jsonb(row, column);
        return value ? std::optional<JsonNode>(reader.root(value)) : std::nullopt;
    };
    for (uint64 row = 0; row < rows.count(); ++row)
        contents.emplace(resource_key(rows.text(row, 1), rows.text(row, 2)),
                         RecordContent{member(row, 4), member(row, 5), member(row, 6)});
    return contents;
}

// Rows for one set-based statement: unnest($1 type, $2 id, $3 data, $4 contained, $5 meta, $6 version).
struct ResourceRows {
    ArrayBuilder types{TEXTOID}, ids{TEXTOID}, data{JSONBOID}, contained{JSONBOID}, meta{JSONBOID},
        versions{INT4OID};

    void add_key(std::string_view type, std::string_view id)
    {
        types.add_text(type);
        ids.add_text(id);
    }
    void add(std::string_view type, std::string_view id, const PlannedOperation &content)
    {
        add(type, id, content, content.version);
    }
    void add(std::string_view type, std::string_view id, const PlannedOperation &content, int32 version)
    {
        add_key(type, id);
        data.add_jsonb(jsonb_copy(*content.data));
        contained.add_jsonb(content.contained ? jsonb_copy(*content.contained) : nullptr);
        meta.add_jsonb(content.meta ? jsonb_copy(*content.meta) : nullptr);
        versions.add_int4(version);
    }
    size_t size() const { return types.size(); }
};

#define DELETE_ROWS_SQL(version)                                                                                   \
    "DELETE FROM bulk.resources r USING ROWS FROM (pg_catalog.unnest($1::pg_catalog.text[]), "                     \
    "pg_catalog.unnest($2::pg_catalog.text[])) AS k(type, id) "                                                    \
    "WHERE r.type OPERATOR(pg_catalog.=) k.type AND r.id OPERATOR(pg_catalog.=) k.id RETURNING r.type, r.id, " version

// The probed versions of the keys `operations` name.
ResourceKeys existing_of(const std::vector<const PlannedOperation *> &operations, const ResourceKeys &existing)
{
    ResourceKeys keys;
    for (const PlannedOperation *operation : operations) {
        std::string key = resource_key(*operation);
        keys.emplace(key, existing.at(key));
    }
    return keys;
}

// Deletes the rows of `deletes` (keys only); returns those it found, with the versions removed.
ResourceKeys delete_rows(const ResourceRows &deletes)
{
    return keys_in(spi_execute_prepared(versioned(DELETE_ROWS_SQL("r.version"), DELETE_ROWS_SQL("1")),
                                        {deletes.types.argument(), deletes.ids.argument()}));
}

// The same rows as a select list: unnest() in the target list (ProjectSet) hands each row straight
// to the INSERT, where ROWS FROM (a function scan) would first copy them all into a tuplestore. A
// row inserted without its version column starts at the column's default, 1.
#define RESOURCE_COLUMNS(version_column, version_value)                                                            \
    "(type, id, data, contained, meta" version_column ") "                                                         \
    "SELECT pg_catalog.unnest($1::pg_catalog.text[]), pg_catalog.unnest($2::pg_catalog.text[]), "                  \
    "pg_catalog.unnest($3::pg_catalog.jsonb[]), pg_catalog.unnest($4::pg_catalog.jsonb[]), "                        \
    "pg_catalog.unnest($5::pg_catalog.jsonb[])" version_value

constexpr const char *insert_sql = "INSERT INTO bulk.resources " RESOURCE_COLUMNS("", "");

#define INSERT_VERSIONED_SQL(version_column, version_value)                                                        \
    "INSERT INTO bulk.resources " RESOURCE_COLUMNS(version_column, version_value)

#define UPSERT_SQL(set_version, version)                                                                           \
    "INSERT INTO bulk.resources AS r " RESOURCE_COLUMNS("", "")                                                    \
    " ON CONFLICT (type, id) DO UPDATE SET data = excluded.data, contained = excluded.contained, "                 \
    "meta = excluded.meta, updated_at = pg_catalog.now()" set_version " RETURNING r.type, r.id, " version

// The rows an UPDATE writes, $1 .. $6 (type, id, data, contained, meta, version) and `more`, as a select list:
// its unnest()s (ProjectSet) feed the join row by row, where ROWS FROM (a function scan) would first copy them
// all into a tuplestore.
#define UPDATE_ROWS(more)                                                                                          \
    "(SELECT pg_catalog.unnest($1::pg_catalog.text[]) AS type, pg_catalog.unnest($2::pg_catalog.text[]) AS id, "   \
    "pg_catalog.unnest($3::pg_catalog.jsonb[]) AS data, pg_catalog.unnest($4::pg_catalog.jsonb[]) AS contained, "  \
    "pg_catalog.unnest($5::pg_catalog.jsonb[]) AS meta, pg_catalog.unnest($6::pg_catalog.int4[]) AS version" more \
    ") AS k"

// The UPDATE of the net effect: only rows still at the version the probe found ($7).
#define UPDATE_SQL(set_version, condition)                                                                         \
    "UPDATE bulk.resources r SET data = k.data, contained = k.contained, meta = k.meta, "                          \
    "updated_at = pg_catalog.now()" set_version " FROM " UPDATE_ROWS(", pg_catalog.unnest($7::pg_catalog.int4[]) AS probed") \
    " WHERE r.type OPERATOR(pg_catalog.=) k.type AND r.id OPERATOR(pg_catalog.=) k.id" condition

// The INSERTs' plans cannot depend on the table's size (ON CONFLICT looks rows up through the primary key):
// planned once.
SpiResult run_with_rows(const char *sql, const ResourceRows &rows)
{
    return spi_execute_generic(sql, {rows.types.argument(), rows.ids.argument(), rows.data.argument(),
                                     rows.contained.argument(), rows.meta.argument(), rows.versions.argument()});
}

// A row the unlocked probe read was changed before the net effect was written (only a superuser's direct
// write can do that: the workers never apply conflicting tasks at once): the batch fails and is redone one
// operation at a time, each locking its row.
void changed_since_probe()
{
    pg_call([] {
        ereport(ERROR, (errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
                        errmsg("pg_bulk: a stored record changed while its batch was applied")));
    });
}

// One DELETE, one UPDATE and one INSERT bring the table to the state the operations leave, each row
// at the version the batch rules gave it; `existing`: the versions the probe found.
void write_net_effect(const ResourceWrites &writes, const ResourceKeys &existing)
{
    ResourceRows deletes, updates, inserts;
    ArrayBuilder probed(INT4OID);
    for (const PlannedOperation *operation : writes.deletes)
        deletes.add_key(operation->type, operation->id);
    for (const PlannedOperation *writer : writes.updates) {
        updates.add(writer->type, writer->id, *writer);
        probed.add_int4(existing.at(resource_key(*writer)));
    }
    for (const PlannedOperation *writer : writes.inserts)
        inserts.add(writer->type, writer->id, *writer);
    if (deletes.size() && delete_rows(deletes) != existing_of(writes.deletes, existing))
        changed_since_probe();
    if (updates.size()) {
        SpiResult updated = spi_execute_prepared(  // reads bulk.resources: planned per call
            versioned(UPDATE_SQL(", version = k.version", " AND r.version OPERATOR(pg_catalog.=) k.probed"),
                      UPDATE_SQL("", "")),
            {updates.types.argument(), updates.ids.argument(), updates.data.argument(), updates.contained.argument(),
             updates.meta.argument(), updates.versions.argument(), probed.argument()});
        if (updated.count() != updates.size())
            changed_since_probe();
    }
    if (inserts.size())
        run_with_rows(versioned(INSERT_VERSIONED_SQL(", version", ", pg_catalog.unnest($6::pg_catalog.int4[])"),
                                INSERT_VERSIONED_SQL("", "")),
                      inserts);
}

// CREATEs of new ids (a load, say) need no check beyond the primary key: a plain INSERT, tried
// before probing.
OptimisticAttempts plain_inserts(16);

// The keys of `created` (in key order: each type's ids together) that exist, unlocked: one statement
// per type, one primary-key lookup per id whatever the table's statistics. The subquery (OFFSET 0
// keeps it apart) is planned for one id given by the outer row: equality on every column of the
// primary key, one row at most, the cheapest scan under any estimate. (`id = ANY ($2)` is not: on a
// never-analyzed table the planner guesses that it keeps nearly every row and scans all the rows of
// the type, filtering the ids, once per batch.)
ResourceKeys existing_keys(const std::vector<PlannedOperation *> &created)
{
    ResourceKeys existing;
    for (size_t first = 0, end; first < created.size(); first = end) {
        const std::string &type = created[first]->type;
        ArrayBuilder ids(TEXTOID);
        for (end = first; end < created.size() && created[end]->type == type; ++end)
            ids.add_text(created[end]->id);
        SpiResult found = spi_execute_prepared(
            "SELECT r.type, r.id FROM pg_catalog.unnest($2::pg_catalog.text[]) AS k(id) CROSS JOIN LATERAL "
            "(SELECT r.type, r.id FROM bulk.resources r WHERE r.type OPERATOR(pg_catalog.=) $1 "
            "AND r.id OPERATOR(pg_catalog.=) k.id OFFSET 0) AS r",
            {text_arg(type), ids.argument()});
        for (uint64 row = 0; row < found.count(); ++row)
            existing.emplace(resource_key(found.text(row, 1), found.text(row, 2)), 0);
    }
    return existing;
}

// Inserts the rows the CREATEs write.
void insert_created(const std::vector<PlannedOperation *> &created)
{
    ResourceRows rows;
    for (const PlannedOperation *operation : created)
        rows.add(operation->type, operation->id, *operation);
    run_with_rows(insert_sql, rows);
    for (PlannedOperation *operation : created)
        operation->version = first_version;
}

// CREATEs of which some ids exist: an unlocked probe finds them (409), a plain INSERT writes the
// others. A row another session inserts in between makes the INSERT fail, and the batch is redone
// one operation at a time. (INSERT ... ON CONFLICT DO NOTHING RETURNING would return every row it
// inserted, not the few it did not.)
void create_probed(std::vector<PlannedOperation *> &created)
{
    std::vector<PlannedOperation *> fresh = decide_creates(created, existing_keys(created));
    if (!fresh.empty())
        insert_created(fresh);
}

// The versions the UPSERTs wrote, as their statement returned them.
void set_written_versions(const std::vector<PlannedOperation *> &upserted, const ResourceKeys &written)
{
    for (PlannedOperation *operation : upserted)
        operation->version = written.at(resource_key(*operation));
}

// Conditional UPSERTs and DELETEs whose keys no other operation of the batch touches: each statement writes
// only the rows at the version the operation expects ($6: ifVersion; no probe before it); the operations it
// did not write are then decided from their stored versions, read for those only.
#define CONDITIONAL_UPDATE_SQL                                                                                     \
    "UPDATE bulk.resources r SET data = k.data, contained = k.contained, meta = k.meta, "                          \
    "updated_at = pg_catalog.now(), version = r.version OPERATOR(pg_catalog.+) 1 "                                 \
    "FROM " UPDATE_ROWS("") " WHERE r.type OPERATOR(pg_catalog.=) k.type AND r.id OPERATOR(pg_catalog.=) k.id "     \
    "AND r.version OPERATOR(pg_catalog.=) k.version RETURNING r.type, r.id, r.version"
#define CONDITIONAL_DELETE_SQL                                                                                     \
    "DELETE FROM bulk.resources r USING ROWS FROM (pg_catalog.unnest($1::pg_catalog.text[]), "                     \
    "pg_catalog.unnest($2::pg_catalog.text[]), pg_catalog.unnest($3::pg_catalog.int4[])) AS k(type, id, if_version) " \
    "WHERE r.type OPERATOR(pg_catalog.=) k.type AND r.id OPERATOR(pg_catalog.=) k.id "                             \
    "AND r.version OPERATOR(pg_catalog.=) k.if_version RETURNING r.type, r.id, r.version"

void apply_conditional(const std::vector<PlannedOperation *> &upserts, const std::vector<PlannedOperation *> &deletes)
{
    ResourceKeys written;
    if (!upserts.empty()) {
        ResourceRows rows;
        for (const PlannedOperation *operation : upserts)
            rows.add(operation->type, operation->id, *operation, *operation->if_version);
        written = keys_in(spi_execute_prepared(CONDITIONAL_UPDATE_SQL, {rows.types.argument(), rows.ids.argument(),
                                                                        rows.data.argument(), rows.contained.argument(),
                                                                        rows.meta.argument(), rows.versions.argument()}));
    }
    if (!deletes.empty()) {
        ArrayBuilder types(TEXTOID), ids(TEXTOID), if_versions(INT4OID);
        for (const PlannedOperation *operation : deletes) {
            types.add_text(operation->type);
            ids.add_text(operation->id);
            if_versions.add_int4(*operation->if_version);
        }
        written.merge(keys_in(spi_execute_prepared(CONDITIONAL_DELETE_SQL,
                                                   {types.argument(), ids.argument(), if_versions.argument()})));
    }
    std::vector<PlannedOperation *> unmet;
    for (const std::vector<PlannedOperation *> *operations : {&upserts, &deletes})
        for (PlannedOperation *operation : *operations) {
            auto found = written.find(resource_key(*operation));
            if (found == written.end())
                unmet.push_back(operation);
            else  // the version an UPSERT wrote, or the one a DELETE removed
                operation->version = found->second;
        }
    if (!unmet.empty() && !decide_unmet_conditions(unmet, keys_in(probe_existing(unmet, false, false))))
        changed_since_probe();
}

// Every key of the batch is touched by one operation only, so the operations are independent and
// need no locking probe: DELETE ... RETURNING tells which DELETE found no row, INSERT ... ON CONFLICT
// DO UPDATE writes the UPSERTs, and the CREATEs are a plain INSERT (or probed, see above).
void apply_independent(std::vector<PlannedOperation> &operations)
{
    // The operations are independent: written in key order, for the index's sake.
    ResourceRows upserts, deletes;
    std::vector<PlannedOperation *> created, deleted, upserted, conditional_upserts, conditional_deletes;
    for (PlannedOperation *pointer : in_key_order(operations)) {
        PlannedOperation &operation = *pointer;
        switch (operation.action) {
        case Action::Create:
            created.push_back(&operation);
            break;
        case Action::Upsert:
            if (operation.if_version) {
                conditional_upserts.push_back(&operation);
                break;
            }
            upserts.add(operation.type, operation.id, operation);
            upserted.push_back(&operation);
            break;
        case Action::Delete:
            if (operation.if_version) {
                conditional_deletes.push_back(&operation);
                break;
            }
            deletes.add_key(operation.type, operation.id);
            deleted.push_back(&operation);
            break;
        case Action::Patch:
            throw std::logic_error("a PATCH is never independent");
        }
    }
    if (deletes.size())
        decide_deletes(deleted, delete_rows(deletes));
    if (!created.empty() && !plain_inserts.attempt(created.size(), [&] { insert_created(created); }))
        create_probed(created);
    if (!conditional_upserts.empty() || !conditional_deletes.empty())
        apply_conditional(conditional_upserts, conditional_deletes);
    if (upserts.size())
        set_written_versions(upserted, keys_in(run_with_rows(
                                           versioned(UPSERT_SQL(", version = r.version OPERATOR(pg_catalog.+) 1",
                                                                "r.version"),
                                                     UPSERT_SQL("", "1")),
                                           upserts)));
}

} // namespace

void apply_resource_batch(std::vector<PlannedOperation> &operations, const Catalog &definitions)
{
    // Conditional operations need the stored version: checked by their statements when no other operation
    // touches their keys (and the database has versions, 0.3).
    if (keys_are_distinct(operations) || (installed_schema.versions && keys_are_unique(operations))) {
        apply_independent(operations);
        return;
    }
    if (patches_alone(operations)) {
        apply_patches(operations, definitions);
        return;
    }
    bool patches = holds_patch(operations);
    SpiResult probed = probe_existing(first_of_each_key(operations), patches, probe_locks(operations));
    ResourceKeys existing = keys_in(probed);
    if (!patches) {
        write_net_effect(decide_resource_batch(operations, existing), existing);
        return;
    }
    // The merged records are palloc'd in the batch's memory, where the operations point until written.
    JsonbReader reader;
    JsonbBuilder builder;
    PgPatternEngine patterns;
    RecordPatcher patcher(definitions, definitions, patterns, builder);
    auto stored = contents_in(probed, reader);
    PatchContext context{stored, patcher};
    write_net_effect(decide_resource_batch(operations, existing, &context), existing);
}

} // namespace pg_bulk::pg
