// Thin SPI helpers for the C++ side: every call goes through pg_call, results are copied out
// or read while the SPI connection is open.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pg/bridge/postgres.hpp"

namespace pg_bulk::pg {

// One query parameter.
struct SpiArg {
    Oid type;
    Datum value;
    bool null;
};
SpiArg text_arg(std::string_view value);
SpiArg optional_text_arg(const std::optional<std::string> &value);
SpiArg jsonb_arg(const Jsonb *value);
SpiArg int4_arg(int32 value);
SpiArg oid_arg(Oid value);
SpiArg int8_arg(int64 value);
SpiArg bytea_arg(std::string_view bytes);

// Rows of the last SPI statement; columns are numbered from 1 as in SPI.
class SpiResult {
public:
    explicit SpiResult(SPITupleTable *table, uint64 count) : table_(table), count_(count) {}
    uint64 count() const { return count_; }
    std::string text(uint64 row, int column) const;
    // Columns of these types that are never null, read in binary (no text to parse back).
    int32 int4(uint64 row, int column) const;
    Oid oid(uint64 row, int column) const;
    bool boolean(uint64 row, int column) const;
    int64 int8(uint64 row, int column) const;
    std::string bytes(uint64 row, int column) const;  // a bytea column, copied out; empty when null
    const Jsonb *jsonb(uint64 row, int column) const;  // detoasted in the current memory context
    Datum binary(uint64 row, int column, bool &null) const;
    SPITupleTable *table() const { return table_; }

private:
    SPITupleTable *table_;
    uint64 count_;
};

// Runs a read-only query with text parameters.
SpiResult spi_query(const char *sql, std::vector<std::string> text_params);
// Runs any statement with typed parameters.
SpiResult spi_execute(const char *sql, std::initializer_list<SpiArg> args);
// The same through a statement prepared once per backend and kept (run for every batch or chunk: its
// parse and analysis are not redone), planned at each call for the current table sizes and
// parameters. `sql` must be a string literal: statements are found by its address. PostgreSQL's
// plan cache re-analyzes after schema changes.
SpiResult spi_execute_prepared(const char *sql, std::initializer_list<SpiArg> args);
// The same, planned once: only for statements whose plan cannot depend on table sizes, such as an
// INSERT of parameter arrays (with ON CONFLICT, its arbiter is always the unique index).
SpiResult spi_execute_generic(const char *sql, std::initializer_list<SpiArg> args);
// A read-only query planned once, run in the caller's snapshot (for STABLE functions): a lookup by
// primary key, whose plan cannot depend on table sizes.
SpiResult spi_query_generic(const char *sql, std::initializer_list<SpiArg> args);
// spi_query_generic for a LIMIT read along an index's order (the next rows by primary key): planned with
// sequential scans, bitmap scans and sorts switched off, so that the plan is the index's order whatever the
// table's statistics say. A table never analyzed is estimated at a few rows, for which a bitmap scan of
// every remaining row and a sort look cheapest: each read would cost what is left of the table.
SpiResult spi_query_in_index_order(const char *sql, std::initializer_list<SpiArg> args);

void spi_connect();
void spi_finish();

} // namespace pg_bulk::pg
