// Bulk ids ("bk_" + KSUID) and the deterministic ids of resources created without one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pg_bulk::pg {

constexpr std::string_view bulk_id_prefix = "bk_";

std::string new_bulk_id();
// The id given to operation `index` of a bulk when its CREATE names none; the same on every call,
// so receipts show it before the operation runs and a replay after a crash reuses it.
std::string generated_resource_id(std::string_view bulk_id, uint32_t index);

} // namespace pg_bulk::pg
