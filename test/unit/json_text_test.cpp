// Unit tests for JSON text writing (core/json_text) and path rendering (core/json_path): string escaping,
// excerpts cut at character boundaries, and paths whose odd member names are quoted.
#include "core/json_path.hpp"
#include "core/json_text.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json_view.hpp"
#include "core_test_support.hpp"

namespace pg_bulk {
namespace {

using test::json;
using test::repeat;

std::string json_string(std::string_view text)
{
    std::string out;
    append_json_string(out, text);
    return out;
}

//
// append_json_string
//

TEST(AppendJsonString, PlainTextIsQuoted)
{
    EXPECT_EQ(json_string(""), R"("")");
    EXPECT_EQ(json_string("abc"), R"("abc")");
    EXPECT_EQ(json_string("a b/c'd"), R"("a b/c'd")");
}

TEST(AppendJsonString, QuotesAndBackslashesAreEscaped)
{
    EXPECT_EQ(json_string("\""), R"("\"")");
    EXPECT_EQ(json_string("\\"), R"("\\")");
    EXPECT_EQ(json_string("say \"hi\" \\o/"), R"("say \"hi\" \\o/")");
    EXPECT_EQ(json_string("\\\""), R"("\\\"")");
}

TEST(AppendJsonString, ControlCharactersAreEscaped)
{
    EXPECT_EQ(json_string("\n"), R"("\n")");
    EXPECT_EQ(json_string("\r"), R"("\r")");
    EXPECT_EQ(json_string("\t"), R"("\t")");
    EXPECT_EQ(json_string("\b"), R"("\b")");
    EXPECT_EQ(json_string("\f"), R"("\f")");
    EXPECT_EQ(json_string(std::string_view("\0", 1)), R"("\u0000")");
    EXPECT_EQ(json_string("\x01"), R"("\u0001")");
    EXPECT_EQ(json_string("\x0b"), R"("\u000b")");
    EXPECT_EQ(json_string("\x1b"), R"("\u001b")");
    EXPECT_EQ(json_string("\x1f"), R"("\u001f")");
    EXPECT_EQ(json_string(std::string_view("a\0b\x1f" "c", 5)), R"("a\u0000b\u001fc")");
    // Every control character, as \u00XX unless it has a short escape.
    for (int c = 0; c < 0x20; ++c) {
        std::string text(1, static_cast<char>(c));
        std::string expected;
        switch (c) {
        case '\n': expected = R"("\n")"; break;
        case '\r': expected = R"("\r")"; break;
        case '\t': expected = R"("\t")"; break;
        case '\b': expected = R"("\b")"; break;
        case '\f': expected = R"("\f")"; break;
        default: {
            static const char hex[] = "0123456789abcdef";
            expected = std::string("\"\\u00") + hex[c >> 4] + hex[c & 0xf] + "\"";
        }
        }
        EXPECT_EQ(json_string(text), expected) << c;
    }
}

TEST(AppendJsonString, DeleteAndUtf8PassThrough)
{
    EXPECT_EQ(json_string("\x7f"), "\"\x7f\"");
    EXPECT_EQ(json_string("caf\xC3\xA9"), "\"caf\xC3\xA9\"");
    EXPECT_EQ(json_string("\xE2\x82\xAC \xF0\x9F\x98\x80"), "\"\xE2\x82\xAC \xF0\x9F\x98\x80\"");
    EXPECT_EQ(json_string("e\xCC\x81"), "\"e\xCC\x81\"");
    EXPECT_EQ(json_string("\xE2\x80\xA8"), "\"\xE2\x80\xA8\"");  // U+2028 is valid inside a JSON string
}

TEST(AppendJsonString, AppendsToWhatIsThere)
{
    std::string out = "{\"a\": ";
    append_json_string(out, "x\"y");
    out += '}';
    EXPECT_EQ(out, R"({"a": "x\"y"})");
}

TEST(AppendJsonString, EveryAsciiByteRoundTripsThroughAJsonParser)
{
    std::string all;
    for (int c = 0; c < 0x80; ++c)
        all.push_back(static_cast<char>(c));
    all += "\xC3\xA9\xF0\x9F\x98\x80";
    EXPECT_EQ(json::parse(json_string(all)).get<std::string>(), all);
}

//
// utf8_prefix
//

TEST(Utf8Prefix, CutsAtCharacterBoundaries)
{
    const std::string text = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z";  // a é € 😀 z: 1+2+3+4+1 bytes
    EXPECT_EQ(utf8_prefix(text, 0), "");
    EXPECT_EQ(utf8_prefix(text, 1), "a");
    EXPECT_EQ(utf8_prefix(text, 2), "a\xC3\xA9");
    EXPECT_EQ(utf8_prefix(text, 3), "a\xC3\xA9\xE2\x82\xAC");
    EXPECT_EQ(utf8_prefix(text, 4), "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
    EXPECT_EQ(utf8_prefix(text, 5), text);
    EXPECT_EQ(utf8_prefix(text, 6), text);
    EXPECT_EQ(utf8_prefix(text, static_cast<size_t>(-1)), text);
}

TEST(Utf8Prefix, AsciiAndEmpty)
{
    EXPECT_EQ(utf8_prefix("", 0), "");
    EXPECT_EQ(utf8_prefix("", 5), "");
    EXPECT_EQ(utf8_prefix("abcdef", 3), "abc");
    EXPECT_EQ(utf8_prefix("abc", 3), "abc");
    const std::string long_text = repeat("x", 300);
    EXPECT_EQ(utf8_prefix(long_text, 200), repeat("x", 200));
    EXPECT_EQ(utf8_prefix(repeat("\xC3\xA9", 300), 200), repeat("\xC3\xA9", 200));
    EXPECT_EQ(utf8_prefix(repeat("\xF0\x9F\x98\x80", 3), 2), repeat("\xF0\x9F\x98\x80", 2));
}

TEST(Utf8Prefix, IsAViewOfTheText)
{
    const std::string text = "hello world";
    std::string_view prefix = utf8_prefix(text, 5);
    EXPECT_EQ(prefix.data(), text.data());
    EXPECT_EQ(prefix.size(), 5u);
}

TEST(Utf8Prefix, StrayBytes)
{
    // A byte that does not continue a sequence counts as a character; continuation bytes stay with their lead.
    EXPECT_EQ(utf8_prefix("\xFF\xFE" "a", 1), "\xFF");
    EXPECT_EQ(utf8_prefix("\xC3" "a", 1), "\xC3");
    EXPECT_EQ(utf8_prefix("\xC3\xA9\xA9" "a", 1), "\xC3\xA9\xA9");
    EXPECT_EQ(utf8_prefix(std::string_view("a\0b", 3), 2), std::string_view("a\0", 2));
}

//
// quote_excerpt
//

TEST(QuoteExcerpt, ShortTextIsQuotedWhole)
{
    EXPECT_EQ(quote_excerpt(""), R"("")");
    EXPECT_EQ(quote_excerpt("abc"), R"("abc")");
    EXPECT_EQ(quote_excerpt(repeat("x", 64)), "\"" + repeat("x", 64) + "\"");
    EXPECT_EQ(quote_excerpt("a\"b\\c\n"), R"("a\"b\\c\n")");
}

TEST(QuoteExcerpt, LongTextIsCutAt64Characters)
{
    EXPECT_EQ(quote_excerpt(repeat("x", 65)), "\"" + repeat("x", 64) + "...\"");
    EXPECT_EQ(quote_excerpt(repeat("x", 5 * 1024 * 1024)), "\"" + repeat("x", 64) + "...\"");
}

TEST(QuoteExcerpt, CutsMultiByteTextAtCharacterBoundaries)
{
    EXPECT_EQ(quote_excerpt(repeat("\xC3\xA9", 64)), "\"" + repeat("\xC3\xA9", 64) + "\"");
    EXPECT_EQ(quote_excerpt(repeat("\xC3\xA9", 65)), "\"" + repeat("\xC3\xA9", 64) + "...\"");
    EXPECT_EQ(quote_excerpt(repeat("\xF0\x9F\x98\x80", 70)), "\"" + repeat("\xF0\x9F\x98\x80", 64) + "...\"");
    // One ASCII character shifts every following character boundary by one byte.
    EXPECT_EQ(quote_excerpt("a" + repeat("\xE2\x82\xAC", 70)), "\"a" + repeat("\xE2\x82\xAC", 63) + "...\"");
    EXPECT_EQ(quote_excerpt("e\xCC\x81" "e\xCC\x81", 3), "\"e\xCC\x81" "e...\"");  // code points, not graphemes
}

TEST(QuoteExcerpt, CountsCharactersOfTheTextNotOfItsEscapes)
{
    EXPECT_EQ(quote_excerpt(repeat("\"", 65)), "\"" + repeat("\\\"", 64) + "...\"");
    EXPECT_EQ(quote_excerpt(repeat("\n", 64)), "\"" + repeat("\\n", 64) + "\"");
    EXPECT_EQ(quote_excerpt(repeat(std::string_view("\x01"), 65)), "\"" + repeat("\\u0001", 64) + "...\"");
}

TEST(QuoteExcerpt, OtherLimits)
{
    EXPECT_EQ(quote_excerpt("abcdef", 3), R"("abc...")");
    EXPECT_EQ(quote_excerpt("abc", 3), R"("abc")");
    EXPECT_EQ(quote_excerpt("abc", 0), R"("...")");
    EXPECT_EQ(quote_excerpt("", 0), R"("")");
    EXPECT_EQ(quote_excerpt(repeat("k", 40), 32), "\"" + repeat("k", 32) + "...\"");
}

TEST(QuoteExcerpt, IsValidJson)
{
    for (const std::string &text : {std::string("a\"b"), repeat("\\", 100), repeat("\xC3\xA9", 100),
                                    std::string("\x01\x02\x1f"), repeat("\"", 100)}) {
        std::string quoted = quote_excerpt(text);
        EXPECT_NO_THROW(json::parse(quoted)) << quoted;
    }
}

//
// render_path
//

TEST(RenderPath, RootRendersAsNothing)
{
    PathFrame root;
    EXPECT_EQ(render_path(&root), "");
    EXPECT_EQ(render_path(nullptr), "");
    PathFrame orphan{nullptr, "ignored", 0, false};  // no parent: a root, whatever its key
    EXPECT_EQ(render_path(&orphan), "");
}

TEST(RenderPath, MembersAndElements)
{
    PathFrame root;
    PathFrame create = root.member("create");
    PathFrame data = create.member("data");
    PathFrame tags = data.member("tags");
    PathFrame item = tags.element(2);
    EXPECT_EQ(render_path(&create), "create");
    EXPECT_EQ(render_path(&data), "create.data");
    EXPECT_EQ(render_path(&item), "create.data.tags[2]");

    PathFrame contained = create.member("contained");
    PathFrame hours = contained.member("openingHours");
    PathFrame first = hours.element(0);
    PathFrame entry_data = first.member("data");
    PathFrame day = entry_data.member("day");
    EXPECT_EQ(render_path(&day), "create.contained.openingHours[0].data.day");

    PathFrame top_element = root.element(7);
    PathFrame nested = top_element.element(12345);
    PathFrame after = nested.member("x");
    EXPECT_EQ(render_path(&top_element), "[7]");
    EXPECT_EQ(render_path(&after), "[7][12345].x");
}

TEST(RenderPath, PlainNames)
{
    PathFrame root;
    for (const std::string &name : {std::string("a"), std::string("A-Z_0-9"), std::string("-"), std::string("_"),
                                    std::string("0"), repeat("k", 64)}) {
        PathFrame parent = root.member("data");
        PathFrame member = parent.member(name);
        EXPECT_EQ(render_path(&member), "data." + name) << name;
    }
}

TEST(RenderPath, OtherNamesAreQuoted)
{
    PathFrame root;
    PathFrame data = root.member("data");
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"", R"(data[""])"},
        {"a b", R"(data["a b"])"},
        {"x.y", R"(data["x.y"])"},
        {"[0]", R"(data["[0]"])"},
        {"a\"b\\c", R"(data["a\"b\\c"])"},
        {"line\nbreak\x01", R"(data["line\nbreak\u0001"])"},
        {std::string("a\0b", 3), R"(data["a\u0000b"])"},
        {"caf\xC3\xA9", "data[\"caf\xC3\xA9\"]"},
        {repeat("k", 65), "data[\"" + repeat("k", 32) + "...\"]"},
        {repeat("\xC3\xA9", 40), "data[\"" + repeat("\xC3\xA9", 32) + "...\"]"},
        {repeat("\xC3\xA9", 32), "data[\"" + repeat("\xC3\xA9", 32) + "\"]"},
    };
    for (const auto &[name, expected] : cases) {
        PathFrame member = data.member(name);
        EXPECT_EQ(render_path(&member), expected) << name;
    }
}

