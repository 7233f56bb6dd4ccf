// Validates the data of one resource or relationship (and the contained entries of a resource)
// against compiled property specs. Runs for every operation, so valid input allocates nothing.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.hpp"
#include "core/json_path.hpp"
#include "core/json_view.hpp"
#include "core/profile.hpp"

namespace pg_bulk {

// Deepest nesting of contained entries inside contained entries.
constexpr int max_contained_depth = 16;

// Thrown inside validation and turned into one OperationError by the operation validator.
struct ValidationFailure {
    ErrorType type;
    std::string path;
    std::string detail;
};

[[noreturn]] void fail_at(ErrorType type, const PathFrame &path, std::string detail);

class DataValidator {
public:
    DataValidator(const ProfileCatalog &catalog, PatternEngine &patterns) : catalog_(catalog), patterns_(patterns) {}

    // `data` must be an object whose members are all declared, valid, and include the required ones.
    // The owner ("profile", "provider") names where undeclared properties were looked up, in messages.
    void validate_properties(const std::vector<PropertySpec> &specs, size_t required, const JsonNode &data,
                             const PathFrame &path, std::string_view owner_kind, std::string_view owner_name) const;

    // The `contained` member of a resource or entry (absent or null when `contained` is empty).
    void validate_contained(const Profile &profile, const std::optional<JsonNode> &contained, const PathFrame &path,
                            int depth) const;

    // A merge patch (RFC 7396) of such data, as a PATCH gives it: every member declared and, unless null,
    // valid; an object given for an object property is itself a patch of it. `required` is checked on
    // the merged record, but a null for a required property (which would remove it) is refused here.
    void validate_patch(const std::vector<PropertySpec> &specs, const JsonNode &patch, const PathFrame &path,
                        std::string_view owner_kind, std::string_view owner_name) const;

    // A PATCH's `contained`: declared slots; a slot of several entries is replaced by the array given
    // (checked whole), a slot of one entry is merged with the stored entry (checked after the merge).
    void validate_contained_patch(const Profile &profile, const JsonNode &contained, const PathFrame &path) const;

private:
    void validate_value(const PropertySpec &spec, const JsonNode &value, const PathFrame &path) const;
    void validate_text(const PropertySpec &spec, const JsonNode &value, const PathFrame &path) const;
    void validate_number(const PropertySpec &spec, const JsonNode &value, const PathFrame &path) const;
    void validate_array(const PropertySpec &spec, const JsonNode &value, const PathFrame &path) const;
    void validate_slot(const ContainedSlot &slot, const JsonNode &value, const PathFrame &path, int depth) const;
    void validate_entry(const ContainedSlot &slot, const JsonNode &entry, const PathFrame &path, int depth) const;

    const ProfileCatalog &catalog_;
    PatternEngine &patterns_;
};

} // namespace pg_bulk
