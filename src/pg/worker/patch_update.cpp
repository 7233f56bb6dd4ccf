// One UPDATE for a batch of PATCHes (DESIGN §3): the row's merge and check run where the statement reads it.
#include "pg/worker/patch_update.hpp"

#include <exception>
#include <unordered_set>

#include "core/record_patch.hpp"
#include "core/resource_batch_rules.hpp"
#include "core/versions.hpp"
#include "pg/bridge/jsonb_builder.hpp"
#include "pg/bridge/jsonb_view.hpp"
#include "pg/bridge/pattern_engine.hpp"
#include "pg/bridge/pg_call.hpp"
#include "pg/bridge/spi.hpp"
#include "pg/bridge/sql_arrays.hpp"
#include "pg/store/schema_version.hpp"

namespace pg_bulk::pg {

namespace {

// What the statement did with one operation's row so far.
enum class RowState { Unread, Merged, Refused };

// The batch the running UPDATE applies, for the functions it calls per row. Set only while
// apply_patches runs its statement; the functions refuse to run otherwise.
struct PatchUpdate {
    std::vector<PlannedOperation *> operations;  // by the index the statement passes
    std::vector<RowState> states;
    std::vector<Jsonb *> merged;  // 3 per operation: data, contained, meta (nullptr: none)
    const RecordPatcher *patcher = nullptr;
    JsonbReader reader;
    MemoryContext memory = nullptr;  // the batch's: the merged records live until the statement ends
    std::exception_ptr failure;      // thrown inside the statement (e.g. TaskCannotContinue), rethrown after it
};

PatchUpdate *running = nullptr;

// Makes `update` the running one for its lifetime.
class RunningPatchUpdate {
public:
    explicit RunningPatchUpdate(PatchUpdate &update) { running = &update; }
    RunningPatchUpdate(const RunningPatchUpdate &) = delete;
    RunningPatchUpdate &operator=(const RunningPatchUpdate &) = delete;
    ~RunningPatchUpdate() { running = nullptr; }
};

class InMemory {
public:
    explicit InMemory(MemoryContext context) : previous_(MemoryContextSwitchTo(context)) {}
    InMemory(const InMemory &) = delete;
    InMemory &operator=(const InMemory &) = delete;
    ~InMemory() { MemoryContextSwitchTo(previous_); }

private:
    MemoryContext previous_;
};

PatchUpdate &running_update(int32 index)
{
    if (!running)
        throw SqlError(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, "pg_bulk: only the worker's PATCH statement calls this");
    if (index < 0 || static_cast<size_t>(index) >= running->operations.size())
        throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE, "pg_bulk: no operation " + std::to_string(index));
    return *running;
}

// A stored column, copied into the batch's memory (an uncompressed value would point into a shared
// buffer that the statement releases).
std::optional<JsonNode> stored_column(FunctionCallInfo fcinfo, int argument, const JsonbReader &reader)
{
    if (PG_ARGISNULL(argument))
        return std::nullopt;
    Jsonb *copy = pg_call([&] { return DatumGetJsonbPCopy(PG_GETARG_DATUM(argument)); });
    return reader.root(copy);
}

Jsonb *copied(const std::optional<JsonNode> &node)
{
    return node ? jsonb_copy(*node) : nullptr;
}

// Decides one operation against the row the statement read: its condition, then the merge and its check.
bool patch_row(FunctionCallInfo fcinfo)
{
    int32 index = PG_GETARG_INT32(0);
    PatchUpdate &update = running_update(index);
    PlannedOperation &operation = *update.operations[index];
    InMemory batch_memory(update.memory);
    // A row read again (after a concurrent update) is decided afresh.
    operation.error.reset();
    update.states[index] = RowState::Refused;
    if ((operation.error = failed_precondition(operation, PG_GETARG_INT32(1))))
        return false;
    RecordContent stored{stored_column(fcinfo, 2, update.reader), stored_column(fcinfo, 3, update.reader),
                         stored_column(fcinfo, 4, update.reader)};
    try {
        if (!update.patcher->patch_resource(operation, stored))
            return false;
    } catch (...) {
        update.failure = std::current_exception();
        return false;
    }
    update.merged[3 * index] = copied(operation.data);
    update.merged[3 * index + 1] = copied(operation.contained);
    update.merged[3 * index + 2] = copied(operation.meta);
    update.states[index] = RowState::Merged;
    return true;
}

void changed_while_written()
{
    pg_call([] {
        ereport(ERROR, (errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
                        errmsg("pg_bulk: a stored record changed while its batch was applied")));
    });
}

// The UPDATE: rows joined to the operations by primary key, each written only when bulk._patch_row
// accepts it ($3: the operation's index in the batch).
constexpr const char *patch_update_sql =
    "UPDATE bulk.resources r SET data = bulk._patched(k.operation, 0), contained = bulk._patched(k.operation, 1), "
    "meta = bulk._patched(k.operation, 2), updated_at = pg_catalog.now(), "
    "version = r.version OPERATOR(pg_catalog.+) 1 "
    "FROM (SELECT pg_catalog.unnest($1::pg_catalog.text[]) AS type, pg_catalog.unnest($2::pg_catalog.text[]) AS id, "
    "pg_catalog.unnest($3::pg_catalog.int4[]) AS operation) AS k "
    "WHERE r.type OPERATOR(pg_catalog.=) k.type AND r.id OPERATOR(pg_catalog.=) k.id "
    "AND bulk._patch_row(k.operation, r.version, r.data, r.contained, r.meta) "
    "RETURNING k.operation, r.version";

} // namespace

