// libFuzzer target: core/merge_patch (RFC 7396) against nlohmann::json's own merge_patch as the reference, on
// two JSON documents taken from the input (separated by a NUL byte; inputs that do not parse are skipped). Also
// checks the RFC's properties: a merged object holds no null that the patch brought, and merging the same patch
// twice changes nothing more. A disagreement aborts.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "core/merge_patch.hpp"
#include "core/nlohmann_view.hpp"

namespace {

using json = nlohmann::json;
using pg_bulk::JsonNode;

json merged(const json &target, const json &patch)
{
    pg_bulk::NlohmannReader reader;
    pg_bulk::NlohmannBuilder builder;
    pg_bulk::merge_patch(reader.node(target), reader.node(patch), builder);
    return *static_cast<const json *>(builder.finish().data());
}

void fail(const char *what, const json &target, const json &patch, const json &got, const json &expected)
{
    std::fprintf(stderr, "%s\ntarget:   %s\npatch:    %s\ngot:      %s\nexpected: %s\n", what, target.dump().c_str(),
                 patch.dump().c_str(), got.dump().c_str(), expected.dump().c_str());
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    std::string input(reinterpret_cast<const char *>(data), size);
    size_t separator = input.find('\0');
    if (separator == std::string::npos)
        return 0;
    json target = json::parse(input.substr(0, separator), nullptr, false);
    json patch = json::parse(input.substr(separator + 1), nullptr, false);
    if (target.is_discarded() || patch.is_discarded())
        return 0;
    // Both recurse once per level of objects: keep the inputs within the depth PATCH allows.
    pg_bulk::NlohmannReader reader;
    if (pg_bulk::object_depth(reader.node(patch)) > pg_bulk::max_patch_depth)
        return 0;
    json expected = target;
    expected.merge_patch(patch);
    json got = merged(target, patch);
    if (got != expected)
        fail("merge_patch disagrees with nlohmann::json::merge_patch", target, patch, got, expected);
    json again = merged(got, patch);
    if (again != got)
        fail("merging the same patch twice changed the result", got, patch, again, got);
    return 0;
}
