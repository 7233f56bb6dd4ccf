// Staged rows turned into operations without SQL expressions: one pushJsonbValue pass per fetch
// builds the whole array (a jsonb_build_object chain per row cost more than validating it).
#include "pg/store/staged_rows.hpp"

#include <cstring>

#include "pg/bridge/pg_call.hpp"

extern "C" {
#include "utils/builtins.h"
}

namespace pg_bulk::pg {

const std::vector<StagingColumn> &staging_columns(Target target)
{
    static const std::vector<StagingColumn> resources = {
        {"action", ColumnKind::Text, true}, {"type", ColumnKind::Text, true},      {"id", ColumnKind::Text, true},
        {"data", ColumnKind::Json, true},   {"contained", ColumnKind::Json, false}, {"meta", ColumnKind::Json, false}};
    static const std::vector<StagingColumn> relationships = {
        {"action", ColumnKind::Text, true},    {"type", ColumnKind::Text, true},    {"id", ColumnKind::Text, true},
        {"from_type", ColumnKind::Text, true}, {"from_id", ColumnKind::Text, true}, {"to_type", ColumnKind::Text, true},
        {"to_id", ColumnKind::Text, true},     {"data", ColumnKind::Json, false},   {"meta", ColumnKind::Json, false}};
    return target == Target::Resources ? resources : relationships;
}

std::string staged_select_list(Target target, const std::vector<bool> &present)
{
    std::string list = "ctid";
    const std::vector<StagingColumn> &columns = staging_columns(target);
    for (size_t i = 0; i < columns.size(); ++i) {
        list += ", ";
        if (columns[i].kind == ColumnKind::Json)
            list += present[i] ? std::string(quote_identifier(columns[i].name)) + "::pg_catalog.jsonb"
                               : std::string("NULL::pg_catalog.jsonb");
        else
            list += quote_identifier(columns[i].name);
    }
    return list;
}

namespace {

// Everything below runs inside one pg_call: PostgreSQL calls only, no C++ object with a destructor.

struct Row {
    HeapTuple tuple;
    TupleDesc descriptor;

    Datum value(int column, bool &null) const { return SPI_getbinval(tuple, descriptor, column, &null); }
};

void push_key(JsonbParseState **state, const char *key)
{
    JsonbValue value;
    value.type = jbvString;
    value.val.string.val = const_cast<char *>(key);
    value.val.string.len = static_cast<int>(strlen(key));
    pushJsonbValue(state, WJB_KEY, &value);
}

// A text column as a string value (null when NULL).
void push_text(JsonbParseState **state, const Row &row, int column)
{
    bool null = false;
    Datum datum = row.value(column, null);
    JsonbValue value;
    if (null) {
        value.type = jbvNull;
    } else {
        text *string = DatumGetTextPP(datum);
        value.type = jbvString;
        value.val.string.val = VARDATA_ANY(string);
        value.val.string.len = static_cast<int>(VARSIZE_ANY_EXHDR(string));
    }
    pushJsonbValue(state, WJB_VALUE, &value);
}

// "key": <text column>, unless the column is NULL.
void push_text_member(JsonbParseState **state, const char *key, const Row &row, int column)
{
    bool null = false;
    row.value(column, null);
    if (null)
        return;
    push_key(state, key);
    push_text(state, row, column);
}

// "key": <jsonb column>, unless the column is NULL.
void push_jsonb_member(JsonbParseState **state, const char *key, const Row &row, int column)
{
    bool null = false;
    Datum datum = row.value(column, null);
    if (null)
        return;
    Jsonb *document = DatumGetJsonbP(datum);
    JsonbValue value;
    if (JB_ROOT_IS_SCALAR(document)) {
        JsonbExtractScalar(&document->root, &value);
    } else {
        value.type = jbvBinary;
        value.val.binary.data = &document->root;
        value.val.binary.len = static_cast<int>(VARSIZE(document) - VARHDRSZ);
    }
    push_key(state, key);
    pushJsonbValue(state, WJB_VALUE, &value);
}

// {"type": <type column>, "id": <id column>}, both present (null when NULL).
void push_endpoint(JsonbParseState **state, const char *key, const Row &row, int type_column, int id_column)
{
    push_key(state, key);
    pushJsonbValue(state, WJB_BEGIN_OBJECT, nullptr);
    push_key(state, "type");
    push_text(state, row, type_column);
    push_key(state, "id");
    push_text(state, row, id_column);
    pushJsonbValue(state, WJB_END_OBJECT, nullptr);
}

// The payload key of a known action ("CREATE" -> "create"), or nullptr.
const char *payload_key(const Row &row, bool &is_delete)
{
    bool null = false;
    Datum datum = row.value(2, null);
    if (null)
        return nullptr;
    text *action = DatumGetTextPP(datum);
    size_t length = VARSIZE_ANY_EXHDR(action);
    const char *name = VARDATA_ANY(action);
    auto is = [&](const char *candidate) { return length == strlen(candidate) && memcmp(name, candidate, length) == 0; };
    is_delete = is("DELETE");
    return is("CREATE") ? "create" : is("UPSERT") ? "upsert" : is_delete ? "delete" : nullptr;
}

void push_operation(JsonbParseState **state, const Row &row, Target target)
{
    pushJsonbValue(state, WJB_BEGIN_OBJECT, nullptr);
    push_key(state, "action");
    push_text(state, row, 2);
    bool is_delete = false;
    if (const char *key = payload_key(row, is_delete)) {
        push_key(state, key);
        pushJsonbValue(state, WJB_BEGIN_OBJECT, nullptr);
        push_key(state, "type");
        push_text(state, row, 3);
        push_text_member(state, "id", row, 4);
        if (!is_delete && target == Target::Resources) {
            push_jsonb_member(state, "data", row, 5);
            push_jsonb_member(state, "contained", row, 6);
            push_jsonb_member(state, "meta", row, 7);
        } else if (!is_delete) {
            push_endpoint(state, "from", row, 5, 6);
            push_endpoint(state, "to", row, 7, 8);
            push_jsonb_member(state, "data", row, 9);
            push_jsonb_member(state, "meta", row, 10);
        }
        pushJsonbValue(state, WJB_END_OBJECT, nullptr);
    }
    pushJsonbValue(state, WJB_END_OBJECT, nullptr);
}

} // namespace

Jsonb *staged_operations(SPITupleTable *rows, uint64 count, Target target)
{
    return pg_call([&] {
        JsonbParseState *state = nullptr;
        pushJsonbValue(&state, WJB_BEGIN_ARRAY, nullptr);
        for (uint64 i = 0; i < count; ++i)
            push_operation(&state, Row{rows->vals[i], rows->tupdesc}, target);
        return JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_ARRAY, nullptr));
    });
}

} // namespace pg_bulk::pg