bool patches_alone(const std::vector<PlannedOperation> &operations)
{
    if (!installed_schema.versions)
        return false;
    std::unordered_set<std::string> seen;
    seen.reserve(operations.size());
    for (const PlannedOperation &operation : operations)
        if (operation.action != Action::Patch || !seen.insert(resource_key(operation)).second)
            return false;
    return true;
}

void apply_patches(std::vector<PlannedOperation> &operations, const Catalog &definitions)
{
    JsonbBuilder builder;
    PgPatternEngine patterns;
    RecordPatcher patcher(definitions, definitions, patterns, builder);
    PatchUpdate update;
    update.operations = in_key_order(operations);  // written in primary-key order, for the index's sake
    update.states.assign(operations.size(), RowState::Unread);
    update.merged.assign(3 * operations.size(), nullptr);
    update.patcher = &patcher;
    update.memory = CurrentMemoryContext;
    ArrayBuilder types(TEXTOID), ids(TEXTOID), indexes(INT4OID);
    for (size_t index = 0; index < update.operations.size(); ++index) {
        types.add_text(update.operations[index]->type);
        ids.add_text(update.operations[index]->id);
        indexes.add_int4(static_cast<int32>(index));
    }
    SpiResult written = [&] {
        RunningPatchUpdate guard(update);
        return spi_execute_prepared(patch_update_sql, {types.argument(), ids.argument(), indexes.argument()});
    }();
    if (update.failure)
        std::rethrow_exception(update.failure);
    std::vector<bool> was_written(operations.size(), false);
    for (uint64 row = 0; row < written.count(); ++row) {
        int32 index = written.int4(row, 1);
        if (update.states[index] != RowState::Merged)
            changed_while_written();
        was_written[index] = true;
        update.operations[index]->version = written.int4(row, 2);
    }
    for (size_t index = 0; index < update.operations.size(); ++index) {
        PlannedOperation &operation = *update.operations[index];
        if (was_written[index] || update.states[index] == RowState::Refused)
            continue;
        if (update.states[index] == RowState::Merged)
            changed_while_written();
        // No row: the record does not exist (a condition on it fails first, as one by one).
        if (!(operation.error = failed_precondition(operation, std::nullopt)))
            operation.error = not_found(operation);
    }
}

} // namespace pg_bulk::pg

using namespace pg_bulk::pg;

extern "C" {
PG_FUNCTION_INFO_V1(bulk_patch_row);
PG_FUNCTION_INFO_V1(bulk_patched);
}

// bulk._patch_row(operation int4, version int4, data jsonb, contained jsonb, meta jsonb) RETURNS boolean:
// whether the running PATCH statement writes this row (its condition holds, the merged record is valid).
Datum bulk_patch_row(PG_FUNCTION_ARGS)
{
    return sql_entry([&] { return BoolGetDatum(patch_row(fcinfo)); });
}

// bulk._patched(operation int4, part int4) RETURNS jsonb: the merged data (0), contained (1) or meta (2)
// that bulk._patch_row accepted for the operation's row.
Datum bulk_patched(PG_FUNCTION_ARGS)
{
    Jsonb *value = nullptr;
    Datum result = sql_entry([&] {
        int32 index = PG_GETARG_INT32(0), part = PG_GETARG_INT32(1);
        PatchUpdate &update = running_update(index);
        if (part < 0 || part > 2 || update.states[index] != RowState::Merged)
            throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE, "pg_bulk: operation " + std::to_string(index) + " has no merged record");
        value = update.merged[3 * index + part];
        return PointerGetDatum(value);
    });
    if (!value)
        PG_RETURN_NULL();
    return result;
}
