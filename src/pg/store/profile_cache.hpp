// Compiled profiles and relationship definitions, cached per backend and dropped when
// bulk.profiles or bulk.relationship_definitions changes in this or any other session (a
// relcache invalidation sent by the tables' triggers).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/profile.hpp"
#include "core/relationship.hpp"

namespace pg_bulk::pg {

class Catalog : public ProfileCatalog, public RelationshipCatalog {};

// The current definitions, loaded through SPI when the cache is cold. The caller must be
// SPI-connected. Holding the shared_ptr keeps this version alive across a reload.
std::shared_ptr<const Catalog> catalog();

void register_catalog_invalidation();

// Profile kinds read from bulk.profiles through SPI, for definition-time reference checks;
// `self` answers for the profile being defined (it may contain itself). When defining, the
// referenced rows are share-locked, so a concurrent drop of a referenced profile waits for this
// transaction and then sees the reference.
class StoredProfileKinds final : public ProfileKinds {
public:
    StoredProfileKinds(std::string self_key, std::optional<ProfileKind> self_kind, bool lock_references)
        : self_key_(std::move(self_key)), self_kind_(self_kind), lock_references_(lock_references) {}
    std::optional<ProfileKind> kind_of(std::string_view key) const override;

private:
    std::string self_key_;
    std::optional<ProfileKind> self_kind_;
    bool lock_references_;
};

} // namespace pg_bulk::pg
