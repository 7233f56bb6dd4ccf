// Merging a PATCH into its record and checking the merged record.
#include "core/record_patch.hpp"

#include <string>

namespace pg_bulk {

namespace {

std::optional<JsonNode> merge_member(const std::optional<JsonNode> &stored, const std::optional<JsonNode> &patch,
                                     JsonBuilder &builder)
{
    if (!patch)
        return stored;
    if (patch->is(JsonKind::Null))
        return std::nullopt;
    merge_patch(stored, *patch, builder);
    return builder.finish();
}

// Merges `patch` into `stored` and runs `check` on the merged record at the patch's path: a failure becomes
// the operation's error, named like a submit error ("operation 3: patch.data.name: ... (in the merged
// record)"); a valid merged record becomes the operation's content.
template <typename Check>
bool merge_and_check(PlannedOperation &patch, const RecordContent &stored, JsonBuilder &builder, Check check)
{
    RecordContent merged = merge_record(stored, patch, builder);
    try {
        check(merged, PathFrame{}.member("patch"));
    } catch (const ValidationFailure &failure) {
        patch.error = OperationError{failure.type, "operation " + std::to_string(patch.seq) + ": " + failure.path +
                                                       ": " + failure.detail + " (in the merged record)"};
        return false;
    }
    patch.data = std::move(merged.data);
    patch.contained = std::move(merged.contained);
    patch.meta = std::move(merged.meta);
    return true;
}

} // namespace

RecordContent content_of(const PlannedOperation &writer)
{
    return RecordContent{writer.data, writer.contained, writer.meta};
}

RecordContent merge_record(const RecordContent &stored, const PlannedOperation &patch, JsonBuilder &builder)
{
    return RecordContent{merge_member(stored.data, patch.data, builder),
                         merge_member(stored.contained, patch.contained, builder),
                         merge_member(stored.meta, patch.meta, builder)};
}

bool RecordPatcher::patch_resource(PlannedOperation &patch, const RecordContent &stored) const
{
    const Profile *profile = profiles_.find(patch.type);
    if (!profile)
        throw TaskCannotContinue("profile '" + patch.type + "' was dropped");
    return merge_and_check(patch, stored, builder_, [&](const RecordContent &merged, const PathFrame &path) {
        PathFrame data_path = path.member("data");
        if (!merged.data)
            fail_at(ErrorType::MissingRequired, data_path, "is missing");
        validator_.validate_properties(profile->properties, profile->required_properties, *merged.data, data_path,
                                       "profile", profile->key);
        validator_.validate_contained(*profile, merged.contained, path.member("contained"), 0);
    });
}

bool RecordPatcher::patch_relationship(PlannedOperation &patch, const RecordContent &stored) const
{
    const RelationshipDefinition *definition = relationships_.find_relationship(patch.type);
    if (!definition)
        throw TaskCannotContinue("relationship definition '" + patch.type + "' was dropped");
    return merge_and_check(patch, stored, builder_, [&](const RecordContent &merged, const PathFrame &path) {
        PathFrame data_path = path.member("data");
        for (const PropertySpec &spec : definition->properties)
            if (!merged.data && spec.rules.required)
                fail_at(ErrorType::MissingRequired, data_path.member(spec.name), "required property is missing");
        if (merged.data)
            validator_.validate_properties(definition->properties, definition->required_properties, *merged.data,
                                           data_path, "relationship definition", definition->key);
    });
}

} // namespace pg_bulk
