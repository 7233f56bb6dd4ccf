// bulk.submit_resources / validate_resources / submit_relationships / validate_relationships
// (DESIGN §3): validate a whole request against the cached definitions, then either answer
// REJECTED, or queue it as a task in the caller's transaction and answer ACCEPTED.
#include <optional>
#include <string>

#include "core/request.hpp"
#include "pg/api/submit.hpp"
#include "pg/store/target_validator.hpp"
#include "pg/bridge/identity.hpp"
#include "pg/bridge/jsonb_builder.hpp"
#include "pg/bridge/pg_call.hpp"
#include "pg/bridge/spi.hpp"
#include "pg/settings.hpp"
#include "pg/store/ids.hpp"
#include "pg/store/profile_cache.hpp"
#include "pg/store/task_store.hpp"
#include "pg/worker/worker_state.hpp"

namespace pg_bulk::pg {

namespace {

constexpr size_t max_idempotency_key_length = 200;

enum class Mode { Queue, DryRun };

void check_request_size(Datum request)
{
    size_t bytes = toast_raw_datum_size(request) - VARHDRSZ;
    if (bytes > static_cast<size_t>(max_request_bytes))
        throw SqlError(ERRCODE_PROGRAM_LIMIT_EXCEEDED,
                       "bulk request is " + std::to_string(bytes) + " bytes, more than pg_bulk.max_request_bytes (" +
                           std::to_string(max_request_bytes) + ")");
}

std::optional<std::string> read_idempotency_key(FunctionCallInfo fcinfo)
{
    if (PG_NARGS() < 2 || PG_ARGISNULL(1))
        return std::nullopt;
    text *key = pg_call([&] { return PG_GETARG_TEXT_PP(1); });
    std::string value(VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key));
    if (value.empty() || value.size() > max_idempotency_key_length)
        throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE,
                       "idempotency_key must be 1 to " + std::to_string(max_idempotency_key_length) + " bytes long");
    return value;
}

// The task that holds a request: queued by this submit, or replayed (an earlier or concurrent
// submit with the same idempotency key queued it).
struct HeldBy {
    std::string bulk_id;
    bool replayed = false;
};

// What the operations of a validated request touch, for the workers' order.
TaskTouches touches_of(const JsonNode &operations, Target target, std::string_view bulk_id)
{
    TouchCollector collector;
    for (size_t index = 0; index < operations.size(); ++index)
        add_operation(collector, target, operations.element(index), bulk_id, static_cast<uint32_t>(index));
    return collector.finish();
}

// Writes the task and its operation chunks, unless a concurrent submit with the same idempotency
// key committed first.
HeldBy write_task(const JsonbReader &reader, const JsonNode &operations, Target target, bool atomic,
                  const std::optional<std::string> &key, Oid submitter)
{
    int32 count = static_cast<int32>(operations.size());
    std::optional<std::string> bulk_id = insert_task(target, submitter, key, count);
    if (!bulk_id)
        return {task_with_key(*key, submitter).value(), true};
    if (atomic)
        mark_atomic(*bulk_id);
    for (int32 first = 0; first < count; first += operations_per_chunk) {
        int32 end = std::min<int32>(count, first + operations_per_chunk);
        Jsonb *chunk = jsonb_array_slice(reader, operations, first, end);
        insert_chunk(*bulk_id, first, chunk);
        pfree(chunk);
    }
    store_touches(*bulk_id, touches_of(operations, target, *bulk_id));
    log_task(*bulk_id, "INFO", "accepted " + operations_text(count) + (atomic ? " (atomic)" : ""));
    return {*bulk_id, false};
}

// Queues the task as the extension's owner (callers cannot write the task tables), recording
// `submitter`, and wakes the worker when the caller's transaction commits.
HeldBy queue_task(const JsonbReader &reader, const JsonNode &operations, Target target, bool atomic,
                  const std::optional<std::string> &key, Oid submitter)
{
    HeldBy task;
    as_role(extension_owner(), [&] { task = write_task(reader, operations, target, atomic, key, submitter); });
    wake_worker_at_commit();
    return task;
}

} // namespace

std::optional<std::string> validate_and_queue(JsonBuilder &answer, const Jsonb *request, bool queue, Target target,
                                              const std::optional<std::string> &key, Oid submitter)
{
    JsonbReader reader;
    JsonNode operations = request_operations(reader.root(request), static_cast<size_t>(max_operations));
    bool atomic = request_is_atomic(reader.root(request), static_cast<size_t>(max_atomic_operations));
    TargetValidator validator(target);
    auto rejected = validate_operations(operations, validator.get(), check_for_interrupts);
    if (!rejected.empty()) {
        write_rejected(answer, operations, rejected);
        return std::nullopt;
    }
    if (!queue) {
        write_valid(answer);
        return std::nullopt;
    }
    HeldBy task = queue_task(reader, operations, target, atomic, key, submitter);
    write_accepted(answer, task.bulk_id, task.replayed);
    return task.bulk_id;
}

namespace {

// Writes the answer of a submit or dry run. Runs SPI-connected.
void answer(JsonBuilder &out, FunctionCallInfo fcinfo, Mode mode, Target target)
{
    if (PG_ARGISNULL(0))
        throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE, "bulk request must be a JSON object, got SQL NULL");
    Datum raw = PG_GETARG_DATUM(0);
    check_request_size(raw);
    std::optional<std::string> key = mode == Mode::Queue ? read_idempotency_key(fcinfo) : std::nullopt;
    if (key) {
        if (auto earlier = task_with_key(*key, GetUserId())) {
            write_accepted(out, *earlier, true);
            return;
        }
    }
    const Jsonb *document = pg_call([&] { return DatumGetJsonbP(raw); });
    validate_and_queue(out, document, mode == Mode::Queue, target, key, GetUserId());
}

Datum run(FunctionCallInfo fcinfo, Mode mode, Target target)
{
    JsonbBuilder out;
    spi_connect();
    answer(out, fcinfo, mode, target);
    spi_finish();
    return PointerGetDatum(out.finish_jsonb());  // in the caller's memory context
}

} // namespace
} // namespace pg_bulk::pg

using namespace pg_bulk;
using namespace pg_bulk::pg;

extern "C" {
PG_FUNCTION_INFO_V1(bulk_submit_resources);
PG_FUNCTION_INFO_V1(bulk_validate_resources);
PG_FUNCTION_INFO_V1(bulk_submit_relationships);
PG_FUNCTION_INFO_V1(bulk_validate_relationships);
}

// bulk.submit_resources(request jsonb, idempotency_key text DEFAULT NULL) RETURNS jsonb
Datum bulk_submit_resources(PG_FUNCTION_ARGS)
{
    return sql_entry([&] { return run(fcinfo, Mode::Queue, Target::Resources); });
}

// bulk.validate_resources(request jsonb) RETURNS jsonb
Datum bulk_validate_resources(PG_FUNCTION_ARGS)
{
    return sql_entry([&] { return run(fcinfo, Mode::DryRun, Target::Resources); });
}

// bulk.submit_relationships(request jsonb, idempotency_key text DEFAULT NULL) RETURNS jsonb
Datum bulk_submit_relationships(PG_FUNCTION_ARGS)
{
    return sql_entry([&] { return run(fcinfo, Mode::Queue, Target::Relationships); });
}

// bulk.validate_relationships(request jsonb) RETURNS jsonb
Datum bulk_validate_relationships(PG_FUNCTION_ARGS)
{
    return sql_entry([&] { return run(fcinfo, Mode::DryRun, Target::Relationships); });
}
