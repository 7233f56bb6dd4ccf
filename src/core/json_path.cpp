// Rendering of JSON paths for messages.
#include "core/json_path.hpp"

#include <vector>

#include "core/json_text.hpp"

namespace pg_bulk {

static bool is_plain_name(std::string_view name)
{
    if (name.empty() || name.size() > 64)
        return false;
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

std::string render_path(const PathFrame *frame)
{
    std::vector<const PathFrame *> frames;
    for (; frame && frame->parent; frame = frame->parent)
        frames.push_back(frame);
    std::string out;
    for (auto it = frames.rbegin(); it != frames.rend(); ++it) {
        const PathFrame &f = **it;
        if (f.is_index) {
            out += '[' + std::to_string(f.index) + ']';
        } else if (is_plain_name(f.key)) {
            if (!out.empty())
                out += '.';
            out += f.key;
        } else {
            out += '[' + quote_excerpt(f.key, 32) + ']';
        }
    }
    return out;
}

} // namespace pg_bulk
