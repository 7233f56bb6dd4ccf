// Names of the profile model's enums, lookups in compiled profiles, and key syntax.
#include "core/profile.hpp"

#include <algorithm>

#include "core/decimal_compare.hpp"

namespace pg_bulk {

namespace {
struct TypeName {
    DataType type;
    const char *name;
};
constexpr TypeName type_names[] = {
    {DataType::Symbol, "symbol"},   {DataType::Code, "code"},         {DataType::Markdown, "markdown"},
    {DataType::Uri, "uri"},         {DataType::Url, "url"},           {DataType::Integer, "integer"},
    {DataType::Decimal, "decimal"}, {DataType::Boolean, "boolean"},   {DataType::Date, "date"},
    {DataType::DateTime, "datetime"}, {DataType::Time, "time"},       {DataType::Array, "array"},
    {DataType::Object, "object"},
};
} // namespace

const char *data_type_name(DataType type)
{
    for (const auto &entry : type_names)
        if (entry.type == type)
            return entry.name;
    return "?";
}

std::optional<DataType> data_type_from_name(std::string_view name)
{
    for (const auto &entry : type_names)
        if (name == entry.name)
            return entry.type;
    return std::nullopt;
}

bool is_text_type(DataType type)
{
    return type == DataType::Symbol || type == DataType::Code || type == DataType::Markdown ||
           type == DataType::Uri || type == DataType::Url;
}

const char *cardinality_name(Cardinality cardinality)
{
    switch (cardinality) {
    case Cardinality::ZeroOrOne: return "0:1";
    case Cardinality::ExactlyOne: return "1:1";
    case Cardinality::ZeroOrMore: return "0:*";
    case Cardinality::OneOrMore: return "1:*";
    }
    return "?";
}

const char *profile_kind_name(ProfileKind kind)
{
    return kind == ProfileKind::Root ? "ROOT" : "CONTAINED";
}

std::optional<ProfileKind> profile_kind_from_name(std::string_view name)
{
    if (name == "ROOT")
        return ProfileKind::Root;
    if (name == "CONTAINED")
        return ProfileKind::Contained;
    return std::nullopt;
}

// Both vectors are sorted by name, so lookups are binary searches without allocation.
template <typename T>
static const T *find_by_name(const std::vector<T> &items, std::string_view name)
{
    auto it = std::lower_bound(items.begin(), items.end(), name,
                               [](const T &item, std::string_view n) { return std::string_view(item.name) < n; });
    return (it != items.end() && it->name == name) ? &*it : nullptr;
}

const PropertySpec *find_property(const std::vector<PropertySpec> &properties, std::string_view name)
{
    return find_by_name(properties, name);
}

const ContainedSlot *find_slot(const std::vector<ContainedSlot> &slots, std::string_view name)
{
    return find_by_name(slots, name);
}

size_t count_required(const std::vector<PropertySpec> &properties)
{
    return std::count_if(properties.begin(), properties.end(), [](const PropertySpec &p) { return p.rules.required; });
}

static bool is_key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

bool is_valid_key(std::string_view key)
{
    if (key.empty() || key.size() > 62 || !is_key_char(key[0]))
        return false;
    return std::all_of(key.begin() + 1, key.end(), [](char c) { return is_key_char(c) || c == '_'; });
}

bool is_valid_client_id(std::string_view id)
{
    if (id.empty() || id.size() > 64)
        return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
               c == ':' || c == '-';
    });
}

// Two int64s need no text: the common case of integer properties with integer bounds reads no digits twice.
int compare_to_bound(std::string_view text, bool fits_int64, int64_t integer, const NumberBound &bound)
{
    if (fits_int64 && bound.fits_int64)
        return (integer > bound.integer) - (integer < bound.integer);
    return decimal::compare(text, bound.text);
}

} // namespace pg_bulk
