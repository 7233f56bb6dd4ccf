// The compiled form of profiles (DESIGN §2): what the validator walks for every operation.
// Built once per profile version by profile_compiler.cpp and cached per backend.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_view.hpp"

namespace pg_bulk {

enum class DataType {
    Symbol, Code, Markdown, Uri, Url, Integer, Decimal, Boolean, Date, DateTime, Time, Array, Object
};

const char *data_type_name(DataType type);
std::optional<DataType> data_type_from_name(std::string_view name);
// Types whose values are JSON strings checked by length, enum and pattern rules.
bool is_text_type(DataType type);

// A min or max rule: the number as the definition holds it, compared exactly (decimal_compare.hpp).
struct NumberBound {
    std::string text;         // what the JSON view reads: jsonb's numeric text in the server ("1e3" is "1000")
    bool fits_int64 = false;  // an integer in int64 range, so int64 values compare without reading text
    int64_t integer = 0;      // its value when fits_int64
};

// Orders a number against a bound exactly: negative, 0 or positive as it is below, equal to or above it.
// text is a JSON number's text; fits_int64 and integer as checks::parse_number gives them, for the fast path.
int compare_to_bound(std::string_view text, bool fits_int64, int64_t integer, const NumberBound &bound);

struct Rules {
    bool required = false;
    std::optional<NumberBound> min, max;
    std::optional<size_t> min_length, max_length;
    std::optional<size_t> min_items, max_items;
    std::vector<std::string> enum_values;  // strings, or integers as canonical decimal text
    std::optional<std::string> pattern;
};

struct PropertySpec {
    std::string name;
    DataType type = DataType::Symbol;
    Rules rules;
    std::unique_ptr<PropertySpec> items;     // for Array
    std::vector<PropertySpec> properties;    // for Object, sorted by name
    size_t required_properties = 0;          // for Object: how many of `properties` are required
};

enum class Cardinality { ZeroOrOne, ExactlyOne, ZeroOrMore, OneOrMore };

const char *cardinality_name(Cardinality cardinality);
inline bool holds_many(Cardinality c) { return c == Cardinality::ZeroOrMore || c == Cardinality::OneOrMore; }
inline bool is_required(Cardinality c) { return c == Cardinality::ExactlyOne || c == Cardinality::OneOrMore; }

struct ContainedSlot {
    std::string name;
    std::vector<std::string> types;  // CONTAINED profile keys
    Cardinality cardinality = Cardinality::ZeroOrMore;
};

enum class ProfileKind { Root, Contained };

const char *profile_kind_name(ProfileKind kind);
std::optional<ProfileKind> profile_kind_from_name(std::string_view name);

struct Profile {
    std::string key;
    ProfileKind kind = ProfileKind::Root;
    std::vector<PropertySpec> properties;   // sorted by name
    std::vector<ContainedSlot> contained;   // sorted by name
    size_t required_properties = 0;
    size_t required_slots = 0;
};

const PropertySpec *find_property(const std::vector<PropertySpec> &properties, std::string_view name);
const ContainedSlot *find_slot(const std::vector<ContainedSlot> &slots, std::string_view name);
size_t count_required(const std::vector<PropertySpec> &properties);

// Profile, property and relationship keys: ^[A-Za-z0-9-][A-Za-z0-9_-]{0,61}$
bool is_valid_key(std::string_view key);
// Client-chosen resource ids: 1 to 64 characters of [A-Za-z0-9._:-]
bool is_valid_client_id(std::string_view id);

// Looks up compiled profiles by key (the per-backend cache in the server).
class ProfileCatalog {
public:
    virtual ~ProfileCatalog() = default;
    virtual const Profile *find(std::string_view key) const = 0;
};

// Tells which profiles exist and their kind, for checking contained references at definition time.
class ProfileKinds {
public:
    virtual ~ProfileKinds() = default;
    virtual std::optional<ProfileKind> kind_of(std::string_view key) const = 0;
};

// Regular expressions of `pattern` rules: PostgreSQL's engine in the server, std::regex in tests.
class PatternEngine {
public:
    virtual ~PatternEngine() = default;
    // An error message when the pattern does not compile.
    virtual std::optional<std::string> check(const std::string &pattern) = 0;
    virtual bool matches(const std::string &pattern, std::string_view text) = 0;
};

} // namespace pg_bulk
