// A PATCH as the worker applies it (DESIGN §11): the record's data, contained and meta merged with the
// patch's (RFC 7396), and the merged record checked against its profile or relationship definition
// whole — required properties, contained cardinalities, every rule — since a patch alone was checked
// only for the values it gives.
#pragma once

#include <optional>

#include "core/data_validator.hpp"
#include "core/merge_patch.hpp"
#include "core/planned_operation.hpp"
#include "core/relationship.hpp"

namespace pg_bulk {

// What a record holds besides its keys: as stored, or as an operation of the batch wrote it.
struct RecordContent {
    std::optional<JsonNode> data, contained, meta;
};
RecordContent content_of(const PlannedOperation &writer);

// A PATCH's data, contained and meta merged into `stored`'s: a member the patch does not give is kept,
// a null one removed, an object merged.
RecordContent merge_record(const RecordContent &stored, const PlannedOperation &patch, JsonBuilder &builder);

class RecordPatcher {
public:
    RecordPatcher(const ProfileCatalog &profiles, const RelationshipCatalog &relationships, PatternEngine &patterns,
                  JsonBuilder &builder)
        : profiles_(profiles), relationships_(relationships), validator_(profiles, patterns), builder_(builder) {}

    // Merges `patch` into the record it patches (`stored`) and checks the result. Valid: the
    // operation's data, contained and meta become the merged record's and true is returned; else the
    // operation's error names the rule the merged record breaks, with its path. Throws
    // TaskCannotContinue when the profile or definition is gone.
    bool patch_resource(PlannedOperation &patch, const RecordContent &stored) const;
    bool patch_relationship(PlannedOperation &patch, const RecordContent &stored) const;

private:
    const ProfileCatalog &profiles_;
    const RelationshipCatalog &relationships_;
    DataValidator validator_;
    JsonBuilder &builder_;
};

} // namespace pg_bulk
