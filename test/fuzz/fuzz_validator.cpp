// libFuzzer target over pg_bulk's server-free core: profile and relationship definition compilation, and
// request validation through the nlohmann-backed JSON view, with the REJECTED document that answers it.
//
// Input: the first line holds the definitions, the rest is a bulk request.
//   line 1: a JSON object — one ROOT profile with key "fuzz" — or a JSON array of entries
//           {"key": <profile key>, "kind": "ROOT"|"CONTAINED", "definition": {...}} and
//           {"relationship": <key>, "definition": {...}}, compiled in order into an in-memory catalog
//           (an entry that does not compile is skipped, as the server refuses that definition only).
//   rest:   the request, validated as resource operations and, when a relationship definition compiled,
//           as relationship operations too.
// Input that nlohmann::json does not parse is uninteresting (return 0): the server only ever hands the core
// valid jsonb.
//
// Besides crashes and sanitizer reports, the target aborts when the core breaks a promise:
//   - a DefinitionError, RequestError or receipt message is not valid UTF-8 (the server sends it to clients
//     and stores it in jsonb);
//   - a REJECTED document is not valid JSON, or has not exactly one receipt per operation, or its FAILURE
//     receipts are not the rejected operations; rejected operations are out of order;
//   - decimal::compare, on number texts found in the raw input, is not reflexive or antisymmetric, or disagrees
//     with distinct doubles or int64s (see check_decimal_order);
//   - anything other than DefinitionError (compiling) or RequestError (validating) is thrown: it escapes
//     the target, which libFuzzer reports as a crash.
//
// Build and run: test/fuzz/build.sh, then see test/fuzz/README.md.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/decimal_compare.hpp"
#include "core/errors.hpp"
#include "core/nlohmann_view.hpp"
#include "core/operation.hpp"
#include "core/profile.hpp"
#include "core/profile_compiler.hpp"
#include "core/relationship.hpp"
#include "core/request.hpp"
#include "core/value_checks.hpp"

namespace {

using json = nlohmann::json;
using namespace pg_bulk;

constexpr size_t max_operations = 10000;  // the default of pg_bulk.max_operations

// PG_BULK_FUZZ_VERBOSE=1 prints what each input compiled to and the answers (for checking seeds by hand).
const bool verbose = std::getenv("PG_BULK_FUZZ_VERBOSE") != nullptr;

void trace(const std::string &line)
{
    if (verbose)
        std::fprintf(stderr, "%s\n", line.c_str());
}

[[noreturn]] void broken_promise(const char *what, std::string_view detail)
{
    std::fprintf(stderr, "pg_bulk fuzz: %s\n%.*s\n", what, static_cast<int>(std::min<size_t>(detail.size(), 2000)),
                 detail.data());
    std::abort();
}

bool valid_utf8(std::string_view text)
{
    size_t i = 0;
    while (i < text.size()) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        size_t extra;
        uint32_t code;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            extra = 1;
            code = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            extra = 2;
            code = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            extra = 3;
            code = c & 0x07;
        } else {
            return false;
        }
        if (i + extra >= text.size())
            return false;
        for (size_t k = 1; k <= extra; ++k) {
            unsigned char next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xC0) != 0x80)
                return false;
            code = (code << 6) | (next & 0x3F);
        }
        static const uint32_t smallest[] = {0, 0x80, 0x800, 0x10000};
        if (code < smallest[extra] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
            return false;
        i += extra + 1;
    }
    return true;
}

void check_message(const char *what, const std::string &message)
{
    if (!valid_utf8(message))
        broken_promise(what, message);
}

// `pattern` rules through std::regex, a stand-in for PostgreSQL's engine (which has its own limits and
// honours interrupts). libstdc++'s executor is not what is fuzzed here, so the stand-in keeps it out of
// trouble: polynomial (non-backtracking) mode, which refuses back-references; short patterns with small
// repetition counts (NFA size); subjects cut to their first 256 bytes.
class FuzzPatternEngine final : public PatternEngine {
public:
    std::optional<std::string> check(const std::string &pattern) override
    {
        if (auto limit = beyond_limits(pattern))
            return limit;
        try {
            compiled(pattern);
            return std::nullopt;
        } catch (const std::regex_error &error) {
            return std::string(error.what());
        }
    }

