// JSON string escaping and message excerpts.
#include "core/json_text.hpp"

namespace pg_bulk {

void append_json_string(std::string &out, std::string_view text)
{
    static const char hex[] = "0123456789abcdef";
    out.push_back('"');
    for (unsigned char c : text) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
            if (c < 0x20) {
                out += "\\u00";
                out.push_back(hex[c >> 4]);
                out.push_back(hex[c & 0xf]);
            } else {
                out.push_back(static_cast<char>(c));
            }
        }
    }
    out.push_back('"');
}

std::string_view utf8_prefix(std::string_view text, size_t max_chars)
{
    // Cut at a character boundary: count UTF-8 lead bytes.
    size_t chars = 0, end = 0;
    while (end < text.size()) {
        if ((static_cast<unsigned char>(text[end]) & 0xC0) != 0x80) {
            if (chars == max_chars)
                break;
            ++chars;
        }
        ++end;
    }
    return text.substr(0, end);
}

std::string quote_excerpt(std::string_view text, size_t max_chars)
{
    std::string_view prefix = utf8_prefix(text, max_chars);
    std::string out;
    append_json_string(out, prefix);
    if (prefix.size() < text.size()) {
        out.pop_back();
        out += "...\"";
    }
    return out;
}

// Number texts are ASCII, so a byte cut is a character cut.
std::string number_excerpt(std::string_view text)
{
    return text.size() <= 40 ? std::string(text) : std::string(text.substr(0, 40)) + "...";
}

} // namespace pg_bulk
