// Hand-written scanners for the string and number formats of profile data types. They run once per validated
// value (the validation hot path), so they use no regex, no allocation and nothing locale-dependent.
#include "core/value_checks.hpp"

#include <charconv>
#include <cmath>
#include <limits>

namespace pg_bulk::checks {
namespace {

// Nanoseconds: the finest clock precision a timestamp type carries.
constexpr size_t max_fraction_digits = 9;

// An ASCII digit; isdigit would consult the locale.
bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

// Advances pos over a run of digits and returns how many there were.
size_t skip_digits(std::string_view text, size_t &pos)
{
    size_t start = pos;
    while (pos < text.size() && is_digit(text[pos]))
        ++pos;
    return pos - start;
}

// Bytes no uri or url may contain: ASCII control characters, DEL and space.
bool is_forbidden_in_uri(char c)
{
    auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7f;
}

// The value of exactly `count` digits at text[pos], or -1 when the text is shorter or one is not a digit.
int read_digits(std::string_view text, size_t pos, size_t count)
{
    if (pos + count > text.size())
        return -1;
    int value = 0;
    for (size_t i = pos; i < pos + count; ++i) {
        if (!is_digit(text[i]))
            return -1;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

// Gregorian rule: every fourth year, except centuries not divisible by 400 (1900 no, 2000 yes).
bool is_leap_year(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

// Whether a two-digit field read by read_digits is a month.
bool is_month(int value)
{
    return value >= 1 && value <= 12;
}

// Days in a month 1-12 of the given year.
int days_in_month(int year, int month)
{
    static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap_year(year) ? 29 : days[month - 1];
}

// Whether text begins with "YYYY-MM-DD" naming a real calendar day.
bool starts_with_full_date(std::string_view text)
{
    if (text.size() < 10 || text[4] != '-' || text[7] != '-')
        return false;
    int year = read_digits(text, 0, 4);
    int month = read_digits(text, 5, 2);
    int day = read_digits(text, 8, 2);
    return year >= 1 && is_month(month) && day >= 1 && day <= days_in_month(year, month);
}

// Whether the two characters at text[pos] are digits forming a number in [0, max].
bool is_two_digit_field(std::string_view text, size_t pos, int max)
{
    int value = read_digits(text, pos, 2);
    return value >= 0 && value <= max;
}

// Whether text is exactly "hh:mm:ss" with an optional ".fraction" of 1-9 digits.
bool is_clock(std::string_view text)
{
    if (text.size() < 8 || text[2] != ':' || text[5] != ':')
        return false;
    if (!is_two_digit_field(text, 0, 23) || !is_two_digit_field(text, 3, 59) || !is_two_digit_field(text, 6, 59))
        return false;
    if (text.size() == 8)
        return true;
    size_t pos = 9;
    size_t fraction_digits = skip_digits(text, pos);
    return text[8] == '.' && fraction_digits >= 1 && fraction_digits <= max_fraction_digits && pos == text.size();
}

// Whether text is exactly a "+hh:mm" or "-hh:mm" offset within +/-14:59.
bool is_utc_offset(std::string_view text)
{
    return text.size() == 6 && (text[0] == '+' || text[0] == '-') && text[3] == ':' &&
           is_two_digit_field(text, 1, 14) && is_two_digit_field(text, 4, 59);
}

// How many characters the timezone at the end of a datetime takes: 1 for "Z", 6 for an offset, 0 for none.
size_t timezone_length(std::string_view text)
{
    if (!text.empty() && text.back() == 'Z')
        return 1;
    if (text.size() >= 6 && is_utc_offset(text.substr(text.size() - 6)))
        return 6;
    return 0;
}

// ASCII lowercase of a letter, anything else unchanged (tolower would consult the locale).
char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// Whether text starts with a lowercase ASCII prefix, ignoring the case of the text.
bool starts_with_ignoring_case(std::string_view text, std::string_view lower_prefix)
{
    if (text.size() < lower_prefix.size())
        return false;
    for (size_t i = 0; i < lower_prefix.size(); ++i)
        if (ascii_lower(text[i]) != lower_prefix[i])
            return false;
    return true;
}

// Whether text has no byte that a uri or url forbids.
bool has_no_forbidden_bytes(std::string_view text)
{
    for (char c : text)
        if (is_forbidden_in_uri(c))
            return false;
    return true;
}

// What the JSON grammar -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? says about a text.
struct NumberSyntax {
    bool valid = false;
    bool integral = false;  // no fraction and no exponent
};

// Skips an optional ".digits" then an optional exponent; false when either is started but incomplete.
bool skip_fraction_and_exponent(std::string_view text, size_t &pos)
{
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        if (skip_digits(text, pos) == 0)
            return false;
    }
    if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
        ++pos;
        if (pos < text.size() && (text[pos] == '+' || text[pos] == '-'))
            ++pos;
        if (skip_digits(text, pos) == 0)
            return false;
    }
    return true;
}

// Checks the text against JSON number syntax (no leading zeros, no leading '+', digits around '.').
NumberSyntax scan_json_number(std::string_view text)
{
    NumberSyntax syntax;
    size_t pos = !text.empty() && text[0] == '-' ? 1 : 0;
    size_t integer_digits = skip_digits(text, pos);
    if (integer_digits == 0 || (integer_digits > 1 && text[pos - integer_digits] == '0'))
        return syntax;
    size_t integer_end = pos;
    if (!skip_fraction_and_exponent(text, pos) || pos != text.size())
        return syntax;
    syntax.valid = true;
    syntax.integral = integer_end == text.size();
    return syntax;
}

// The exponent digits after 'e'/'E' of a valid number, saturated far beyond any double's range so it cannot overflow.
int64_t read_saturated_exponent(std::string_view text, size_t pos)
{
    constexpr int64_t saturation = 1'000'000'000'000;
    bool negative = text[pos] == '-';
    if (text[pos] == '+' || text[pos] == '-')
        ++pos;
    int64_t exponent = 0;
    for (; pos < text.size() && exponent < saturation; ++pos)
        exponent = exponent * 10 + (text[pos] - '0');
    return negative ? -exponent : exponent;
}

// Whether a valid, non-zero number's magnitude is at least 1. When a double cannot hold a number this tells
// overflow from underflow: the two limits are over 600 decades apart, so the leading digit's decade suffices.
bool magnitude_at_least_one(std::string_view text)
{
    size_t pos = text[0] == '-' ? 1 : 0;
    size_t integer_start = pos;
    // The decade of the leading non-zero digit before the exponent: 2 for 123.4, -3 for 0.005.
    int64_t decade = static_cast<int64_t>(skip_digits(text, pos)) - 1;
    if (pos < text.size() && text[pos] == '.') {
        size_t fraction_start = ++pos;
        while (pos < text.size() && text[pos] == '0')
            ++pos;
        if (text[integer_start] == '0')
            decade = -static_cast<int64_t>(pos - fraction_start) - 1;
        skip_digits(text, pos);
    }
    int64_t exponent = pos < text.size() ? read_saturated_exponent(text, pos + 1) : 0;
    return decade + exponent >= 0;
}

// The nearest double to a valid number's text; +/-HUGE_VAL beyond the double range, +/-0 below it.
double read_double(std::string_view text)
{
    double value = 0;
    auto result = std::from_chars(text.data(), text.data() + text.size(), value);
    if (result.ec != std::errc::result_out_of_range)
        return value;
    double magnitude = magnitude_at_least_one(text) ? HUGE_VAL : 0.0;
    return text[0] == '-' ? -magnitude : magnitude;
}

// Reads an integral number's text as int64; false when it is out of range.
bool read_int64(std::string_view text, int64_t &integer)
{
    auto result = std::from_chars(text.data(), text.data() + text.size(), integer);
    return result.ec == std::errc() && result.ptr == text.data() + text.size();
}

// jsonb numeric output may be one of these texts: numbers, but not finite ones. Anything else is no number.
ParsedNumber parse_non_finite(std::string_view text)
{
    ParsedNumber number;
    if (text == "NaN")
        number.value = std::numeric_limits<double>::quiet_NaN();
    else if (text == "Infinity")
        number.value = HUGE_VAL;
    else if (text == "-Infinity")
        number.value = -HUGE_VAL;
    else
        return number;
    number.valid = true;
    return number;
}

} // namespace

// Counts the bytes that start a character, i.e. every byte but UTF-8 continuation bytes (10xxxxxx).
size_t utf8_length(std::string_view text)
{
    size_t length = 0;
    for (char c : text)
        length += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return length;
}

// One pass: tab/CR/LF anywhere fail, as does a space at either end or after another space.
bool is_code(std::string_view text)
{
    if (text.empty() || text.front() == ' ' || text.back() == ' ')
        return false;
    char previous = '\0';
    for (char c : text) {
        if (c == '\t' || c == '\n' || c == '\r' || (c == ' ' && previous == ' '))
            return false;
        previous = c;
    }
    return true;
}

// The three precisions are told apart by length alone.
bool is_date(std::string_view text)
{
    switch (text.size()) {
    case 4: return read_digits(text, 0, 4) >= 1;
    case 7: return text[4] == '-' && read_digits(text, 0, 4) >= 1 && is_month(read_digits(text, 5, 2));
    case 10: return starts_with_full_date(text);
    default: return false;
    }
}

// A full date, 'T', a clock, then the timezone that the clock characters can never be mistaken for.
bool is_datetime(std::string_view text)
{
    if (text.size() < 11 || text[10] != 'T' || !starts_with_full_date(text))
        return false;
    size_t zone = timezone_length(text);
    return zone != 0 && text.size() - zone > 11 && is_clock(text.substr(11, text.size() - zone - 11));
}

// A bare clock.
bool is_time(std::string_view text)
{
    return is_clock(text);
}

// Anything printable and non-empty: relative references and urns are uris too.
bool is_uri(std::string_view text)
{
    return !text.empty() && has_no_forbidden_bytes(text);
}

// The host (with any user-info and port) runs from after "//" to the first '/', '?' or '#'; it must not be empty.
bool is_url(std::string_view text)
{
    size_t host_start = 0;
    if (starts_with_ignoring_case(text, "http://"))
        host_start = 7;
    else if (starts_with_ignoring_case(text, "https://"))
        host_start = 8;
    else
        return false;
    if (host_start == text.size() || text[host_start] == '/' || text[host_start] == '?' || text[host_start] == '#')
        return false;
    return has_no_forbidden_bytes(text);
}

// Grammar first; int64 and double conversions only for valid text, the double one skipped when the int64 is exact.
ParsedNumber parse_number(std::string_view text)
{
    NumberSyntax syntax = scan_json_number(text);
    if (!syntax.valid)
        return parse_non_finite(text);
    ParsedNumber number;
    number.valid = true;
    number.finite = true;
    number.integral = syntax.integral;
    if (syntax.integral && read_int64(text, number.integer)) {
        number.fits_int64 = true;
        number.value = static_cast<double>(number.integer);
        return number;
    }
    number.value = read_double(text);
    return number;
}

} // namespace pg_bulk::checks
