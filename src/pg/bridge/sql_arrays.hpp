// Building SQL arrays (text[], jsonb[], int4[]) from C++ values, to pass a whole batch to one
// set-based statement as unnest($1, $2, ...).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pg/bridge/postgres.hpp"
#include "pg/bridge/spi.hpp"

extern "C" {
#include "utils/array.h"
}

namespace pg_bulk::pg {

// Collects the elements of one array parameter; nulls allowed. Elements are palloc'd in the
// current memory context.
class ArrayBuilder {
public:
    explicit ArrayBuilder(Oid element_type) : element_type_(element_type) {}
    void add_text(std::string_view value);
    void add_jsonb(const Jsonb *value);  // nullptr adds NULL
    void add_int4(int32 value);
    void add_tid(HeapTuple tuple, TupleDesc descriptor, int column);  // a tid column of an SPI row
    void add_null();
    size_t size() const { return values_.size(); }
    // The array as an SPI argument of type <element>[].
    SpiArg argument() const;

private:
    Oid element_type_;
    std::vector<Datum> values_;
    std::vector<bool> nulls_;
};

// The elements of a text[] argument of an SQL function; a NULL element raises 22023 naming `argument`.
std::vector<std::string> text_array_elements(ArrayType *array, const char *argument);

} // namespace pg_bulk::pg
