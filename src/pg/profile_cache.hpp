// Compiled profiles, cached per backend and dropped when bulk.profiles changes in this or any
// other session (a relcache invalidation sent by the table's trigger).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/profile.hpp"

namespace pg_bulk::pg {

// The current profiles, loaded through SPI when the cache is cold. The caller must be
// SPI-connected. Holding the shared_ptr keeps this version alive across a reload.
std::shared_ptr<const ProfileCatalog> profile_catalog();

void register_profile_cache_invalidation();

// Profile kinds read from bulk.profiles through SPI, for definition-time reference checks;
// `self` answers for the profile being defined (it may contain itself). When defining, the
// referenced rows are share-locked, so a concurrent drop of a referenced profile waits for this
// transaction and then sees the reference.
class StoredProfileKinds final : public ProfileKinds {
public:
    StoredProfileKinds(std::string self_key, ProfileKind self_kind, bool lock_references)
        : self_key_(std::move(self_key)), self_kind_(self_kind), lock_references_(lock_references) {}
    std::optional<ProfileKind> kind_of(std::string_view key) const override;

private:
    std::string self_key_;
    ProfileKind self_kind_;
    bool lock_references_;
};

} // namespace pg_bulk::pg
