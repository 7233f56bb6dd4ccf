// Property and contained-entry validation (DESIGN §2 data types and rules).
#include "core/data_validator.hpp"

#include <algorithm>

#include "core/json_text.hpp"
#include "core/merge_patch.hpp"
#include "core/value_checks.hpp"

namespace pg_bulk {

void fail_at(ErrorType type, const PathFrame &path, std::string detail)
{
    throw ValidationFailure{type, render_path(&path), std::move(detail)};
}

namespace {

// What a text type accepts, for messages; nullptr for types with no format.
const char *format_of(DataType type)
{
    switch (type) {
    case DataType::Code: return "a code (no leading, trailing or repeated whitespace)";
    case DataType::Uri: return "a URI (no whitespace)";
    case DataType::Url: return "an absolute http or https URL";
    case DataType::Date: return "a date YYYY, YYYY-MM or YYYY-MM-DD";
    case DataType::DateTime: return "a datetime YYYY-MM-DDThh:mm:ss[.fff] with timezone (Z or +hh:mm)";
    case DataType::Time: return "a time hh:mm:ss[.fff]";
    default: return nullptr;
    }
}

bool has_format(DataType type, std::string_view text)
{
    switch (type) {
    case DataType::Code: return checks::is_code(text);
    case DataType::Uri: return checks::is_uri(text);
    case DataType::Url: return checks::is_url(text);
    case DataType::Date: return checks::is_date(text);
    case DataType::DateTime: return checks::is_datetime(text);
    case DataType::Time: return checks::is_time(text);
    default: return true;
    }
}

std::string enum_excerpt(const std::vector<std::string> &values, bool quoted)
{
    std::string out = "[";
    size_t shown = 0;
    for (; shown < values.size() && out.size() < 200; ++shown) {
        if (shown)
            out += ", ";
        out += quoted ? quote_excerpt(values[shown], 40) : values[shown];
    }
    return out + (shown < values.size() ? ", ...]" : "]");
}

} // namespace

void DataValidator::validate_properties(const std::vector<PropertySpec> &specs, size_t required, const JsonNode &data,
                                        const PathFrame &path, std::string_view owner_kind,
                                        std::string_view owner_name) const
{
    if (!data.is(JsonKind::Object))
        fail_at(ErrorType::InvalidValue, path, "expected object, " + got_kind(data));
    size_t required_seen = 0;
    size_t members = data.size();
    for (size_t i = 0; i < members; ++i) {
        std::string_view name = data.key(i);
        const PropertySpec *spec = find_property(specs, name);
        PathFrame member = path.member(name);
        if (!spec)
            fail_at(ErrorType::InvalidProperty, member, "property not declared by " + std::string(owner_kind) + " " + quote_excerpt(owner_name));
        JsonNode value = data.value(i);
        if (value.is(JsonKind::Null))
            continue;  // null means absent
        validate_value(*spec, value, member);
        if (spec->rules.required)
            ++required_seen;
    }
    if (required_seen == required)
        return;
    for (const PropertySpec &spec : specs) {
        if (!spec.rules.required)
            continue;
        auto value = data.find(spec.name);
        if (!value || value->is(JsonKind::Null))
            fail_at(ErrorType::MissingRequired, path.member(spec.name), "required property is missing");
    }
}

void DataValidator::validate_patch(const std::vector<PropertySpec> &specs, const JsonNode &patch,
                                   const PathFrame &path, std::string_view owner_kind,
                                   std::string_view owner_name) const
{
    for (size_t i = 0; i < patch.size(); ++i) {
        std::string_view name = patch.key(i);
        const PropertySpec *spec = find_property(specs, name);
        PathFrame member = path.member(name);
        if (!spec)
            fail_at(ErrorType::InvalidProperty, member,
                    "property not declared by " + std::string(owner_kind) + " " + quote_excerpt(owner_name));
        JsonNode value = patch.value(i);
        if (value.is(JsonKind::Null)) {
            if (spec->rules.required)
                fail_at(ErrorType::MissingRequired, member, "a required property cannot be removed");
            continue;
        }
        if (spec->type == DataType::Object && value.is(JsonKind::Object))
            validate_patch(spec->properties, value, member, "object", spec->name);
        else
            validate_value(*spec, value, member);
    }
}

void DataValidator::validate_contained_patch(const Profile &profile, const JsonNode &contained,
                                             const PathFrame &path) const
{
    if (!contained.is(JsonKind::Object))
        fail_at(ErrorType::InvalidContained, path, "expected object, " + got_kind(contained));
    for (size_t i = 0; i < contained.size(); ++i) {
        std::string_view name = contained.key(i);
        PathFrame slot_path = path.member(name);
        const ContainedSlot *slot = find_slot(profile.contained, name);
        if (!slot)
            fail_at(ErrorType::InvalidContained, slot_path,
                    "contained key not declared by profile " + quote_excerpt(profile.key));
        JsonNode value = contained.value(i);
        if (value.is(JsonKind::Null))
            continue;
        if (!holds_many(slot->cardinality)) {
            if (!value.is(JsonKind::Object))
                fail_at(ErrorType::InvalidContained, slot_path,
                        std::string("cardinality ") + cardinality_name(slot->cardinality) +
                            " holds one entry: expected object, " + got_kind(value));
            if (object_depth(value) > max_patch_depth)
                fail_at(ErrorType::InvalidContained, slot_path,
                        "objects nested deeper than " + std::to_string(max_patch_depth) + " levels in a patch");
            continue;
        }
        validate_slot(*slot, value, slot_path, 0);
    }
}

void DataValidator::validate_value(const PropertySpec &spec, const JsonNode &value, const PathFrame &path) const
{
    switch (spec.type) {
    case DataType::Integer:
    case DataType::Decimal:
        validate_number(spec, value, path);
        return;
    case DataType::Boolean:
        if (!value.is(JsonKind::Boolean))
            fail_at(ErrorType::InvalidValue, path, "expected boolean, " + got_kind(value));
        return;
    case DataType::Array:
        validate_array(spec, value, path);
        return;
    case DataType::Object:
        validate_properties(spec.properties, spec.required_properties, value, path, "object", spec.name);
        return;
    default:
        validate_text(spec, value, path);
        return;
    }
}

void DataValidator::validate_text(const PropertySpec &spec, const JsonNode &value, const PathFrame &path) const
{
    if (!value.is(JsonKind::String))
        fail_at(ErrorType::InvalidValue, path, std::string("expected ") + data_type_name(spec.type) + ", " + got_kind(value));
    std::string_view text = value.string();
    if (!has_format(spec.type, text))
        fail_at(ErrorType::InvalidValue, path,
                "invalid " + std::string(data_type_name(spec.type)) + " " + quote_excerpt(text) + ": expected " +
                    format_of(spec.type));
    const Rules &rules = spec.rules;
    if (rules.min_length || rules.max_length) {
        size_t length = checks::utf8_length(text);
        if (rules.min_length && length < *rules.min_length)
            fail_at(ErrorType::InvalidValue, path,
                    "length " + std::to_string(length) + " is less than minLength " + std::to_string(*rules.min_length));
        if (rules.max_length && length > *rules.max_length)
            fail_at(ErrorType::InvalidValue, path,
                    "length " + std::to_string(length) + " exceeds maxLength " + std::to_string(*rules.max_length));
    }
    if (!rules.enum_values.empty() &&
        std::find(rules.enum_values.begin(), rules.enum_values.end(), text) == rules.enum_values.end())
        fail_at(ErrorType::InvalidValue, path,
                quote_excerpt(text) + " is not one of the allowed values " + enum_excerpt(rules.enum_values, true));
    if (rules.pattern && !patterns_.matches(*rules.pattern, text))
        fail_at(ErrorType::InvalidValue, path,
                quote_excerpt(text) + " does not match pattern " + quote_excerpt(*rules.pattern));
}

void DataValidator::validate_number(const PropertySpec &spec, const JsonNode &value, const PathFrame &path) const
{
    const char *type_name = data_type_name(spec.type);
    if (!value.is(JsonKind::Number))
        fail_at(ErrorType::InvalidValue, path, std::string("expected ") + type_name + ", " + got_kind(value));
    std::string text = value.number_text();
    auto number = checks::parse_number(text);
    if (!number.valid || !number.finite)
        fail_at(ErrorType::InvalidValue, path, std::string("expected ") + type_name + ", got " + quote_excerpt(text, 40));
    if (spec.type == DataType::Integer) {
        if (!number.integral)
            fail_at(ErrorType::InvalidValue, path, "expected integer, got " + number_excerpt(text) + " (a fraction or exponent)");
        if (!number.fits_int64)
            fail_at(ErrorType::InvalidValue, path, "integer out of int64 range");
    }
    const Rules &rules = spec.rules;
    bool is_int = spec.type == DataType::Integer;
    if (rules.min && compare_to_bound(text, number.fits_int64, number.integer, *rules.min) < 0)
        fail_at(ErrorType::InvalidValue, path, "value " + number_excerpt(text) + " is less than min " + number_excerpt(rules.min->text));
    if (rules.max && compare_to_bound(text, number.fits_int64, number.integer, *rules.max) > 0)
        fail_at(ErrorType::InvalidValue, path, "value " + number_excerpt(text) + " is greater than max " + number_excerpt(rules.max->text));
    if (is_int && !rules.enum_values.empty() &&
        std::find(rules.enum_values.begin(), rules.enum_values.end(), std::to_string(number.integer)) ==
            rules.enum_values.end())
        fail_at(ErrorType::InvalidValue, path,
                text + " is not one of the allowed values " + enum_excerpt(rules.enum_values, false));
}

void DataValidator::validate_array(const PropertySpec &spec, const JsonNode &value, const PathFrame &path) const
{
    if (!value.is(JsonKind::Array))
        fail_at(ErrorType::InvalidValue, path, "expected array, " + got_kind(value));
    size_t count = value.size();
    const Rules &rules = spec.rules;
    if (rules.min_items && count < *rules.min_items)
        fail_at(ErrorType::InvalidValue, path,
                std::to_string(count) + " items, fewer than minItems " + std::to_string(*rules.min_items));
    if (rules.max_items && count > *rules.max_items)
        fail_at(ErrorType::InvalidValue, path,
                std::to_string(count) + " items, more than maxItems " + std::to_string(*rules.max_items));
    for (size_t i = 0; i < count; ++i) {
        JsonNode item = value.element(i);
        PathFrame item_path = path.element(i);
        if (item.is(JsonKind::Null))
            fail_at(ErrorType::InvalidValue, item_path,
                    std::string("expected ") + data_type_name(spec.items->type) + ", got null");
        validate_value(*spec.items, item, item_path);
    }
}

void DataValidator::validate_contained(const Profile &profile, const std::optional<JsonNode> &contained,
                                       const PathFrame &path, int depth) const
{
    size_t required_seen = 0;
    if (contained && !contained->is(JsonKind::Null)) {
        if (!contained->is(JsonKind::Object))
            fail_at(ErrorType::InvalidContained, path, "expected object, " + got_kind(*contained));
        for (size_t i = 0; i < contained->size(); ++i) {
            std::string_view name = contained->key(i);
            PathFrame slot_path = path.member(name);
            const ContainedSlot *slot = find_slot(profile.contained, name);
            if (!slot)
                fail_at(ErrorType::InvalidContained, slot_path,
                        "contained key not declared by profile " + quote_excerpt(profile.key));
            JsonNode value = contained->value(i);
            if (value.is(JsonKind::Null))
                continue;
            validate_slot(*slot, value, slot_path, depth);
            if (is_required(slot->cardinality))
                ++required_seen;
        }
    }
    if (required_seen == profile.required_slots)
        return;
    for (const ContainedSlot &slot : profile.contained) {
        if (!is_required(slot.cardinality))
            continue;
        auto value = contained && contained->is(JsonKind::Object) ? contained->find(slot.name) : std::nullopt;
        if (!value || value->is(JsonKind::Null))
            fail_at(ErrorType::MissingRequired, path.member(slot.name),
                    std::string("required contained entry is missing (cardinality ") + cardinality_name(slot.cardinality) + ")");
    }
}

void DataValidator::validate_slot(const ContainedSlot &slot, const JsonNode &value, const PathFrame &path,
                                  int depth) const
{
    const char *cardinality = cardinality_name(slot.cardinality);
    if (!holds_many(slot.cardinality)) {
        if (!value.is(JsonKind::Object))
            fail_at(ErrorType::InvalidContained, path,
                    std::string("cardinality ") + cardinality + " holds one entry: expected object, " + got_kind(value));
        validate_entry(slot, value, path, depth);
        return;
    }
    if (!value.is(JsonKind::Array))
        fail_at(ErrorType::InvalidContained, path,
                std::string("cardinality ") + cardinality + " holds an array of entries: expected array, " + got_kind(value));
    if (slot.cardinality == Cardinality::OneOrMore && value.size() == 0)
        fail_at(ErrorType::InvalidContained, path, "cardinality 1:* needs at least one entry");
    for (size_t i = 0; i < value.size(); ++i)
        validate_entry(slot, value.element(i), path.element(i), depth);
}

void DataValidator::validate_entry(const ContainedSlot &slot, const JsonNode &entry, const PathFrame &path,
                                   int depth) const
{
    if (depth >= max_contained_depth)
        fail_at(ErrorType::InvalidContained, path,
                "contained entries nested deeper than " + std::to_string(max_contained_depth) + " levels");
    if (!entry.is(JsonKind::Object))
        fail_at(ErrorType::InvalidContained, path, "expected an entry object, " + got_kind(entry));
    std::optional<JsonNode> type, id, data, contained;
    for (size_t i = 0; i < entry.size(); ++i) {
        std::string_view key = entry.key(i);
        JsonNode value = entry.value(i);
        if (key == "type") type = value;
        else if (key == "id") id = value;
        else if (key == "data") data = value;
        else if (key == "contained") contained = value;
        else
            fail_at(ErrorType::InvalidContained, path.member(key),
                    "unknown key in contained entry (expected type, id, data, contained)");
    }
    std::string_view type_name;
    if (type && !type->is(JsonKind::Null)) {
        if (!type->is(JsonKind::String))
            fail_at(ErrorType::InvalidContained, path.member("type"), "expected string, " + got_kind(*type));
        type_name = type->string();
        if (std::find(slot.types.begin(), slot.types.end(), type_name) == slot.types.end())
            fail_at(ErrorType::InvalidContained, path.member("type"),
                    "type " + quote_excerpt(type_name) + " is not allowed in " + quote_excerpt(slot.name) +
                        " (allowed: " + enum_excerpt(slot.types, true) + ")");
    } else if (slot.types.size() == 1) {
        type_name = slot.types.front();
    } else {
        fail_at(ErrorType::InvalidContained, path.member("type"),
                "is required because " + quote_excerpt(slot.name) + " allows several types " + enum_excerpt(slot.types, true));
    }
    if (id && !id->is(JsonKind::Null) && (!id->is(JsonKind::String) || !is_valid_client_id(id->string())))
        fail_at(ErrorType::InvalidRequest, path.member("id"),
                "expected 1 to 64 characters of [A-Za-z0-9._:-], got " +
                    (id->is(JsonKind::String) ? quote_excerpt(id->string()) : std::string(json_kind_name(id->kind()))));
    const Profile *profile = catalog_.find(type_name);
    if (!profile || profile->kind != ProfileKind::Contained)
        fail_at(ErrorType::InvalidContained, path.member("type"), "no CONTAINED profile " + quote_excerpt(type_name));
    if (!data || data->is(JsonKind::Null))
        fail_at(ErrorType::InvalidContained, path.member("data"), "is required in a contained entry");
    // Like a missing one, a non-object data is a malformed entry, not a bad property value.
    if (!data->is(JsonKind::Object))
        fail_at(ErrorType::InvalidContained, path.member("data"), "expected object, " + got_kind(*data));
    validate_properties(profile->properties, profile->required_properties, *data, path.member("data"), "profile",
                        profile->key);
    validate_contained(*profile, contained, path.member("contained"), depth + 1);
}

} // namespace pg_bulk
