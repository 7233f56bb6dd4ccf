// Format checks for the profile data types that are strings or numbers underneath
// (code, date, datetime, time, uri, url, integer, decimal). Pure functions, no allocation
// beyond what they return.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace pg_bulk::checks {

// Length in characters of valid UTF-8 text (jsonb strings are always valid UTF-8 in a UTF8 database;
// a byte that does not start a sequence counts as one character).
size_t utf8_length(std::string_view text);

// code: non-empty words of non-whitespace characters separated by single spaces (no leading, trailing or
// doubled space; a tab, CR or LF is never allowed).
bool is_code(std::string_view text);
// date: YYYY, YYYY-MM or YYYY-MM-DD, a real calendar date (leap years counted), year 0001-9999.
bool is_date(std::string_view text);
// datetime: YYYY-MM-DDThh:mm:ss[.fraction](Z|+hh:mm|-hh:mm); a real date, the time as for is_time, the timezone
// required (offset hours 00-14, minutes 00-59), 'T' and 'Z' uppercase.
bool is_datetime(std::string_view text);
// time: hh:mm:ss[.fraction], 00-23:00-59:00-59, a fraction of 1-9 digits.
bool is_time(std::string_view text);
// uri: non-empty, no whitespace or control characters (absolute, relative or urn).
bool is_uri(std::string_view text);
// url: absolute http:// or https:// URL with a non-empty host, no whitespace or control characters.
bool is_url(std::string_view text);

// A JSON number read from its decimal text.
struct ParsedNumber {
    bool valid = false;        // the text is a number at all
    bool integral = false;     // written without fraction or exponent ("12", "-3"; not "1.0", "1e2")
    bool fits_int64 = false;   // integral and within int64 range
    int64_t integer = 0;       // the value when fits_int64
    double value = 0;          // nearest double; +/-HUGE_VAL when out of double range or "Infinity", NaN for "NaN"
    bool finite = false;       // valid and not the text "NaN", "Infinity" or "-Infinity" (jsonb may hold them);
                               // a number too large for a double is still finite, with value +/-HUGE_VAL
};
ParsedNumber parse_number(std::string_view text);

} // namespace pg_bulk::checks
