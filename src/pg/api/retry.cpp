// bulk.retry (DESIGN §5): a new task holding the operations of a finished task that ended FAILURE or
// CANCELLED (optionally only some error types), submitted as the original submitter and linked to the
// original; asking again with the same filter answers the same retry.
#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/json_text.hpp"
#include "pg/api/submit.hpp"
#include "pg/bridge/identity.hpp"
#include "pg/bridge/jsonb_builder.hpp"
#include "pg/bridge/pg_call.hpp"
#include "pg/bridge/spi.hpp"
#include "pg/bridge/sql_arrays.hpp"

extern "C" {
#include "utils/array.h"
#include "miscadmin.h"
#include "utils/builtins.h"
}

namespace pg_bulk::pg {

namespace {

// The receipt kinds a retry may ask for: error types, and CANCELLED for operations never applied.
std::vector<std::string> read_filter(ArrayType *requested)
{
    std::set<std::string> kinds;
    for (const std::string &kind : text_array_elements(requested, "error_types")) {
        if (kind != "CANCELLED" && !error_type_from_name(kind))
            throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE,
                           "bulk.retry: unknown error type " + quote_excerpt(kind) +
                               " (expected error types such as ALREADY_EXISTS, NOT_FOUND, FORBIDDEN, INTERNAL, or "
                               "CANCELLED)");
        kinds.insert(kind);
    }
    if (kinds.empty())
        throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE, "bulk.retry: the list of error types is empty");
    return {kinds.begin(), kinds.end()};
}

// How a retry's filter is stored and matched: "*" for every FAILURE and CANCELLED operation.
std::string filter_key(const std::optional<std::vector<std::string>> &kinds)
{
    if (!kinds)
        return "*";
    std::string key;
    for (const std::string &kind : *kinds)
        key += (key.empty() ? "" : ",") + kind;
    return key;
}

struct Original {
    std::string bulk_id;
    Status status;
    Target target;
    Oid submitted_by;
};

// The task as the caller sees it (row level security): P0002 exactly as for an unknown id otherwise.
Original visible_task(const std::string &bulk_id)
{
    SpiResult rows = spi_execute("SELECT t.status, t.target, t.submitted_by::pg_catalog.oid FROM bulk.tasks t "
                                 "WHERE t.bulk_id OPERATOR(pg_catalog.=) $1",
                                 {text_arg(bulk_id)});
    if (rows.count() == 0)
        throw unknown_task(bulk_id);
    return {bulk_id, status_from_name(rows.text(0, 1)).value(), target_from_name(rows.text(0, 2)).value(),
            rows.oid(0, 3)};
}

// The request of the retry: the original's operations whose receipts match the filter, in order; a
// CREATE that had no id gets the one it was given, so the retry creates the same resource. CANCELLED
// operations have no receipt row in a cancelled task, and a CANCELLED one in a failed atomic task.
SpiResult retried_request(const Original &original, const std::optional<std::vector<std::string>> &kinds)
{
    ArrayBuilder filter(TEXTOID);
    if (kinds)
        for (const std::string &kind : *kinds)
            filter.add_text(kind);
    return spi_execute(
        "SELECT pg_catalog.jsonb_build_object('operations', pg_catalog.jsonb_agg(CASE "
        "WHEN o.op ->> 'action' OPERATOR(pg_catalog.=) 'CREATE' AND NOT (o.op -> 'create') ? 'id' "
        "THEN pg_catalog.jsonb_set(o.op, '{create,id}', pg_catalog.to_jsonb(bulk._generated_id($1, o.seq))) "
        "ELSE o.op END ORDER BY o.seq)), pg_catalog.count(*) "
        "FROM (SELECT c.first_operation OPERATOR(pg_catalog.+) e.position::integer OPERATOR(pg_catalog.-) 1 AS seq, e.op "
        "        FROM bulk.task_operations c, pg_catalog.jsonb_array_elements(c.operations) WITH ORDINALITY AS e(op, position) "
        "       WHERE c.bulk_id OPERATOR(pg_catalog.=) $1) o "
        "LEFT JOIN (SELECT g.seq, r.status, r.error ->> 'type' AS error_type FROM bulk.operation_results r, "
        "                  pg_catalog.generate_series(r.seq, r.last_seq) AS g(seq) "
        "            WHERE r.bulk_id OPERATOR(pg_catalog.=) $1) r ON r.seq OPERATOR(pg_catalog.=) o.seq "
        "WHERE (r.status OPERATOR(pg_catalog.=) 'FAILURE' "
        "       AND ($3::pg_catalog.text[] IS NULL OR r.error_type OPERATOR(pg_catalog.=) ANY ($3))) "
        "   OR ((r.status OPERATOR(pg_catalog.=) 'CANCELLED' "
        "        OR (r.status IS NULL AND $2 OPERATOR(pg_catalog.=) 'CANCELLED')) "
        "       AND ($3::pg_catalog.text[] IS NULL OR 'CANCELLED' OPERATOR(pg_catalog.=) ANY ($3)))",
        {text_arg(original.bulk_id), text_arg(status_name(original.status)),
         kinds ? filter.argument() : SpiArg{TEXTARRAYOID, Datum(0), true}});
}

