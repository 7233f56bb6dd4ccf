// Batch apply of resource operations (DESIGN §3, §6).
#include "pg/resource_batch.hpp"

#include <unordered_map>

#include "pg/pg_call.hpp"
#include "pg/spi.hpp"
#include "pg/sql_arrays.hpp"

namespace pg_bulk::pg {

namespace {

// What the batch does to one (type, id): known state before, and the state operations leave.
struct KeyState {
    bool existed = false;    // before the batch
    bool exists = false;     // after the operations so far
    bool recreated = false;  // deleted, then written again within the batch
    int last_writer = -1;    // index of the CREATE/UPSERT whose content the row ends with
};

std::string key_of(const PlannedOperation &operation)
{
    std::string key = operation.type;
    key.push_back('\0');
    key += operation.id;
    return key;
}

// Locks and returns the keys of the batch that already exist.
void probe_existing(const std::vector<PlannedOperation> &operations, std::unordered_map<std::string, KeyState> &keys)
{
    ArrayBuilder types(TEXTOID), ids(TEXTOID);
    for (const PlannedOperation &operation : operations) {
        if (keys.emplace(key_of(operation), KeyState{}).second) {
            types.add_text(operation.type);
            ids.add_text(operation.id);
        }
    }
    SpiResult rows = spi_execute(
        "SELECT r.type, r.id FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.text[]), "
        "pg_catalog.unnest($2::pg_catalog.text[])) AS k(type, id) CROSS JOIN LATERAL (SELECT r.type, r.id "
        "FROM bulk.resources r WHERE r.type OPERATOR(pg_catalog.=) k.type AND r.id OPERATOR(pg_catalog.=) k.id "
        "FOR UPDATE OF r) AS r",
        {types.argument(), ids.argument()});
    for (uint64 row = 0; row < rows.count(); ++row) {
        std::string key = rows.text(row, 1);
        key.push_back('\0');
        key += rows.text(row, 2);
        KeyState &state = keys[key];
        state.existed = state.exists = true;
    }
}

// Works out each operation's outcome in order, as if applied one by one.
void decide_outcomes(std::vector<PlannedOperation> &operations, std::unordered_map<std::string, KeyState> &keys)
{
    for (size_t i = 0; i < operations.size(); ++i) {
        PlannedOperation &operation = operations[i];
        KeyState &state = keys[key_of(operation)];
        switch (operation.action) {
        case Action::Create:
            if (state.exists) {
                operation.error = already_exists(operation);
                continue;
            }
            break;
        case Action::Upsert:
            break;
        case Action::Delete:
            if (!state.exists) {
                operation.error = not_found(operation);
                continue;
            }
            state.exists = false;
            state.last_writer = -1;
            operation.succeeded = true;
            continue;
        }
        if (!state.exists && state.existed)
            state.recreated = true;
        state.exists = true;
        state.last_writer = static_cast<int>(i);
        operation.succeeded = true;
    }
}

void add_content(const PlannedOperation &operation, ArrayBuilder &data, ArrayBuilder &contained, ArrayBuilder &meta)
{
    data.add_jsonb(jsonb_copy(*operation.data));
    contained.add_jsonb(operation.contained ? jsonb_copy(*operation.contained) : nullptr);
    meta.add_jsonb(operation.meta ? jsonb_copy(*operation.meta) : nullptr);
}

// One DELETE, one UPDATE and one INSERT bring the table to the state the operations leave.
void write_net_effect(const std::vector<PlannedOperation> &operations,
                      const std::unordered_map<std::string, KeyState> &keys)
{
    ArrayBuilder delete_types(TEXTOID), delete_ids(TEXTOID);
    ArrayBuilder update_types(TEXTOID), update_ids(TEXTOID), update_data(JSONBOID), update_contained(JSONBOID),
        update_meta(JSONBOID);
    ArrayBuilder insert_types(TEXTOID), insert_ids(TEXTOID), insert_data(JSONBOID), insert_contained(JSONBOID),
        insert_meta(JSONBOID);
    for (const auto &[key, state] : keys) {
        const PlannedOperation *writer = state.last_writer >= 0 ? &operations[state.last_writer] : nullptr;
        size_t split = key.find('\0');
        std::string_view type(key.data(), split), id(key.data() + split + 1, key.size() - split - 1);
        if (state.existed && (!state.exists || state.recreated)) {
            delete_types.add_text(type);
            delete_ids.add_text(id);
        }
        if (!writer)
            continue;
        if (state.existed && !state.recreated) {
            update_types.add_text(type);
            update_ids.add_text(id);
            add_content(*writer, update_data, update_contained, update_meta);
        } else {
            insert_types.add_text(type);
            insert_ids.add_text(id);
            add_content(*writer, insert_data, insert_contained, insert_meta);
        }
    }
    if (delete_types.size())
        spi_execute("DELETE FROM bulk.resources r "
                    "USING ROWS FROM (pg_catalog.unnest($1::pg_catalog.text[]), pg_catalog.unnest($2::pg_catalog.text[])) AS k(type, id) "
                    "WHERE r.type OPERATOR(pg_catalog.=) k.type AND r.id OPERATOR(pg_catalog.=) k.id",
                    {delete_types.argument(), delete_ids.argument()});
    if (update_types.size())
        spi_execute("UPDATE bulk.resources r SET data = k.data, contained = k.contained, meta = k.meta, "
                    "updated_at = pg_catalog.now() "
                    "FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.text[]), pg_catalog.unnest($2::pg_catalog.text[]), "
                    "pg_catalog.unnest($3::pg_catalog.jsonb[]), pg_catalog.unnest($4::pg_catalog.jsonb[]), "
                    "pg_catalog.unnest($5::pg_catalog.jsonb[])) AS k(type, id, data, contained, meta) "
                    "WHERE r.type OPERATOR(pg_catalog.=) k.type AND r.id OPERATOR(pg_catalog.=) k.id",
                    {update_types.argument(), update_ids.argument(), update_data.argument(),
                     update_contained.argument(), update_meta.argument()});
    if (insert_types.size())
        spi_execute("INSERT INTO bulk.resources (type, id, data, contained, meta) "
                    "SELECT * FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.text[]), "
                    "pg_catalog.unnest($2::pg_catalog.text[]), pg_catalog.unnest($3::pg_catalog.jsonb[]), "
                    "pg_catalog.unnest($4::pg_catalog.jsonb[]), pg_catalog.unnest($5::pg_catalog.jsonb[]))",
                    {insert_types.argument(), insert_ids.argument(), insert_data.argument(),
                     insert_contained.argument(), insert_meta.argument()});
}

} // namespace

void apply_resource_batch(std::vector<PlannedOperation> &operations)
{
    std::unordered_map<std::string, KeyState> keys;
    keys.reserve(operations.size());
    probe_existing(operations, keys);
    decide_outcomes(operations, keys);
    write_net_effect(operations, keys);
}

} // namespace pg_bulk::pg