    bool matches(const std::string &pattern, std::string_view text) override
    {
        // The compiler only keeps patterns check() accepted.
        if (beyond_limits(pattern))
            broken_promise("matches() called with a pattern check() refused", pattern);
        text = text.substr(0, 256);
        return std::regex_search(text.begin(), text.end(), compiled(pattern));
    }

private:
    static std::optional<std::string> beyond_limits(const std::string &pattern)
    {
        if (pattern.size() > 128)
            return "pattern longer than the fuzzer's 128 bytes";
        int braces = 0;
        for (size_t i = 0; i < pattern.size(); ++i) {
            if (pattern[i] != '{')
                continue;
            if (++braces > 2)
                return "more than 2 repetition counts";
            unsigned long bound = 0;
            for (size_t k = i + 1; k < pattern.size() && bound <= 16; ++k) {
                char c = pattern[k];
                if (c >= '0' && c <= '9')
                    bound = bound * 10 + static_cast<unsigned long>(c - '0');
                else if (c == ',')
                    bound = 0;
                else
                    break;
            }
            if (bound > 16)
                return "repetition count above the fuzzer's 16";
        }
        return std::nullopt;
    }

    const std::regex &compiled(const std::string &pattern)
    {
        auto it = cache_.find(pattern);
        if (it == cache_.end())
            it = cache_.emplace(pattern, std::regex(pattern, std::regex::ECMAScript | std::regex_constants::__polynomial))
                     .first;
        return it->second;
    }

    std::map<std::string, std::regex> cache_;
};

class Catalog final : public ProfileCatalog, public ProfileKinds, public RelationshipCatalog {
public:
    const Profile *find(std::string_view key) const override
    {
        auto it = profiles.find(key);
        return it == profiles.end() ? nullptr : &it->second;
    }

    std::optional<ProfileKind> kind_of(std::string_view key) const override
    {
        // The profile being defined answers with its new kind (a CONTAINED profile may contain itself).
        if (defining && key == defining_key)
            return defining_kind;
        const Profile *profile = find(key);
        return profile ? std::optional<ProfileKind>(profile->kind) : std::nullopt;
    }

    const RelationshipDefinition *find_relationship(std::string_view key) const override
    {
        auto it = relationships.find(key);
        return it == relationships.end() ? nullptr : &it->second;
    }

    void define_profile(const std::string &key, ProfileKind kind, const json &definition, PatternEngine &patterns)
    {
        NlohmannReader reader;
        defining = true;
        defining_key = key;
        defining_kind = kind;
        try {
            Profile profile = compile_profile(key, kind, reader.node(definition), *this, patterns);
            defining = false;
            profiles[key] = std::move(profile);
            trace("profile " + key + ": compiled");
        } catch (const DefinitionError &error) {
            defining = false;
            trace("profile " + key + ": DefinitionError: " + error.what());
            check_message("profile DefinitionError message is not valid UTF-8", error.what());
        }
    }

    void define_relationship(const std::string &key, const json &definition, PatternEngine &patterns)
    {
        NlohmannReader reader;
        try {
            relationships[key] = compile_relationship(key, reader.node(definition), *this, patterns);
            trace("relationship " + key + ": compiled");
        } catch (const DefinitionError &error) {
            trace("relationship " + key + ": DefinitionError: " + error.what());
            check_message("relationship DefinitionError message is not valid UTF-8", error.what());
        }
    }

    std::map<std::string, Profile, std::less<>> profiles;
    std::map<std::string, RelationshipDefinition, std::less<>> relationships;

private:
    bool defining = false;
    std::string defining_key;
    ProfileKind defining_kind = ProfileKind::Root;
};

void define_all(Catalog &catalog, const json &definitions, PatternEngine &patterns)
{
    if (definitions.is_object()) {
        catalog.define_profile("fuzz", ProfileKind::Root, definitions, patterns);
        return;
    }
    if (!definitions.is_array())
        return;
    for (const json &entry : definitions) {
        if (!entry.is_object() || !entry.contains("definition"))
            continue;
        const json &definition = entry["definition"];
        if (entry.contains("relationship") && entry["relationship"].is_string()) {
            catalog.define_relationship(entry["relationship"].get<std::string>(), definition, patterns);
        } else if (entry.contains("key") && entry["key"].is_string()) {
            ProfileKind kind = ProfileKind::Root;
            if (entry.contains("kind") && entry["kind"].is_string()) {
                auto parsed = profile_kind_from_name(entry["kind"].get<std::string>());
                if (!parsed)
                    continue;
                kind = *parsed;
            }
            catalog.define_profile(entry["key"].get<std::string>(), kind, definition, patterns);
        }
    }
}