// The retry already queued for this task and filter, if any.
std::optional<std::string> earlier_retry(const std::string &bulk_id, const std::string &filter)
{
    SpiResult rows = spi_execute("SELECT t.bulk_id FROM bulk.tasks t WHERE t.retry_of OPERATOR(pg_catalog.=) $1 "
                                 "AND t.retry_filter OPERATOR(pg_catalog.=) $2",
                                 {text_arg(bulk_id), text_arg(filter)});
    return rows.count() ? std::optional<std::string>(rows.text(0, 1)) : std::nullopt;
}

void write_retry_answer(JsonBuilder &out, const std::string &bulk_id, const std::string &original, bool replayed,
                        std::optional<int64> operations)
{
    out.begin_object();
    out.member("status", "ACCEPTED");
    out.member("bulkId", bulk_id);
    out.member("retryOf", original);
    if (operations)
        out.integer_member("operations", *operations);
    if (replayed) {
        out.key("replayed");
        out.boolean(true);
    }
    out.end_object();
}

void retry(JsonbBuilder &answer, const std::string &bulk_id, const std::optional<std::vector<std::string>> &kinds)
{
    Original original = visible_task(bulk_id);
    // A retry is recorded as the original submitter's: only a superuser may queue one for a superuser.
    if (original.submitted_by != GetUserId() && superuser_arg(original.submitted_by) && !superuser())
        throw SqlError(ERRCODE_INSUFFICIENT_PRIVILEGE,
                       "bulk task " + quote_excerpt(bulk_id) + " was submitted by a superuser: only a superuser may "
                       "retry it");
    if (original.status == Status::Pending)
        throw SqlError(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                       "bulk task " + quote_excerpt(bulk_id) + " has not ended: retry it once it has",
                       "Wait for it with bulk.wait, or cancel it with bulk.cancel.");
    std::string filter = filter_key(kinds);
    as_role(extension_owner(), [&] {
        // One retry per task and filter: concurrent retries wait for each other on this lock.
        spi_execute("SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('pg_bulk retry ' || $1 || ' ' || $2))",
                    {text_arg(bulk_id), text_arg(filter)});
        if (auto earlier = earlier_retry(bulk_id, filter)) {
            write_retry_answer(answer, *earlier, bulk_id, true, std::nullopt);
            return;
        }
        SpiResult request = retried_request(original, kinds);
        int64 count = request.int8(0, 2);
        if (count == 0)
            throw SqlError(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                           "bulk task " + quote_excerpt(bulk_id) + " has no " +
                               (kinds ? "operation ending " + filter : std::string("FAILURE or CANCELLED operation")) +
                               " to retry");
        JsonbBuilder submit_answer;
        std::optional<std::string> queued = validate_and_queue(submit_answer, request.jsonb(0, 1), true,
                                                               original.target, std::nullopt, original.submitted_by);
        if (!queued) {  // REJECTED: the profiles changed since the original was accepted
            answer = std::move(submit_answer);
            return;
        }
        spi_execute("UPDATE bulk.tasks SET retry_of = $2, retry_filter = $3 WHERE bulk_id = $1",
                    {text_arg(*queued), text_arg(bulk_id), text_arg(filter)});
        log_task(*queued, "INFO", "retry of " + bulk_id + " (" + filter + ")");
        write_retry_answer(answer, *queued, bulk_id, false, count);
    });
}

} // namespace
} // namespace pg_bulk::pg

using namespace pg_bulk::pg;

extern "C" {
PG_FUNCTION_INFO_V1(bulk_retry);
}

// bulk.retry(bulk_id text, error_types text[] DEFAULT NULL) RETURNS jsonb
Datum bulk_retry(PG_FUNCTION_ARGS)
{
    if (PG_ARGISNULL(0))
        PG_RETURN_NULL();
    text *bulk_id_text = PG_GETARG_TEXT_PP(0);
    ArrayType *requested = PG_ARGISNULL(1) ? nullptr : PG_GETARG_ARRAYTYPE_P(1);
    return sql_entry([&] {
        std::string bulk_id(VARDATA_ANY(bulk_id_text), VARSIZE_ANY_EXHDR(bulk_id_text));
        std::optional<std::vector<std::string>> kinds;
        if (requested)
            kinds = read_filter(requested);
        JsonbBuilder answer;
        spi_connect();
        retry(answer, bulk_id, kinds);
        spi_finish();
        return PointerGetDatum(answer.finish_jsonb());
    });
}
