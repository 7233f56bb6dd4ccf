// Unit tests for the data-type format checks and JSON number parsing in core/value_checks.
#include "core/value_checks.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>

namespace pg_bulk::checks {
namespace {

using Check = bool (*)(std::string_view);

// Expects the check to accept every text, naming the first one it rejects.
void expect_all_accepted(Check check, std::initializer_list<std::string_view> texts)
{
    for (std::string_view text : texts)
        EXPECT_TRUE(check(text)) << "rejected \"" << text << "\"";
}

// Expects the check to reject every text, naming the first one it accepts.
void expect_all_rejected(Check check, std::initializer_list<std::string_view> texts)
{
    for (std::string_view text : texts)
        EXPECT_FALSE(check(text)) << "accepted \"" << text << "\"";
}

TEST(Utf8Length, CountsCharactersNotBytes)
{
    EXPECT_EQ(utf8_length(""), 0u);
    EXPECT_EQ(utf8_length("abc"), 3u);
    EXPECT_EQ(utf8_length("h\xC3\xA9llo"), 5u);           // é: 2 bytes
    EXPECT_EQ(utf8_length("\xE2\x82\xAC"), 1u);           // €: 3 bytes
    EXPECT_EQ(utf8_length("\xF0\x9F\x98\x80!"), 2u);      // emoji: 4 bytes
    EXPECT_EQ(utf8_length(std::string_view("a\0b", 3)), 3u);
}

TEST(Utf8Length, StrayLeadByteCountsAsOneCharacter)
{
    EXPECT_EQ(utf8_length("\xC3"), 1u);
    EXPECT_EQ(utf8_length("\xFF\xFE"), 2u);
}

TEST(IsCode, AcceptsWordsSeparatedBySingleSpaces)
{
    expect_all_accepted(is_code, {"abc", "a b", "a b c", "x", "123", "A-1.b_c", "h\xC3\xA9", "a\xC2\xA0" "b"});
}

TEST(IsCode, RejectsEmptyEdgeAndDoubledWhitespace)
{
    expect_all_rejected(is_code, {"", " ", " a", "a ", "a  b", "  ", "a b "});
}

TEST(IsCode, RejectsTabCarriageReturnAndNewlineAnywhere)
{
    expect_all_rejected(is_code, {"a\tb", "a\nb", "a\rb", "\ta", "a\t", "\n", "a \tb", "a\r\nb"});
}

TEST(IsDate, AcceptsYearMonthAndDayPrecision)
{
    expect_all_accepted(is_date, {"2023", "2023-02", "2023-02-28", "0001", "9999", "9999-12-31", "0001-01-01",
                                  "2023-12", "2023-01-31", "2023-04-30"});
}

TEST(IsDate, RejectsImpossibleAndMalformedDates)
{
    expect_all_rejected(is_date, {"2023-02-30", "2023-13", "2023-00", "2023-2-01", "23", "2023-02-29", "0000",
                                  "0000-01-01", "2023-04-31", "2023-02-00", "2023-01-32", "", "202", "20230",
                                  "2023-02-2", "2023/02/28", "2023-02-28 ", " 2023", "+2023", "-2023", "2023-",
                                  "2023-02-", "2023-02-28T10:11:12Z", "20a3", "2023-1a", "2023-02-2x"});
}

TEST(IsDate, CountsLeapYears)
{
    expect_all_accepted(is_date, {"2024-02-29", "2000-02-29", "1600-02-29", "0004-02-29"});
    expect_all_rejected(is_date, {"2023-02-29", "1900-02-29", "2100-02-29", "2024-02-30"});
}

TEST(IsDateTime, AcceptsUtcAndOffsets)
{
    expect_all_accepted(is_datetime, {"2023-02-28T10:11:12Z", "2023-02-28T10:11:12.123+02:00",
                                      "2023-02-28T10:11:12-05:30", "2023-02-28T00:00:00-00:00",
                                      "2023-02-28T23:59:59+14:00", "2023-02-28T23:59:59-14:59",
                                      "2023-02-28T10:11:12.5Z", "2023-02-28T10:11:12.123456789Z",
                                      "2024-02-29T00:00:00Z", "0001-01-01T00:00:00Z"});
}

TEST(IsDateTime, RequiresTimezone)
{
    expect_all_rejected(is_datetime, {"2023-02-28T10:11:12", "2023-02-28T10:11:12.123", "2023-02-28T10:11:12+02",
                                      "2023-02-28T10:11:12+0200", "2023-02-28T10:11:12+02:0",
                                      "2023-02-28T10:11:12 Z", "2023-02-28T10:11:12+02:00Z",
                                      "2023-02-28T10:11:12ZZ"});
}

TEST(IsDateTime, RequiresUppercaseTAndZ)
{
    expect_all_rejected(is_datetime, {"2023-02-28t10:11:12Z", "2023-02-28T10:11:12z", "2023-02-28 10:11:12Z",
                                      "2023-02-2810:11:12Z", "2023-02-28_10:11:12Z"});
}

TEST(IsDateTime, RejectsOutOfRangeFields)
{
    expect_all_rejected(is_datetime, {"2023-02-30T10:11:12Z", "2023-02-29T10:11:12Z", "2023-13-01T10:11:12Z",
                                      "2023-02-28T24:00:00Z", "2023-02-28T10:60:00Z", "2023-02-28T10:11:60Z",
                                      "2023-02-28T10:11:12+15:00", "2023-02-28T10:11:12+02:60",
                                      "2023-02-28T10:11:12*02:00", "0000-01-01T00:00:00Z"});
}

TEST(IsDateTime, RejectsPartialForms)
{
    expect_all_rejected(is_datetime, {"", "2023-02-28", "2023-02-28T", "2023-02-28TZ", "2023-02-28T10:11Z",
                                      "2023-02-28T10Z", "2023-02T10:11:12Z", "2023T10:11:12Z", "Z", "+02:00",
                                      "2023-02-28T+02:00", "2023-02-28T1:11:12Z"});
}

TEST(IsDateTime, LimitsFractionToOneToNineDigits)
{
    expect_all_rejected(is_datetime, {"2023-02-28T10:11:12.Z", "2023-02-28T10:11:12.1234567890Z",
                                      "2023-02-28T10:11:12,5Z", "2023-02-28T10:11:12.5a+02:00"});
}

TEST(IsTime, AcceptsClockWithOptionalFraction)
{
    expect_all_accepted(is_time, {"10:11:12", "23:59:59.5", "00:00:00", "23:59:59", "12:00:00.123456789"});
}

TEST(IsTime, RejectsOutOfRangeAndMalformedTimes)
{
    expect_all_rejected(is_time, {"24:00:00", "10:11", "1:02:03", "10:60:00", "10:11:60", "10:11:12.",
                                  "10:11:12.1234567890", "10:11:12Z", "10:11:12+02:00", "10-11-12", "",
                                  "10:11:12 ", " 10:11:12", "10:11:1", "10:11:123", "1a:11:12", "10:11:12.5x"});
}

TEST(IsUri, AcceptsAnyNonEmptyTextWithoutWhitespaceOrControls)
{
    expect_all_accepted(is_uri, {"http://example.org/a", "urn:uuid:53fefa32-fcbb-4ff8-8a92-55ee120877b7",
                                 "relative/path", "#fragment", "x", "http://b\xC3\xA9.org/\xE2\x82\xAC"});
}

TEST(IsUri, RejectsEmptyWhitespaceAndControls)
{
    expect_all_rejected(is_uri, {"", " ", "a b", "a\tb", "a\nb", "a\rb", "a\x7f" "b", "a\x01" "b", " a", "a ",
                                 std::string_view("a\0b", 3)});
}

TEST(IsUrl, AcceptsHttpAndHttpsWithAHost)
{
    expect_all_accepted(is_url, {"http://example.org", "https://example.org/", "HTTP://example.org",
                                 "HtTpS://example.org/a?b=c#d", "http://user:pw@example.org:8080/x",
                                 "http://localhost:5432", "https://x", "http://example.org?q", "http://example.org#f"});
}

TEST(IsUrl, RejectsOtherSchemesAndEmptyHosts)
{
    expect_all_rejected(is_url, {"", "http://", "https://", "http:///path", "http://?q", "http://#f",
                                 "ftp://example.org", "example.org", "http:/example.org", "http:example.org",
                                 "urn:uuid:1", "//example.org", "httpx://example.org", "http//example.org",
                                 "https:/", "h"});
}

TEST(IsUrl, RejectsWhitespaceAndControls)
{
    expect_all_rejected(is_url, {"http://exa mple.org", "http://example.org/a b", "http://example.org\n",
                                 " http://example.org", "http://example.org/\x7f", "http://example.org/\t"});
}

// Expects text to parse as a finite integer that fits int64, with the given value.
void expect_int64(std::string_view text, int64_t expected)
{
    ParsedNumber number = parse_number(text);
    EXPECT_TRUE(number.valid) << text;
    EXPECT_TRUE(number.integral) << text;
    EXPECT_TRUE(number.fits_int64) << text;
    EXPECT_TRUE(number.finite) << text;
    EXPECT_EQ(number.integer, expected) << text;
    EXPECT_EQ(number.value, static_cast<double>(expected)) << text;
}

// Expects text to be a valid, finite number written with a fraction or exponent, with the given value.
void expect_non_integral(std::string_view text, double expected)
{
    ParsedNumber number = parse_number(text);
    EXPECT_TRUE(number.valid) << text;
    EXPECT_FALSE(number.integral) << text;
    EXPECT_FALSE(number.fits_int64) << text;
    EXPECT_TRUE(number.finite) << text;
    EXPECT_EQ(number.value, expected) << text;
}

TEST(ParseNumber, ReadsIntegers)
{
    expect_int64("0", 0);
    expect_int64("-0", 0);
    expect_int64("12", 12);
    expect_int64("-3", -3);
    expect_int64("1234567890", 1234567890);
}

TEST(ParseNumber, ChecksInt64BoundsExactly)
{
    expect_int64("9223372036854775807", std::numeric_limits<int64_t>::max());
    expect_int64("-9223372036854775808", std::numeric_limits<int64_t>::min());
    for (std::string_view text : {"9223372036854775808", "-9223372036854775809", "10000000000000000000"}) {
        ParsedNumber number = parse_number(text);
        EXPECT_TRUE(number.valid) << text;
        EXPECT_TRUE(number.integral) << text;
        EXPECT_FALSE(number.fits_int64) << text;
        EXPECT_TRUE(number.finite) << text;
    }
    EXPECT_EQ(parse_number("9223372036854775808").value, 9223372036854775808.0);
    EXPECT_EQ(parse_number("-9223372036854775809").value, -9223372036854775808.0);
}

TEST(ParseNumber, IntegerValueRoundsLikeADecimalParse)
{
    // 2^53 + 1 lies halfway between two doubles; round-half-even gives 2^53 either way.
    expect_int64("9007199254740993", 9007199254740993);
    EXPECT_EQ(parse_number("9007199254740993").value, 9007199254740992.0);
}

TEST(ParseNumber, ReadsFractionsAndExponents)
{
    expect_non_integral("1.0", 1.0);
    expect_non_integral("-0.5", -0.5);
    expect_non_integral("1e+20", 1e20);
    expect_non_integral("1E-3", 0.001);
    expect_non_integral("1e2", 100.0);
    expect_non_integral("0.1", 0.1);
    expect_non_integral("0e0", 0.0);
    expect_non_integral("-12.5E+1", -125.0);
    expect_non_integral("1.7976931348623157e308", std::numeric_limits<double>::max());
    expect_non_integral("5e-324", std::numeric_limits<double>::denorm_min());
}

TEST(ParseNumber, RejectsTextsOutsideJsonGrammar)
{
    for (std::string_view text : {"", "-", "1.", ".5", "01", "-01", "00", "1e", "1e+", "1E-", "+1", " 1", "1 ",
                                  "0x10", "1.2.3", "1e5.5", "--1", "1..2", "1.e5", "-.5", "1e1e1", "one", "nan",
                                  "inf", "infinity", "+Infinity", "NaN ", "-NaN", "Infinity1", "1,5", "\xEF\xBC\x91"}) {
        ParsedNumber number = parse_number(text);
        EXPECT_FALSE(number.valid) << text;
        EXPECT_FALSE(number.finite) << text;
        EXPECT_FALSE(number.integral) << text;
        EXPECT_FALSE(number.fits_int64) << text;
    }
}

TEST(ParseNumber, NanAndInfinityTextsAreValidButNotFinite)
{
    ParsedNumber nan = parse_number("NaN");
    EXPECT_TRUE(nan.valid);
    EXPECT_FALSE(nan.finite);
    EXPECT_FALSE(nan.integral);
    EXPECT_FALSE(nan.fits_int64);
    EXPECT_TRUE(std::isnan(nan.value));

    ParsedNumber infinity = parse_number("Infinity");
    EXPECT_TRUE(infinity.valid);
    EXPECT_FALSE(infinity.finite);
    EXPECT_FALSE(infinity.integral);
    EXPECT_EQ(infinity.value, HUGE_VAL);

    ParsedNumber negative_infinity = parse_number("-Infinity");
    EXPECT_TRUE(negative_infinity.valid);
    EXPECT_FALSE(negative_infinity.finite);
    EXPECT_EQ(negative_infinity.value, -HUGE_VAL);
}

TEST(ParseNumber, HugeIntegerIsFiniteTextWithHugeValue)
{
    std::string huge = "1" + std::string(400, '0');
    ParsedNumber number = parse_number(huge);
    EXPECT_TRUE(number.valid);
    EXPECT_TRUE(number.integral);
    EXPECT_FALSE(number.fits_int64);
    EXPECT_TRUE(number.finite);
    EXPECT_EQ(number.value, HUGE_VAL);
    EXPECT_EQ(parse_number("-" + huge).value, -HUGE_VAL);
}

TEST(ParseNumber, OverflowGivesHugeValAndStaysFinite)
{
    for (std::string_view text : {"1e400", "1.8e308", "0.001e312", "1e99999999999999999999"}) {
        ParsedNumber number = parse_number(text);
        EXPECT_TRUE(number.valid) << text;
        EXPECT_TRUE(number.finite) << text;
        EXPECT_EQ(number.value, HUGE_VAL) << text;
    }
    EXPECT_EQ(parse_number("-1e400").value, -HUGE_VAL);
    EXPECT_EQ(parse_number("0." + std::string(399, '0') + "1e800").value, HUGE_VAL);
}

TEST(ParseNumber, UnderflowGivesSignedZero)
{
    for (std::string_view text : {"1e-400", "1000e-330", "123456789e-340", "1e-99999999999999999999",
                                  "2e-324"}) {
        ParsedNumber number = parse_number(text);
        EXPECT_TRUE(number.valid) << text;
        EXPECT_TRUE(number.finite) << text;
        EXPECT_EQ(number.value, 0.0) << text;
        EXPECT_FALSE(std::signbit(number.value)) << text;
    }
    ParsedNumber negative = parse_number("-1e-400");
    EXPECT_EQ(negative.value, 0.0);
    EXPECT_TRUE(std::signbit(negative.value));
    EXPECT_EQ(parse_number(std::string(400, '1').insert(0, "0.").append("e-400")).value, 0.0);
}

} // namespace
} // namespace pg_bulk::checks
