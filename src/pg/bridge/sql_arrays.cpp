// SQL array construction for batch statements.
#include "pg/bridge/sql_arrays.hpp"

#include <memory>

#include "pg/bridge/pg_call.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "utils/array.h"
}

namespace pg_bulk::pg {

void ArrayBuilder::add_text(std::string_view value)
{
    values_.push_back(
        PointerGetDatum(pg_call([&] { return cstring_to_text_with_len(value.data(), static_cast<int>(value.size())); })));
    nulls_.push_back(false);
}

void ArrayBuilder::add_jsonb(const Jsonb *value)
{
    values_.push_back(PointerGetDatum(value));
    nulls_.push_back(value == nullptr);
}

void ArrayBuilder::add_int4(int32 value)
{
    values_.push_back(Int32GetDatum(value));
    nulls_.push_back(false);
}

void ArrayBuilder::add_tid(HeapTuple tuple, TupleDesc descriptor, int column)
{
    bool null = false;
    values_.push_back(pg_call([&] { return SPI_getbinval(tuple, descriptor, column, &null); }));
    nulls_.push_back(null);
}

void ArrayBuilder::add_null()
{
    values_.push_back(0);
    nulls_.push_back(true);
}

SpiArg ArrayBuilder::argument() const
{
    int count = static_cast<int>(values_.size());
    std::unique_ptr<bool[]> nulls(new bool[count > 0 ? count : 1]);
    for (int i = 0; i < count; ++i)
        nulls[i] = nulls_[i];
    Oid array_type = element_type_ == INT4OID    ? INT4ARRAYOID
                     : element_type_ == JSONBOID ? JSONBARRAYOID
                     : element_type_ == TIDOID   ? TIDARRAYOID
                                                 : TEXTARRAYOID;
    int16 length = element_type_ == INT4OID ? 4 : element_type_ == TIDOID ? sizeof(ItemPointerData) : -1;
    bool by_value = element_type_ == INT4OID;
    char align = element_type_ == TIDOID ? TYPALIGN_SHORT : TYPALIGN_INT;
    int dims[1] = {count};
    int lower_bounds[1] = {1};
    ArrayType *array = pg_call([&] {
        return construct_md_array(const_cast<Datum *>(values_.data()), nulls.get(), 1, dims, lower_bounds,
                                  element_type_, length, by_value, align);
    });
    return SpiArg{array_type, PointerGetDatum(array), false};
}

std::vector<std::string> text_array_elements(ArrayType *array, const char *argument)
{
    Datum *values = nullptr;
    bool *nulls = nullptr;
    int count = 0;
    pg_call([&] { deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT, &values, &nulls, &count); });
    std::vector<std::string> elements;
    for (int i = 0; i < count; ++i) {
        if (nulls[i])
            throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE, std::string(argument) + " must not contain NULL");
        // Elements of a detoasted array are plain varlenas: no call that could fail.
        const text *element = reinterpret_cast<const text *>(DatumGetPointer(values[i]));
        elements.emplace_back(VARDATA_ANY(element), VARSIZE_ANY_EXHDR(element));
    }
    return elements;
}

} // namespace pg_bulk::pg
