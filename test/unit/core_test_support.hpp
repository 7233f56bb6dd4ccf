// Test doubles shared by the unit tests of the core: a std::regex pattern engine, an in-memory profile
// catalog, and a JSON reader whose numbers can carry the exact text jsonb would hand the validator.
#pragma once

#include <cstddef>
#include <iterator>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/json_view.hpp"
#include "core/nlohmann_view.hpp"
#include "core/profile.hpp"
#include "core/profile_compiler.hpp"

namespace pg_bulk::test {

using json = nlohmann::json;

// `pattern` rules through std::regex (ECMAScript grammar), searched unanchored as the server's
// RE_compile_and_execute does. The server uses PostgreSQL's own (ARE) engine: the tests only use patterns
// that both grammars read alike — no embedded options such as (?i), and no '.' against multi-byte text
// (std::regex over char sees bytes where PostgreSQL sees characters).
class RegexPatternEngine final : public PatternEngine {
public:
    std::optional<std::string> check(const std::string &pattern) override
    {
        ++checks;
        try {
            std::regex compiled(pattern, std::regex::ECMAScript);
            return std::nullopt;
        } catch (const std::regex_error &error) {
            return describe(error);
        }
    }

    bool matches(const std::string &pattern, std::string_view text) override
    {
        ++matches_calls;
        auto it = compiled_.find(pattern);
        if (it == compiled_.end())
            it = compiled_.emplace(pattern, std::regex(pattern, std::regex::ECMAScript)).first;
        return std::regex_search(text.data(), text.data() + text.size(), it->second);
    }

    int checks = 0;
    int matches_calls = 0;

private:
    // PostgreSQL's wording for the errors the tests provoke, so messages read as in expected/*.out.
    static std::string describe(const std::regex_error &error)
    {
        switch (error.code()) {
        case std::regex_constants::error_paren: return "parentheses () not balanced";
        case std::regex_constants::error_brack: return "brackets [] not balanced";
        default: return error.what();
        }
    }

    std::map<std::string, std::regex> compiled_;
};

// A reader over nlohmann::json in which an object {"$number": "<text>"} is a number whose text is exactly
// <text>. jsonb hands the validator numbers nlohmann cannot hold as written (1e400 arrives as 401 digits,
// 123456789012345678901234567890 as those digits); this reader lets tests feed those texts. Everything else
// reads as through NlohmannReader.
class NumberTextReader final : public JsonReader {
public:
    static json number(std::string text) { return json{{"$number", std::move(text)}}; }

    JsonNode node(const json &value) const { return JsonNode(this, kind_of(value), &value, 0); }

    bool boolean(const JsonNode &node) const override { return target(node).get<bool>(); }
    std::string_view string(const JsonNode &node) const override
    {
        return target(node).get_ref<const std::string &>();
    }
    std::string number_text(const JsonNode &node) const override
    {
        const json &value = target(node);
        return value.is_object() ? value.at("$number").get<std::string>() : value.dump();
    }
    size_t size(const JsonNode &node) const override { return target(node).size(); }
    JsonNode element(const JsonNode &node, size_t index) const override { return this->node(target(node)[index]); }
    std::string_view key(const JsonNode &node, size_t index) const override
    {
        return std::next(target(node).begin(), static_cast<std::ptrdiff_t>(index)).key();
    }
    JsonNode value(const JsonNode &node, size_t index) const override
    {
        return this->node(*std::next(target(node).begin(), static_cast<std::ptrdiff_t>(index)));
    }
    std::optional<JsonNode> find(const JsonNode &node, std::string_view key) const override
    {
        const json &object = target(node);
        auto it = object.find(std::string(key));
        if (it == object.end())
            return std::nullopt;
        return this->node(*it);
    }

private:
    static const json &target(const JsonNode &node) { return *static_cast<const json *>(node.data()); }

    // An object {"$number": "<text>"} is a number; everything else as NlohmannReader sees it.
    static JsonKind kind_of(const json &value)
    {
        if (value.is_object() && value.size() == 1 && value.contains("$number") && value["$number"].is_string())
            return JsonKind::Number;
        return json_kind_of(value);
    }
};

// Answers kind_of for one profile being defined (with its new kind) and asks `base` for the others,
// as the server does: a CONTAINED profile may then contain itself, a ROOT one is refused.
class KindsWithDefinition final : public ProfileKinds {
public:
    KindsWithDefinition(const ProfileKinds &base, std::string_view key, ProfileKind kind)
        : base_(base), key_(key), kind_(kind) {}

    std::optional<ProfileKind> kind_of(std::string_view key) const override
    {
        return key == key_ ? std::optional<ProfileKind>(kind_) : base_.kind_of(key);
    }

private:
    const ProfileKinds &base_;
    std::string_view key_;
    ProfileKind kind_;
};

// Compiled profiles by key: the per-backend profile cache of the server, without a server.
class InMemoryProfiles final : public ProfileCatalog, public ProfileKinds {
public:
    // Compiles a definition (throwing DefinitionError) and stores the profile, replacing one of the same key.
    const Profile &define_json(std::string_view key, const json &definition, ProfileKind kind = ProfileKind::Root)
    {
        NlohmannReader reader;
        return compile_and_store(key, reader.node(definition), kind);
    }

    // The same through NumberTextReader, so that bounds can carry texts nlohmann would round ({"$number": "0.3"}).
    const Profile &define_with_number_texts(std::string_view key, std::string_view definition_text,
                                            ProfileKind kind = ProfileKind::Root)
    {
        json definition = json::parse(definition_text);
        NumberTextReader reader;
        return compile_and_store(key, reader.node(definition), kind);
    }

    const Profile &define(std::string_view key, std::string_view definition_text,
                          ProfileKind kind = ProfileKind::Root)
    {
        return define_json(key, json::parse(definition_text), kind);
    }

    void drop(std::string_view key)
    {
        auto it = profiles_.find(key);
        if (it != profiles_.end())
            profiles_.erase(it);
    }

    const Profile *find(std::string_view key) const override
    {
        auto it = profiles_.find(key);
        return it == profiles_.end() ? nullptr : &it->second;
    }

    std::optional<ProfileKind> kind_of(std::string_view key) const override
    {
        const Profile *profile = find(key);
        return profile ? std::optional<ProfileKind>(profile->kind) : std::nullopt;
    }

    RegexPatternEngine patterns;

private:
    const Profile &compile_and_store(std::string_view key, const JsonNode &definition, ProfileKind kind)
    {
        KindsWithDefinition kinds(*this, key, kind);
        Profile profile = compile_profile(key, kind, definition, kinds, patterns);
        Profile &stored = profiles_[std::string(key)];
        stored = std::move(profile);
        return stored;
    }

    std::map<std::string, Profile, std::less<>> profiles_;
};

// `count` copies of text.
inline std::string repeat(std::string_view text, size_t count)
{
    std::string out;
    out.reserve(text.size() * count);
    for (size_t i = 0; i < count; ++i)
        out += text;
    return out;
}

// The document `write(JsonBuilder &)` writes, as nlohmann::json.
template <typename Write> json written(Write &&write)
{
    NlohmannBuilder builder;
    write(static_cast<JsonBuilder &>(builder));
    return NlohmannBuilder::document(builder.finish());
}

} // namespace pg_bulk::test
