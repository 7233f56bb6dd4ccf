// Actions, receipt summaries and submit-time validation of resource operations.
#include "core/operation.hpp"

#include "core/json_text.hpp"

namespace pg_bulk {

namespace {
constexpr Action all_actions[] = {Action::Create, Action::Upsert, Action::Delete};

std::string got(const JsonNode &value)
{
    return std::string("got ") + json_kind_name(value.kind());
}

std::optional<std::string_view> string_member(const JsonNode &object, std::string_view key)
{
    auto value = object.find(key);
    if (value && value->is(JsonKind::String))
        return value->string();
    return std::nullopt;
}
} // namespace

const char *action_name(Action action)
{
    switch (action) {
    case Action::Create: return "CREATE";
    case Action::Upsert: return "UPSERT";
    case Action::Delete: return "DELETE";
    }
    return "?";
}

const char *payload_key(Action action)
{
    switch (action) {
    case Action::Create: return "create";
    case Action::Upsert: return "upsert";
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

std::optional<OperationError> ResourceOperationValidator::validate(size_t index, const JsonNode &operation) const
{
    try {
        check(operation);
        return std::nullopt;
    } catch (const ValidationFailure &failure) {
        std::string message = "operation " + std::to_string(index) + ": ";
        if (!failure.path.empty())
            message += failure.path + ": ";
        return OperationError{failure.type, message + failure.detail};
    }
}

void ResourceOperationValidator::check(const JsonNode &operation) const
{
    PathFrame root;
    if (!operation.is(JsonKind::Object))
        fail_at(ErrorType::InvalidRequest, root, "expected an operation object, " + got(operation));
    auto action_node = operation.find("action");
    PathFrame action_path = root.member("action");
    if (!action_node)
        fail_at(ErrorType::InvalidRequest, action_path, "is required");
    if (!action_node->is(JsonKind::String))
        fail_at(ErrorType::InvalidRequest, action_path, "expected CREATE, UPSERT or DELETE, " + got(*action_node));
    auto action = action_from_name(action_node->string());
    if (!action)
        fail_at(ErrorType::InvalidRequest, action_path,
                "expected CREATE, UPSERT or DELETE, got " + quote_excerpt(action_node->string()));
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
        fail_at(ErrorType::InvalidRequest, payload_path, "expected object, " + got(*payload));
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
        else if (full && key == "data") data = value;
        else if (full && key == "contained") contained = value;
        else if (full && key == "meta") meta = value;
        else
            fail_at(ErrorType::InvalidRequest, path.member(key),
                    full ? "unknown key (expected type, id, data, contained, meta)"
                         : "unknown key (a delete takes only type and id)");
    }
    PathFrame type_path = path.member("type");
    if (!type || type->is(JsonKind::Null))
        fail_at(ErrorType::InvalidRequest, type_path, "is required");
    if (!type->is(JsonKind::String))
        fail_at(ErrorType::InvalidRequest, type_path, "expected string, " + got(*type));
    const Profile *profile = catalog_.find(type->string());
    if (!profile)
        fail_at(ErrorType::UnknownType, type_path, "no profile " + quote_excerpt(type->string()));
    if (profile->kind != ProfileKind::Root)
        fail_at(ErrorType::UnknownType, type_path,
                "profile " + quote_excerpt(profile->key) + " is CONTAINED: it can only be used inside contained");

    PathFrame id_path = path.member("id");
    if (!id || id->is(JsonKind::Null)) {
        if (action != Action::Create)
            fail_at(ErrorType::InvalidRequest, id_path, "is required for action " + std::string(action_name(action)));
    } else if (!id->is(JsonKind::String) || !is_valid_client_id(id->string())) {
        fail_at(ErrorType::InvalidRequest, id_path,
                "expected 1 to 64 characters of [A-Za-z0-9._:-], " +
                    (id->is(JsonKind::String) ? "got " + quote_excerpt(id->string()) : got(*id)));
    }
    if (action == Action::Delete)
        return;

    PathFrame data_path = path.member("data");
    if (!data || data->is(JsonKind::Null))
        fail_at(ErrorType::InvalidRequest, data_path, "is required for action " + std::string(action_name(action)));
    if (!data->is(JsonKind::Object))
        fail_at(ErrorType::InvalidRequest, data_path, "expected object, " + got(*data));
    if (meta && !meta->is(JsonKind::Null) && !meta->is(JsonKind::Object))
        fail_at(ErrorType::InvalidRequest, path.member("meta"), "expected object, " + got(*meta));
    data_.validate_properties(profile->properties, profile->required_properties, *data, data_path, "profile",
                              profile->key);
    data_.validate_contained(*profile, contained, path.member("contained"), 0);
}

} // namespace pg_bulk
