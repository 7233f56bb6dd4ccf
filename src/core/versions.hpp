// Record versions (DESIGN §11): every stored resource and relationship has a version, 1 when it is
// created and one more at every write. An UPSERT or DELETE (and a PATCH) may carry "ifVersion": it
// then applies only to the record at that version.
#pragma once

#include <cstdint>
#include <optional>

#include "core/errors.hpp"
#include "core/json_path.hpp"
#include "core/json_view.hpp"
#include "core/operation.hpp"

namespace pg_bulk {

struct PlannedOperation;

// The version a record is created with.
constexpr int32_t first_version = 1;

// Whether an action's payload may carry ifVersion (CREATE is conditional already: 409).
bool takes_if_version(Action action);

// Submit-time check of a payload's ifVersion: a whole number from 1 to 2147483647 (INVALID_REQUEST).
void check_if_version(const JsonNode &if_version, const PathFrame &path);

// The ifVersion of a payload that passed check_if_version; nullopt when it has none.
std::optional<int32_t> read_if_version(const JsonNode &payload);

// The version an operation writes over a record stored at `stored` (nullopt: no record).
int32_t next_version(std::optional<int32_t> stored);

// Why a conditional operation does not apply to the record stored at `stored` (nullopt: no record):
// NOT_FOUND, or PRECONDITION_FAILED naming both versions; nullopt when it applies (or has no ifVersion).
std::optional<OperationError> failed_precondition(const PlannedOperation &operation, std::optional<int32_t> stored);

} // namespace pg_bulk
