// Staged rows turned into operations without SQL expressions: one builder pass per fetch writes the
// whole array (a jsonb_build_object chain per row cost more than validating it).
#include "pg/store/staged_rows.hpp"

#include <optional>
#include <string_view>

#include "core/operation.hpp"
#include "pg/bridge/jsonb_builder.hpp"
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

struct Row {
    HeapTuple tuple;
    TupleDesc descriptor;

    // The value of a text column (nullopt when NULL); the row's memory holds it.
    std::optional<std::string_view> text_value(int column) const
    {
        bool null = false;
        Datum datum = pg_call([&] { return SPI_getbinval(tuple, descriptor, column, &null); });
        if (null)
            return std::nullopt;
        ::text *string = pg_call([&] { return DatumGetTextPP(datum); });
        return std::string_view(VARDATA_ANY(string), VARSIZE_ANY_EXHDR(string));
    }

    // The value of a jsonb column (nullopt when NULL), read in place.
    std::optional<JsonNode> jsonb_value(int column, const JsonbReader &reader) const
    {
        bool null = false;
        Datum datum = pg_call([&] { return SPI_getbinval(tuple, descriptor, column, &null); });
        if (null)
            return std::nullopt;
        return reader.root(pg_call([&] { return DatumGetJsonbP(datum); }));
    }
};

// A text column as a string value (null when NULL).
void write_text(JsonBuilder &out, const Row &row, int column)
{
    if (auto value = row.text_value(column))
        out.string(*value);
    else
        out.null();
}

// "key": <text column>, unless the column is NULL.
void text_member(JsonBuilder &out, std::string_view key, const Row &row, int column)
{
    if (auto value = row.text_value(column))
        out.member(key, *value);
}

// "key": <jsonb column>, unless the column is NULL.
void jsonb_member(JsonBuilder &out, std::string_view key, const Row &row, int column, const JsonbReader &reader)
{
    if (auto value = row.jsonb_value(column, reader)) {
        out.key(key);
        out.copy(*value);
    }
}

// {"type": <type column>, "id": <id column>}, both present (null when NULL).
void endpoint_member(JsonBuilder &out, std::string_view key, const Row &row, int type_column, int id_column)
{
    out.key(key);
    out.begin_object();
    out.key("type");
    write_text(out, row, type_column);
    out.key("id");
    write_text(out, row, id_column);
    out.end_object();
}

// The action of a staged row that has a payload: CREATE, UPSERT or DELETE (a staging table has no
// PATCH columns; any other action is written as it is and refused by validation).
std::optional<Action> staged_action(const std::optional<std::string_view> &name)
{
    std::optional<Action> action = name ? action_from_name(*name) : std::nullopt;
    return action == Action::Patch ? std::nullopt : action;
}

void write_operation(JsonBuilder &out, const Row &row, Target target, const JsonbReader &reader)
{
    std::optional<std::string_view> action_text = row.text_value(2);
    out.begin_object();
    out.key("action");
    if (action_text)
        out.string(*action_text);
    else
        out.null();
    if (std::optional<Action> action = staged_action(action_text)) {
        out.key(payload_key(*action));
        out.begin_object();
        out.key("type");
        write_text(out, row, 3);
        text_member(out, "id", row, 4);
        if (*action != Action::Delete && target == Target::Resources) {
            jsonb_member(out, "data", row, 5, reader);
            jsonb_member(out, "contained", row, 6, reader);
            jsonb_member(out, "meta", row, 7, reader);
        } else if (*action != Action::Delete) {
            endpoint_member(out, "from", row, 5, 6);
            endpoint_member(out, "to", row, 7, 8);
            jsonb_member(out, "data", row, 9, reader);
            jsonb_member(out, "meta", row, 10, reader);
        }
        out.end_object();
    }
    out.end_object();
}

} // namespace

Jsonb *staged_operations(SPITupleTable *rows, uint64 count, Target target)
{
    JsonbReader reader;
    return jsonb_of([&](JsonBuilder &out) {
        out.begin_array();
        for (uint64 i = 0; i < count; ++i)
            write_operation(out, Row{rows->vals[i], rows->tupdesc}, target, reader);
        out.end_array();
    });
}

} // namespace pg_bulk::pg
