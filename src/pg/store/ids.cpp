// Id generation with the backend's strong random source, and SQL access to generated ids.
#include "pg/store/ids.hpp"

#include "core/ksuid.hpp"
#include "pg/bridge/pg_call.hpp"

namespace pg_bulk::pg {

std::string new_bulk_id()
{
    KsuidPayload random{};
    if (!pg_strong_random(random.data(), random.size()))
        throw SqlError(ERRCODE_INTERNAL_ERROR, "could not generate random bytes for a bulk id");
    int64_t seconds = static_cast<int64_t>(time(nullptr));
    return std::string(bulk_id_prefix) + ksuid_encode(ksuid_make(seconds, random));
}

std::string generated_resource_id(std::string_view bulk_id, uint32_t index)
{
    auto id = pg_bulk::generated_resource_id(bulk_id, index);
    if (!id)
        throw invalid_bulk_id(bulk_id);
    return std::move(*id);
}

} // namespace pg_bulk::pg

using namespace pg_bulk::pg;

extern "C" {
PG_FUNCTION_INFO_V1(bulk_generated_id);
}

// bulk._generated_id(bulk_id text, seq int) RETURNS text
Datum bulk_generated_id(PG_FUNCTION_ARGS)
{
    return sql_entry([&] {
        text *bulk_id = PG_GETARG_TEXT_PP(0);
        int32 seq = PG_GETARG_INT32(1);
        if (seq < 0)
            throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE, "operation index must not be negative");
        std::string id = generated_resource_id(
            std::string_view(VARDATA_ANY(bulk_id), VARSIZE_ANY_EXHDR(bulk_id)), static_cast<uint32_t>(seq));
        return PointerGetDatum(pg_call([&] { return cstring_to_text_with_len(id.data(), static_cast<int>(id.size())); }));
    });
}
