// Writing JSON text: string escaping, and short quoted excerpts of user input for error messages.
#pragma once

#include <string>
#include <string_view>

namespace pg_bulk {

// Appends text as a JSON string literal, quotes included.
void append_json_string(std::string &out, std::string_view text);
// A JSON-quoted copy of text for a message, cut to at most max_chars characters with "..." added,
// so a 50 MB string or a hostile key never floods a message.
std::string quote_excerpt(std::string_view text, size_t max_chars = 64);
// A number's text for messages (values and min/max bounds): at most 40 characters, "..." marking a cut
// (1e400 is 401 digits in jsonb).
std::string number_excerpt(std::string_view text);
// The longest prefix of UTF-8 text with at most max_chars characters.
std::string_view utf8_prefix(std::string_view text, size_t max_chars);

} // namespace pg_bulk