TEST(RenderPath, QuotedNamesMixWithOthers)
{
    PathFrame root;
    PathFrame odd = root.member("a b");
    PathFrame plain = odd.member("c");
    PathFrame element = plain.element(1);
    PathFrame again = element.member("\"");
    EXPECT_EQ(render_path(&odd), R"(["a b"])");
    EXPECT_EQ(render_path(&plain), R"(["a b"].c)");
    EXPECT_EQ(render_path(&again), R"(["a b"].c[1]["\""])");
}

TEST(RenderPath, DeepChains)
{
    std::vector<PathFrame> frames;
    frames.reserve(1001);
    frames.push_back(PathFrame{});
    for (int i = 0; i < 1000; ++i)
        frames.push_back(i % 2 ? frames.back().element(0) : frames.back().member("c"));
    EXPECT_EQ(render_path(&frames.back()), "c" + repeat("[0].c", 499) + "[0]");
}

TEST(JsonKindNames, AsUsedInMessages)
{
    EXPECT_STREQ(json_kind_name(JsonKind::Null), "null");
    EXPECT_STREQ(json_kind_name(JsonKind::Boolean), "boolean");
    EXPECT_STREQ(json_kind_name(JsonKind::Number), "number");
    EXPECT_STREQ(json_kind_name(JsonKind::String), "string");
    EXPECT_STREQ(json_kind_name(JsonKind::Array), "array");
    EXPECT_STREQ(json_kind_name(JsonKind::Object), "object");
}

} // namespace
} // namespace pg_bulk
