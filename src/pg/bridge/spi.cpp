// SPI calls wrapped for C++.
#include "pg/bridge/spi.hpp"

#include <unordered_map>

#include "pg/bridge/pg_call.hpp"

extern "C" {
#include "utils/guc.h"
}

namespace pg_bulk::pg {

SpiArg text_arg(std::string_view value)
{
    text *datum = pg_call([&] { return cstring_to_text_with_len(value.data(), static_cast<int>(value.size())); });
    return SpiArg{TEXTOID, PointerGetDatum(datum), false};
}

SpiArg optional_text_arg(const std::optional<std::string> &value)
{
    return value ? text_arg(*value) : SpiArg{TEXTOID, 0, true};
}

SpiArg jsonb_arg(const Jsonb *value)
{
    return SpiArg{JSONBOID, PointerGetDatum(value), false};
}

SpiArg int4_arg(int32 value)
{
    return SpiArg{INT4OID, Int32GetDatum(value), false};
}

SpiArg int8_arg(int64 value)
{
    return SpiArg{INT8OID, Int64GetDatum(value), false};
}

SpiArg bytea_arg(std::string_view bytes)
{
    bytea *datum = pg_call([&] {
        bytea *value = static_cast<bytea *>(palloc(VARHDRSZ + bytes.size()));
        SET_VARSIZE(value, VARHDRSZ + bytes.size());
        memcpy(VARDATA(value), bytes.data(), bytes.size());
        return value;
    });
    return SpiArg{BYTEAOID, PointerGetDatum(datum), false};
}

SpiArg oid_arg(Oid value)
{
    return SpiArg{OIDOID, ObjectIdGetDatum(value), false};
}

namespace {

// Parameters in the three arrays SPI takes.
struct SpiParameters {
    std::vector<Oid> types;
    std::vector<Datum> values;
    std::vector<char> nulls;

    explicit SpiParameters(const std::vector<SpiArg> &args)
    {
        for (const SpiArg &arg : args) {
            types.push_back(arg.type);
            values.push_back(arg.value);
            nulls.push_back(arg.null ? 'n' : ' ');
        }
    }
};

SpiResult result_of(int code, const char *sql)
{
    if (code < 0)
        throw std::runtime_error(std::string("SPI failed (") + SPI_result_code_string(code) + ") running: " + sql);
    return SpiResult(SPI_tuptable, SPI_processed);
}

SpiResult run(const char *sql, const std::vector<SpiArg> &args, bool read_only)
{
    SpiParameters parameters(args);
    return result_of(pg_call([&] {
                         return SPI_execute_with_args(sql, static_cast<int>(args.size()), parameters.types.data(),
                                                      parameters.values.data(), parameters.nulls.data(), read_only, 0);
                     }),
                     sql);
}

} // namespace

SpiResult spi_query(const char *sql, std::vector<std::string> text_params)
{
    std::vector<SpiArg> args;
    for (const std::string &param : text_params)
        args.push_back(text_arg(param));
    return run(sql, args, true);
}

SpiResult spi_execute(const char *sql, std::initializer_list<SpiArg> args)
{
    return run(sql, std::vector<SpiArg>(args), false);
}

namespace {

SpiResult execute_kept_plan(const char *sql, std::initializer_list<SpiArg> args, int cursor_options, bool read_only)
{
    static std::unordered_map<const char *, SPIPlanPtr> plans;
    SpiParameters parameters{std::vector<SpiArg>(args)};
    auto found = plans.find(sql);
    if (found == plans.end()) {
        SPIPlanPtr plan = pg_call([&] {
            SPIPlanPtr prepared = SPI_prepare_cursor(sql, static_cast<int>(parameters.types.size()),
                                                     parameters.types.data(), cursor_options);
            if (prepared == nullptr)
                elog(ERROR, "SPI_prepare failed (%s) for: %s", SPI_result_code_string(SPI_result), sql);
            SPI_keepplan(prepared);
            return prepared;
        });
        found = plans.emplace(sql, plan).first;
    }
    return result_of(pg_call([&] {
                         return SPI_execute_plan(found->second, parameters.values.data(), parameters.nulls.data(),
                                                 read_only, 0);
                     }),
                     sql);
}

} // namespace

SpiResult spi_execute_prepared(const char *sql, std::initializer_list<SpiArg> args)
{
    // Planned at each call: a generic plan made while a table was empty would be kept as it grows (a
    // nested loop scanning the whole table per key), whereas a custom plan sees the table's current
    // size and the parameters' array lengths. Planning is a small cost per batch.
    return execute_kept_plan(sql, args, CURSOR_OPT_CUSTOM_PLAN, false);
}

SpiResult spi_execute_generic(const char *sql, std::initializer_list<SpiArg> args)
{
    return execute_kept_plan(sql, args, CURSOR_OPT_GENERIC_PLAN, false);
}

SpiResult spi_query_generic(const char *sql, std::initializer_list<SpiArg> args)
{
    return execute_kept_plan(sql, args, CURSOR_OPT_GENERIC_PLAN, true);
}

SpiResult spi_query_in_index_order(const char *sql, std::initializer_list<SpiArg> args)
{
    int level = pg_call([] {
        int nest_level = NewGUCNestLevel();
        for (const char *name : {"enable_seqscan", "enable_bitmapscan", "enable_sort"})
            (void)set_config_option(name, "off", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
        return nest_level;
    });
    try {
        SpiResult result = spi_query_generic(sql, args);
        pg_call([&] { AtEOXact_GUC(false, level); });
        return result;
    } catch (...) {
        pg_call([&] { AtEOXact_GUC(false, level); });
        throw;
    }
}

Datum SpiResult::binary(uint64 row, int column, bool &null) const
{
    bool is_null = false;
    Datum value = pg_call([&] { return SPI_getbinval(table_->vals[row], table_->tupdesc, column, &is_null); });
    null = is_null;
    return value;
}

int64 SpiResult::int8(uint64 row, int column) const
{
    bool null = false;
    return DatumGetInt64(binary(row, column, null));
}

std::string SpiResult::bytes(uint64 row, int column) const
{
    bool null = false;
    Datum value = binary(row, column, null);
    if (null)
        return {};
    bytea *detoasted = pg_call([&] { return DatumGetByteaPP(value); });
    std::string copy(VARDATA_ANY(detoasted), VARSIZE_ANY_EXHDR(detoasted));
    if (PointerGetDatum(detoasted) != value)
        pg_call([&] { pfree(detoasted); });
    return copy;
}

int32 SpiResult::int4(uint64 row, int column) const
{
    bool null = false;
    return DatumGetInt32(binary(row, column, null));
}

Oid SpiResult::oid(uint64 row, int column) const
{
    bool null = false;
    return DatumGetObjectId(binary(row, column, null));
}

bool SpiResult::boolean(uint64 row, int column) const
{
    bool null = false;
    return DatumGetBool(binary(row, column, null));
}

std::string SpiResult::text(uint64 row, int column) const
{
    char *value = pg_call([&] { return SPI_getvalue(table_->vals[row], table_->tupdesc, column); });
    return value ? std::string(value) : std::string();
}

const Jsonb *SpiResult::jsonb(uint64 row, int column) const
{
    bool null = false;
    Datum value = binary(row, column, null);
    if (null)
        return nullptr;
    return pg_call([&] { return DatumGetJsonbP(value); });
}

void spi_connect()
{
    pg_call([] { SPI_connect(); });
}

void spi_finish()
{
    pg_call([] { SPI_finish(); });
}

} // namespace pg_bulk::pg
