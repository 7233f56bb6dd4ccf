// Bulk operations (DESIGN §1, §3): their actions, what a receipt says about one, and the
// submit-time validation of one resource operation.
#pragma once

#include <optional>
#include <string_view>

#include "core/data_validator.hpp"
#include "core/errors.hpp"
#include "core/json_view.hpp"
#include "core/profile.hpp"

namespace pg_bulk {

enum class Action { Create, Upsert, Delete };

const char *action_name(Action action);   // "CREATE"
const char *payload_key(Action action);   // "create"
std::optional<Action> action_from_name(std::string_view name);

// Action, type and id of an operation, read leniently (absent when not a readable string),
// so even a malformed operation gets a receipt that says what it was.
struct OperationSummary {
    std::optional<Action> action;
    std::optional<std::string_view> type;
    std::optional<std::string_view> id;
};
OperationSummary summarize_operation(const JsonNode &operation);

// Shape and profile checks of one resource operation. Existence (409/404) is not checked here:
// earlier operations may change the answer by the time it is applied.
class ResourceOperationValidator {
public:
    ResourceOperationValidator(const ProfileCatalog &catalog, PatternEngine &patterns)
        : catalog_(catalog), data_(catalog, patterns) {}

    // The error of operation `index`, its message prefixed "operation <index>: <path>: ".
    std::optional<OperationError> validate(size_t index, const JsonNode &operation) const;

private:
    void check(const JsonNode &operation) const;
    void check_payload(Action action, const JsonNode &payload, const PathFrame &path) const;

    const ProfileCatalog &catalog_;
    DataValidator data_;
};

} // namespace pg_bulk
