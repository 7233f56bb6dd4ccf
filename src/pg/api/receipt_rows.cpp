// bulk.receipts as rows: the receipts of many tasks in one call, filtered by status and paged by
// (bulk_id, seq), and the one-task bulk.receipts(bulk_id). Rows come from walk_receipts and go to a
// tuplestore (the materialize protocol): memory holds one chunk and one batch of runs, and the
// tuplestore spills to disk past work_mem when a one-task call returns a million rows.
#include <algorithm>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/json_text.hpp"
#include "pg/bridge/pg_call.hpp"
#include "core/task_status.hpp"
#include "pg/bridge/spi.hpp"
#include "pg/bridge/sql_arrays.hpp"
#include "pg/store/receipt_walk.hpp"

namespace pg_bulk::pg {

namespace {

constexpr int32 max_rows_limit = 100000;

// What a call asks for, its arguments checked.
struct ReceiptsRequest {
    std::vector<std::string> bulk_ids;  // distinct, in the order given
    ReceiptSelection selection;         // from_seq: for the first task only
    size_t first_task = 0;              // the task of after_bulk_id, or 0
    std::optional<int64> max_rows;      // nullopt: every row
    bool with_bulk_id = true;           // the rows' first column
};

std::string text_of(const text *value)
{
    return std::string(VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value));
}

std::vector<std::string> distinct_in_order(const std::vector<std::string> &ids)
{
    std::unordered_set<std::string> seen;
    std::vector<std::string> distinct;
    for (const std::string &id : ids)
        if (seen.insert(id).second)
            distinct.push_back(id);
    return distinct;
}

std::vector<std::string> checked_statuses(const std::vector<std::string> &statuses)
{
    for (const std::string &status : statuses)
        if (!status_from_name(status))
            throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE,
                           "unknown receipt status " + quote_excerpt(status) +
                               ": expected PENDING, SUCCESS, FAILURE or CANCELLED");
    return statuses;
}

// Where the page starts: just after (after_bulk_id, after_seq).
void set_page_start(ReceiptsRequest &request, const std::string &after_bulk_id, int32 after_seq)
{
    auto found = std::find(request.bulk_ids.begin(), request.bulk_ids.end(), after_bulk_id);
    if (found == request.bulk_ids.end())
        throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE,
                       "after_bulk_id " + quote_excerpt(after_bulk_id) + " is not one of bulk_ids");
    request.first_task = static_cast<size_t>(found - request.bulk_ids.begin());
    if (after_seq == PG_INT32_MAX)  // nothing of that task comes after it
        ++request.first_task;
    else
        request.selection.from_seq = std::max(after_seq + 1, 0);
}

// bulk.receipts(bulk_ids, statuses, after_bulk_id, after_seq, max_rows), bulk_ids not NULL.
ReceiptsRequest paged_request(FunctionCallInfo fcinfo)
{
    ReceiptsRequest request;
    if (PG_ARGISNULL(4) || PG_GETARG_INT32(4) < 1 || PG_GETARG_INT32(4) > max_rows_limit)
        throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE,
                       "max_rows must be between 1 and " + std::to_string(max_rows_limit) + ", got " +
                           (PG_ARGISNULL(4) ? std::string("NULL") : std::to_string(PG_GETARG_INT32(4))));
    request.max_rows = PG_GETARG_INT32(4);
    if (!PG_ARGISNULL(1))
        request.selection.statuses =
            checked_statuses(text_array_elements(pg_call([&] { return PG_GETARG_ARRAYTYPE_P(1); }), "statuses"));
    request.bulk_ids =
        distinct_in_order(text_array_elements(pg_call([&] { return PG_GETARG_ARRAYTYPE_P(0); }), "bulk_ids"));
    if (PG_ARGISNULL(2) != PG_ARGISNULL(3))
        throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE,
                       "after_bulk_id and after_seq go together: give both or neither");
    if (!PG_ARGISNULL(2))
        set_page_start(request, text_of(pg_call([&] { return PG_GETARG_TEXT_PP(2); })), PG_GETARG_INT32(3));
    return request;
}

// The status of each task, in the order of `bulk_ids`; P0002 (bulk._raise_unknown_task) for the first
// the caller cannot see.
std::vector<std::string> visible_task_statuses(const std::vector<std::string> &bulk_ids)
{
    ArrayBuilder ids(TEXTOID);
    for (const std::string &id : bulk_ids)
        ids.add_text(id);
    SpiResult rows = spi_query_generic(
        "SELECT t.bulk_id, t.status FROM bulk.tasks t WHERE t.bulk_id OPERATOR(pg_catalog.=) ANY ($1)",
        {ids.argument()});
    std::unordered_map<std::string, std::string> status_of;
    for (uint64 row = 0; row < rows.count(); ++row)
        status_of.emplace(rows.text(row, 1), rows.text(row, 2));
    std::vector<std::string> statuses;
    for (const std::string &id : bulk_ids) {
        auto found = status_of.find(id);
        if (found == status_of.end())
            spi_query("SELECT bulk._raise_unknown_task($1)", {id});
        statuses.push_back(found == status_of.end() ? std::string() : found->second);
    }
    return statuses;
}

