// Exact ordering of decimal numbers written as JSON number text, for the min/max rules: no rounding through
// double, so 0.30000000000000000001 is above 0.3 and 9007199254740993 above 9007199254740992.
#pragma once

#include <string_view>

namespace pg_bulk::decimal {

// Orders two JSON number texts (-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, as checks::parse_number
// accepts them) by their exact value: negative when a < b, 0 when equal, positive when a > b.
// 0, -0, 0.0 and 0e5 are equal; 1e3, 1000 and 1000.0 are equal; any exponent compares exactly, also one too
// large for an integer type. Text outside that grammar is read safely but orders arbitrarily.
int compare(std::string_view a, std::string_view b);

} // namespace pg_bulk::decimal
