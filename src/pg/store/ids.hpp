// Bulk ids ("bk_" + KSUID) and the deterministic ids of resources created without one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/ksuid.hpp"

namespace pg_bulk::pg {

std::string new_bulk_id();
// core's generated_resource_id (the rule is there), raising SQLSTATE 22023 for an invalid bulk id.
std::string generated_resource_id(std::string_view bulk_id, uint32_t index);

} // namespace pg_bulk::pg