void validate_with(const JsonNode &request, const OperationValidator &validator)
{
    std::optional<JsonNode> checked;
    try {
        checked = request_operations(request, max_operations);
    } catch (const RequestError &error) {
        trace(std::string("RequestError: ") + error.what());
        check_message("RequestError message is not valid UTF-8", error.what());
        return;
    }
    const JsonNode &operations = *checked;
    size_t ticks = 0;
    auto rejected = validate_operations(operations, validator, [&] { ++ticks; });
    if (ticks != operations.size() / 1024)
        broken_promise("every_1024 ran a wrong number of times", std::to_string(ticks));
    size_t previous = 0;
    for (size_t i = 0; i < rejected.size(); ++i) {
        if (rejected[i].index >= operations.size() || (i > 0 && rejected[i].index <= previous))
            broken_promise("rejected operations out of order or out of range", std::to_string(rejected[i].index));
        previous = rejected[i].index;
        check_message("receipt message is not valid UTF-8", rejected[i].error.message);
    }
    if (rejected.empty())
        return;
    NlohmannBuilder builder;
    write_rejected(builder, operations, rejected);
    const json &parsed = NlohmannBuilder::document(builder.finish());
    std::string document = parsed.dump();
    if (!parsed.is_object() || parsed.value("status", "") != "REJECTED" || !parsed["receipts"].is_array() ||
        parsed["receipts"].size() != operations.size())
        broken_promise("the REJECTED document has the wrong shape", document);
    size_t failures = 0;
    for (const json &receipt : parsed["receipts"])
        failures += receipt.value("status", "") == "FAILURE";
    if (failures != rejected.size())
        broken_promise("the REJECTED document's FAILURE receipts do not match the rejected operations", document);
    trace(document.size() > 3000 ? document.substr(0, 3000) + "..." : document);
}

// The first few runs of number characters in the raw input that are JSON numbers, with their texts as written
// (nlohmann keeps no text and refuses numbers beyond double, so the order is fuzzed on the bytes themselves).
std::vector<std::string_view> number_texts(std::string_view input)
{
    constexpr size_t max_texts = 8;
    std::vector<std::string_view> texts;
    size_t pos = 0;
    while (pos < input.size() && texts.size() < max_texts) {
        size_t end = input.find_first_not_of("-+.eE0123456789", pos);
        end = end == std::string_view::npos ? input.size() : end;
        std::string_view run = input.substr(pos, end - pos);
        auto number = checks::parse_number(run);
        if (number.valid && number.finite)
            texts.push_back(run);
        pos = end == pos ? end + 1 : end;
    }
    return texts;
}

int sign_of(int order)
{
    return (order > 0) - (order < 0);
}

// decimal::compare is an order that agrees with int64 and with double wherever those are exact: it must be
// reflexive and antisymmetric, ignore a trailing zero of a fraction, and agree with distinct doubles and int64s.
void check_decimal_order(std::string_view input)
{
    std::vector<std::string_view> texts = number_texts(input);
    for (std::string_view a : texts) {
        if (decimal::compare(a, a) != 0)
            broken_promise("decimal::compare: a number differs from itself", a);
        if (a.find_first_of("eE") == std::string_view::npos && a.find('.') != std::string_view::npos &&
            decimal::compare(a, std::string(a) + "0") != 0)
            broken_promise("decimal::compare: a trailing zero changed the value", a);
        for (std::string_view b : texts) {
            int order = sign_of(decimal::compare(a, b));
            if (order != -sign_of(decimal::compare(b, a)))
                broken_promise("decimal::compare: not antisymmetric", std::string(a) + " vs " + std::string(b));
            auto left = checks::parse_number(a), right = checks::parse_number(b);
            bool doubles_differ = left.value != right.value && left.value == left.value && right.value == right.value;
            if (doubles_differ && order != (left.value < right.value ? -1 : 1))
                broken_promise("decimal::compare: disagrees with double", std::string(a) + " vs " + std::string(b));
            if (left.fits_int64 && right.fits_int64 && order != (left.integer > right.integer) - (left.integer < right.integer))
                broken_promise("decimal::compare: disagrees with int64", std::string(a) + " vs " + std::string(b));
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    std::string_view input(reinterpret_cast<const char *>(data), size);
    check_decimal_order(input);
    size_t newline = input.find('\n');
    if (newline == std::string_view::npos)
        return 0;
    json definitions, request;
    try {
        definitions = json::parse(input.substr(0, newline));
        request = json::parse(input.substr(newline + 1));
    } catch (const json::exception &error) {  // parse_error, or out_of_range for a number beyond double (1e400)
        trace(std::string("not JSON: ") + error.what());
        return 0;
    }

    FuzzPatternEngine patterns;
    Catalog catalog;
    define_all(catalog, definitions, patterns);
    if (catalog.profiles.empty() && catalog.relationships.empty())
        return 0;

    NlohmannReader reader;
    JsonNode root = reader.node(request);
    // As the server does: a relationship type sent as a resource operation is named as such.
    validate_with(root, ResourceOperationValidator(catalog, patterns, &catalog));
    if (!catalog.relationships.empty())
        validate_with(root, RelationshipOperationValidator(catalog, catalog, patterns));
    return 0;
}
