// KSUIDs: 27 base62 characters encoding a 32-bit timestamp (seconds since 2014-05-13, the
// KSUID epoch) and 128 bits of payload, so they sort by creation time.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/errors.hpp"

namespace pg_bulk {

constexpr size_t ksuid_length = 27;
constexpr int64_t ksuid_epoch = 1400000000;

using KsuidPayload = std::array<uint8_t, 16>;

struct Ksuid {
    uint32_t timestamp = 0;  // seconds since ksuid_epoch
    KsuidPayload payload{};
};

// The 27-character base62 text (0-9A-Za-z, zero-padded, big-endian).
std::string ksuid_encode(const Ksuid &id);
// Parses text made by ksuid_encode; false for anything else (wrong length, characters, overflow).
bool ksuid_decode(std::string_view text, Ksuid &id);
// A new KSUID for the given Unix time and 16 random bytes.
Ksuid ksuid_make(int64_t unix_seconds, const KsuidPayload &random_bytes);
// The id of the index-th generated object of a parent id: same timestamp, the parent's first 12
// payload bytes, then the index big-endian. Deterministic, so a retried apply reuses the same id,
// and ids of one parent sort in index order.
Ksuid ksuid_derive(const Ksuid &parent, uint32_t index);

constexpr std::string_view bulk_id_prefix = "bk_";

// The id given to operation `index` of a bulk when its CREATE names none; the same on every call,
// so receipts show it before the operation runs and a replay after a crash reuses it. None when
// `bulk_id` is not "bk_" + a KSUID.
std::optional<std::string> generated_resource_id(std::string_view bulk_id, uint32_t index);
// The RequestError (SQLSTATE 22023) for a bulk id that is not "bk_" + a KSUID.
RequestError invalid_bulk_id(std::string_view bulk_id);

} // namespace pg_bulk
