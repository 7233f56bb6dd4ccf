// Actions, receipt summaries and submit-time validation of resource operations.
#include "core/operation.hpp"

#include "core/json_text.hpp"
#include "core/merge_patch.hpp"
#include "core/versions.hpp"

namespace pg_bulk {

namespace {
constexpr Action all_actions[] = {Action::Create, Action::Upsert, Action::Patch, Action::Delete};
constexpr const char *expected_actions = "expected CREATE, UPSERT, PATCH or DELETE, ";

std::optional<std::string_view> string_member(const JsonNode &object, std::string_view key)
{
    auto value = object.find(key);
    if (value && value->is(JsonKind::String))
        return value->string();
    return std::nullopt;
}

// A member that must be a string: INVALID_REQUEST when absent, null or of another kind.
void require_string(const std::optional<JsonNode> &value, const PathFrame &path)
{
    if (!value || value->is(JsonKind::Null))
        fail_at(ErrorType::InvalidRequest, path, "is required");
    if (!value->is(JsonKind::String))
        fail_at(ErrorType::InvalidRequest, path, "expected string, " + got_kind(*value));
}

// The client id of a payload: optional for CREATE, required otherwise.
void check_client_id(const std::optional<JsonNode> &id, Action action, const PathFrame &path)
{
    if (!id || id->is(JsonKind::Null)) {
        if (action != Action::Create)
            fail_at(ErrorType::InvalidRequest, path, "is required for action " + std::string(action_name(action)));
    } else if (!id->is(JsonKind::String) || !is_valid_client_id(id->string())) {
        fail_at(ErrorType::InvalidRequest, path,
                "expected 1 to 64 characters of [A-Za-z0-9._:-], " +
                    (id->is(JsonKind::String) ? "got " + quote_excerpt(id->string()) : got_kind(*id)));
    }
}
// The message for a payload key the action does not take; `content`: the keys beside type, id and ifVersion.
std::string unknown_key_message(Action action, const char *content)
{
    if (action == Action::Delete)
        return "unknown key (a delete takes only type, id and ifVersion)";
    return std::string("unknown key (expected type, id, ") + (takes_if_version(action) ? "ifVersion, " : "") +
           content + ")";
}
// The data of a PATCH: an object of properties to merge (null would remove the whole data).
void check_patch_data(const std::optional<JsonNode> &data, const PathFrame &path)
{
    if (data && data->is(JsonKind::Null))
        fail_at(ErrorType::InvalidRequest, path,
                "cannot be null: a patch removes properties one by one (\"data\": {\"name\": null})");
    if (data && !data->is(JsonKind::Object))
        fail_at(ErrorType::InvalidRequest, path, "expected object, " + got_kind(*data));
}

// meta: an object (or null: none, or in a patch removed). A patch's is merged recursively: bounded depth.
void check_meta(const std::optional<JsonNode> &meta, Action action, const PathFrame &path)
{
    if (!meta || meta->is(JsonKind::Null))
        return;
    if (!meta->is(JsonKind::Object))
        fail_at(ErrorType::InvalidRequest, path, "expected object, " + got_kind(*meta));
    if (action == Action::Patch && object_depth(*meta) > max_patch_depth)
        fail_at(ErrorType::InvalidRequest, path,
                "objects nested deeper than " + std::to_string(max_patch_depth) + " levels in a patch");
}
} // namespace

const char *action_name(Action action)
{
    switch (action) {
    case Action::Create: return "CREATE";
    case Action::Upsert: return "UPSERT";
    case Action::Patch: return "PATCH";
    case Action::Delete: return "DELETE";
    }
    return "?";
}

const char *payload_key(Action action)
{
    switch (action) {
    case Action::Create: return "create";
    case Action::Upsert: return "upsert";
    case Action::Patch: return "patch";
    case Action::Delete: return "delete";
    }
    return "?";
}

std::optional<Action> action_from_name(std::string_view name)
{
    for (Action action : all_actions)
        if (name == action_name(action))
            return action;
    return std::nullopt;
}

OperationSummary summarize_operation(const JsonNode &operation)
{
    OperationSummary summary;
    if (!operation.is(JsonKind::Object))
        return summary;
    if (auto name = string_member(operation, "action"))
        summary.action = action_from_name(*name);
    if (!summary.action)
        return summary;
    auto payload = operation.find(payload_key(*summary.action));
    if (payload && payload->is(JsonKind::Object)) {
        summary.type = string_member(*payload, "type");
        summary.id = string_member(*payload, "id");
    }
    return summary;
}

std::optional<OperationError> OperationValidator::validate(size_t index, const JsonNode &operation) const
{
    return validate(operation, [index] { return "operation " + std::to_string(index); });
}

std::optional<OperationError> OperationValidator::validate(const JsonNode &operation,
                                                           const std::function<std::string()> &label) const
{
    try {
        check(operation);
        return std::nullopt;
    } catch (const ValidationFailure &failure) {
        std::string message = label() + ": ";
        if (!failure.path.empty())
            message += failure.path + ": ";
        return OperationError{failure.type, message + failure.detail};
    }
}

void OperationValidator::check(const JsonNode &operation) const
{
    PathFrame root;
    if (!operation.is(JsonKind::Object))
        fail_at(ErrorType::InvalidRequest, root, "expected an operation object, " + got_kind(operation));
    auto action_node = operation.find("action");
    PathFrame action_path = root.member("action");
    if (!action_node)
        fail_at(ErrorType::InvalidRequest, action_path, "is required");
    if (!action_node->is(JsonKind::String))
        fail_at(ErrorType::InvalidRequest, action_path, expected_actions + got_kind(*action_node));
    auto action = action_from_name(action_node->string());
    if (!action)
        fail_at(ErrorType::InvalidRequest, action_path,
                expected_actions + ("got " + quote_excerpt(action_node->string())));
    std::string_view expected_key = payload_key(*action);
    for (size_t i = 0; i < operation.size(); ++i) {
        std::string_view key = operation.key(i);
        if (key != "action" && key != expected_key)
            fail_at(ErrorType::InvalidRequest, root.member(key),
                    "unexpected key: action " + std::string(action_name(*action)) + " takes its payload in \"" +
                        std::string(expected_key) + "\"");
    }
    PathFrame payload_path = root.member(expected_key);
    auto payload = operation.find(expected_key);
    if (!payload)
        fail_at(ErrorType::InvalidRequest, payload_path, "is required for action " + std::string(action_name(*action)));
    if (!payload->is(JsonKind::Object))
        fail_at(ErrorType::InvalidRequest, payload_path, "expected object, " + got_kind(*payload));
    check_payload(*action, *payload, payload_path);
}

void ResourceOperationValidator::check_payload(Action action, const JsonNode &payload, const PathFrame &path) const
{
    std::optional<JsonNode> type, id, data, contained, meta;
    for (size_t i = 0; i < payload.size(); ++i) {
        std::string_view key = payload.key(i);
        JsonNode value = payload.value(i);
        bool full = action != Action::Delete;
        if (key == "type") type = value;
        else if (key == "id") id = value;
        else if (key == "ifVersion" && takes_if_version(action)) check_if_version(value, path.member(key));
        else if (full && key == "data") data = value;
        else if (full && key == "contained") contained = value;
        else if (full && key == "meta") meta = value;
        else if (key == "from" || key == "to")
            fail_at(ErrorType::InvalidRequest, path.member(key),
                    "a resource operation has no " + std::string(key) +
                        ": relationship operations go to bulk.submit_relationships");
        else
            fail_at(ErrorType::InvalidRequest, path.member(key), unknown_key_message(action, "data, contained, meta"));
    }
    PathFrame type_path = path.member("type");
    require_string(type, type_path);
    const Profile *profile = catalog_.find(type->string());
    if (!profile && relationships_ && relationships_->find_relationship(type->string()))
        fail_at(ErrorType::InvalidRequest, type_path,
                quote_excerpt(type->string()) +
                    " is a relationship type: relationship operations go to bulk.submit_relationships");
    if (!profile)
        fail_at(ErrorType::UnknownType, type_path, "no profile " + quote_excerpt(type->string()));
    if (profile->kind != ProfileKind::Root)
        fail_at(ErrorType::UnknownType, type_path,
                "profile " + quote_excerpt(profile->key) + " is CONTAINED: it can only be used inside contained");

    check_client_id(id, action, path.member("id"));
    if (action == Action::Delete)
        return;
    if (action == Action::Patch) {
        check_meta(meta, action, path.member("meta"));
        check_patch(*profile, data, contained, path);
        return;
    }

    PathFrame data_path = path.member("data");
    if (!data || data->is(JsonKind::Null))
        fail_at(ErrorType::InvalidRequest, data_path, "is required for action " + std::string(action_name(action)));
    if (!data->is(JsonKind::Object))
        fail_at(ErrorType::InvalidRequest, data_path, "expected object, " + got_kind(*data));
    check_meta(meta, action, path.member("meta"));
    data_.validate_properties(profile->properties, profile->required_properties, *data, data_path, "profile",
                              profile->key);
    data_.validate_contained(*profile, contained, path.member("contained"), 0);
}

// A PATCH checks the values it gives, not `required` (the merged record is checked when applied).
void ResourceOperationValidator::check_patch(const Profile &profile, const std::optional<JsonNode> &data,
                                             const std::optional<JsonNode> &contained, const PathFrame &path) const
{
    PathFrame data_path = path.member("data");
    check_patch_data(data, data_path);
    if (data)
        data_.validate_patch(profile.properties, *data, data_path, "profile", profile.key);
    if (contained && !contained->is(JsonKind::Null))
        data_.validate_contained_patch(profile, *contained, path.member("contained"));
}

void RelationshipOperationValidator::check_endpoint(const JsonNode *endpoint, const std::string &expected_type,
                                                    const PathFrame &path) const
{
    if (!endpoint || endpoint->is(JsonKind::Null))
        fail_at(ErrorType::InvalidRequest, path, "is required");
    if (!endpoint->is(JsonKind::Object))
        fail_at(ErrorType::InvalidRequest, path, "expected object {type, id}, " + got_kind(*endpoint));
    for (size_t i = 0; i < endpoint->size(); ++i) {
        std::string_view key = endpoint->key(i);
        if (key != "type" && key != "id")
            fail_at(ErrorType::InvalidRequest, path.member(key), "unknown key (an endpoint takes only type and id)");
    }
    auto type = endpoint->find("type");
    PathFrame type_path = path.member("type");
    require_string(type, type_path);
    if (type->string() != expected_type)
        fail_at(ErrorType::InvalidValue, type_path,
                "expected " + quote_excerpt(expected_type) + ", got " + quote_excerpt(type->string()));
    auto id = endpoint->find("id");
    PathFrame id_path = path.member("id");
    if (!id || id->is(JsonKind::Null))
        fail_at(ErrorType::InvalidRequest, id_path, "is required");
    if (!id->is(JsonKind::String) || !is_valid_client_id(id->string()))
        fail_at(ErrorType::InvalidRequest, id_path,
                "expected 1 to 64 characters of [A-Za-z0-9._:-], " +
                    (id->is(JsonKind::String) ? "got " + quote_excerpt(id->string()) : got_kind(*id)));
}

void RelationshipOperationValidator::check_payload(Action action, const JsonNode &payload, const PathFrame &path) const
{
    std::optional<JsonNode> type, id, from, to, data, meta;
    bool full = action != Action::Delete;
    for (size_t i = 0; i < payload.size(); ++i) {
        std::string_view key = payload.key(i);
        JsonNode value = payload.value(i);
        if (key == "type") type = value;
        else if (key == "id") id = value;
        else if (key == "ifVersion" && takes_if_version(action)) check_if_version(value, path.member(key));
        else if (action == Action::Patch && (key == "from" || key == "to"))
            fail_at(ErrorType::InvalidRequest, path.member(key),
                    "a PATCH cannot move a relationship: its endpoints are fixed (DELETE it and CREATE another)");
        else if (full && key == "from") from = value;
        else if (full && key == "to") to = value;
        else if (full && key == "data") data = value;
        else if (full && key == "meta") meta = value;
        else if (key == "contained")
            fail_at(ErrorType::InvalidRequest, path.member(key),
                    "a relationship operation has no contained: resource operations go to bulk.submit_resources");
        else
            fail_at(ErrorType::InvalidRequest, path.member(key), unknown_key_message(action, "from, to, data, meta"));
    }
    if (full && action != Action::Patch && !from && !to && data)
        fail_at(ErrorType::InvalidRequest, path.member("from"),
                "is required (this looks like a resource operation: resource operations go to "
                "bulk.submit_resources)");
    PathFrame type_path = path.member("type");
    require_string(type, type_path);
    check_client_id(id, action, path.member("id"));
    const RelationshipDefinition *definition = relationships_.find_relationship(type->string());
    if (!definition && profiles_.find(type->string()))
        fail_at(ErrorType::InvalidRequest, type_path,
                quote_excerpt(type->string()) + " is a profile: resource operations go to bulk.submit_resources");
    if (!definition)
        fail_at(ErrorType::UnknownType, type_path, "no relationship definition " + quote_excerpt(type->string()));
    if (action == Action::Delete)
        return;
    if (action == Action::Patch) {
        check_meta(meta, action, path.member("meta"));
        check_patch_data(data, path.member("data"));
        if (data)
            data_.validate_patch(definition->properties, *data, path.member("data"), "relationship definition",
                                 definition->key);
        return;
    }
    check_endpoint(from ? &*from : nullptr, definition->from_profile, path.member("from"));
    check_endpoint(to ? &*to : nullptr, definition->to_profile, path.member("to"));
    check_meta(meta, action, path.member("meta"));
    check_data(*definition, data, path.member("data"));
}

// The data of a relationship CREATE or UPSERT: optional unless the definition requires properties.
void RelationshipOperationValidator::check_data(const RelationshipDefinition &definition,
                                                const std::optional<JsonNode> &data, const PathFrame &data_path) const
{
    if (data && !data->is(JsonKind::Null)) {
        if (!data->is(JsonKind::Object))
            fail_at(ErrorType::InvalidRequest, data_path, "expected object, " + got_kind(*data));
        data_.validate_properties(definition.properties, definition.required_properties, *data, data_path,
                                  "relationship definition", definition.key);
    } else if (definition.required_properties > 0) {
        for (const PropertySpec &spec : definition.properties)
            if (spec.rules.required)
                fail_at(ErrorType::MissingRequired, data_path.member(spec.name), "required property is missing");
    }
}

} // namespace pg_bulk
