// Bulk operations (DESIGN §1, §3): their actions, what a receipt says about one, and the
// submit-time validation of one resource or relationship operation.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/data_validator.hpp"
#include "core/errors.hpp"
#include "core/json_view.hpp"
#include "core/profile.hpp"
#include "core/relationship.hpp"

namespace pg_bulk {

enum class Action { Create, Upsert, Patch, Delete };

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

// Submit-time checks of one operation. Existence (409/404, endpoints, cardinality) is not checked
// here: earlier operations may change the answer by the time it is applied.
class OperationValidator {
public:
    virtual ~OperationValidator() = default;
    // The error of operation `index`, its message prefixed "operation <index>: <path>: ".
    std::optional<OperationError> validate(size_t index, const JsonNode &operation) const;
    // The same with another prefix (e.g. "row (0,3)"), built only when the operation is invalid.
    std::optional<OperationError> validate(const JsonNode &operation, const std::function<std::string()> &label) const;

protected:
    virtual void check_payload(Action action, const JsonNode &payload, const PathFrame &path) const = 0;

private:
    void check(const JsonNode &operation) const;
};

// Resource operations against profiles.
class ResourceOperationValidator final : public OperationValidator {
public:
    // With `relationships`, a relationship type sent here is named as such (INVALID_REQUEST).
    ResourceOperationValidator(const ProfileCatalog &catalog, PatternEngine &patterns,
                               const RelationshipCatalog *relationships = nullptr)
        : catalog_(catalog), relationships_(relationships), data_(catalog, patterns) {}

protected:
    void check_payload(Action action, const JsonNode &payload, const PathFrame &path) const override;

private:
    void check_patch(const Profile &profile, const std::optional<JsonNode> &data,
                     const std::optional<JsonNode> &contained, const PathFrame &path) const;
    const ProfileCatalog &catalog_;
    const RelationshipCatalog *relationships_;
    DataValidator data_;
};

// Relationship operations against relationship definitions.
class RelationshipOperationValidator final : public OperationValidator {
public:
    RelationshipOperationValidator(const RelationshipCatalog &relationships, const ProfileCatalog &profiles,
                                   PatternEngine &patterns)
        : relationships_(relationships), profiles_(profiles), data_(profiles, patterns) {}

protected:
    void check_payload(Action action, const JsonNode &payload, const PathFrame &path) const override;

private:
    void check_endpoint(const JsonNode *endpoint, const std::string &expected_type, const PathFrame &path) const;
    void check_data(const RelationshipDefinition &definition, const std::optional<JsonNode> &data,
                    const PathFrame &path) const;
    const RelationshipCatalog &relationships_;
    const ProfileCatalog &profiles_;
    DataValidator data_;
};

} // namespace pg_bulk