Datum text_datum(std::string_view value)
{
    return PointerGetDatum(cstring_to_text_with_len(value.data(), static_cast<int>(value.size())));
}

void set_optional_text(Datum &value, bool &null, const std::optional<std::string_view> &text)
{
    null = !text;
    value = text ? text_datum(*text) : 0;
}

std::optional<std::string_view> string_member(const std::optional<JsonNode> &object, std::string_view key)
{
    std::optional<JsonNode> member = object ? object->find(key) : std::nullopt;
    return member && member->is(JsonKind::String) ? std::optional<std::string_view>(member->string()) : std::nullopt;
}

// The error's code, as SQL's (error ->> 'code')::integer reads the number the worker wrote.
std::optional<int32> error_code(const std::optional<JsonNode> &error)
{
    std::optional<JsonNode> code = error ? error->find("code") : std::nullopt;
    if (!code || !code->is(JsonKind::Number))
        return std::nullopt;
    return static_cast<int32>(std::stol(code->number_text()));
}

// Appends the receipt as a row (bulk_id first when the result has that column).
void put_row(ReturnSetInfo *result, const ReceiptsRequest &request, Datum bulk_id, const OperationReceipt &receipt)
{
    constexpr int columns = 11;
    Datum values[columns] = {};
    bool nulls[columns] = {};
    int c = 0;
    if (request.with_bulk_id)
        values[c++] = bulk_id;
    const ReceiptRun *run = receipt.run;
    std::optional<JsonNode> error = run ? run->error : std::nullopt;
    std::optional<int32> code = error_code(error);
    pg_call([&] {
        values[c++] = Int32GetDatum(receipt.seq);
        values[c++] = text_datum(receipt.receipt.action ? action_name(*receipt.receipt.action) : "");
        set_optional_text(values[c], nulls[c], receipt.receipt.type);
        ++c;
        set_optional_text(values[c], nulls[c], receipt.receipt.id);
        ++c;
        values[c++] = text_datum(status_name(receipt.receipt.status));
        nulls[c] = !code;
        values[c++] = code ? Int32GetDatum(*code) : 0;
        set_optional_text(values[c], nulls[c], string_member(error, "type"));
        ++c;
        set_optional_text(values[c], nulls[c], string_member(error, "message"));
        ++c;
        nulls[c] = !run;
        values[c++] = run ? run->completed_at : 0;
        // The version column is last, and absent from the functions of a database still at 0.2.
        if (c < result->setDesc->natts) {
            nulls[c] = receipt.receipt.version == 0;
            values[c++] = Int32GetDatum(receipt.receipt.version);
        }
        tuplestore_putvalues(result->setResult, result->setDesc, values, nulls);
    });
}

// Runs the request into the call's tuplestore.
Datum materialize_receipts(FunctionCallInfo fcinfo, const ReceiptsRequest &request)
{
    pg_call([&] { InitMaterializedSRF(fcinfo, 0); });
    auto *result = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    spi_connect();
    std::vector<std::string> task_statuses = visible_task_statuses(request.bulk_ids);
    int64 rows = 0;
    for (size_t task = request.first_task; task < request.bulk_ids.size(); ++task) {
        if (request.max_rows && rows >= *request.max_rows)
            break;
        ReceiptSelection selection = request.selection;
        if (task != request.first_task)
            selection.from_seq = 0;
        const std::string &bulk_id = request.bulk_ids[task];
        Datum bulk_id_datum = pg_call([&] { return text_datum(bulk_id); });
        walk_receipts(bulk_id, task_statuses[task], selection, [&](const OperationReceipt &receipt) {
            put_row(result, request, bulk_id_datum, receipt);
            return !request.max_rows || ++rows < *request.max_rows;
        });
    }
    spi_finish();
    return (Datum)0;
}

} // namespace
} // namespace pg_bulk::pg

using namespace pg_bulk::pg;

extern "C" {
PG_FUNCTION_INFO_V1(bulk_receipts_of_tasks);
PG_FUNCTION_INFO_V1(bulk_receipts_of_task);
}

// bulk.receipts(bulk_ids text[], statuses text[], after_bulk_id text, after_seq integer, max_rows integer)
// RETURNS TABLE (bulk_id, seq, action, type, id, status, error_code, error_type, error_message,
// completed_at, version). Not STRICT (NULL statuses and after_* mean "every status", "from the start"); NULL
// bulk_ids returns no rows, as STRICT would.
Datum bulk_receipts_of_tasks(PG_FUNCTION_ARGS)
{
    return sql_entry([&] {
        if (PG_ARGISNULL(0)) {
            pg_call([&] { InitMaterializedSRF(fcinfo, 0); });
            return (Datum)0;
        }
        return materialize_receipts(fcinfo, paged_request(fcinfo));
    });
}

// bulk.receipts(bulk_id text) RETURNS TABLE (seq, action, type, id, status, error_code, error_type,
// error_message, completed_at, version): every receipt of one task.
Datum bulk_receipts_of_task(PG_FUNCTION_ARGS)
{
    return sql_entry([&] {
        ReceiptsRequest request;
        request.bulk_ids.push_back(text_of(pg_call([&] { return PG_GETARG_TEXT_PP(0); })));
        request.with_bulk_id = false;
        return materialize_receipts(fcinfo, request);
    });
}
