// JSON paths for error messages ("data.address.city", "contained.hours[2].data"), kept as a chain
// of stack frames so the valid-input hot path never builds a string.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pg_bulk {

struct PathFrame {
    const PathFrame *parent = nullptr;
    std::string_view key;   // member name, when !is_index
    size_t index = 0;       // element index, when is_index
    bool is_index = false;

    PathFrame member(std::string_view name) const { return PathFrame{this, name, 0, false}; }
    PathFrame element(size_t position) const { return PathFrame{this, {}, position, true}; }
};

// Renders a chain: plain names joined by '.', indexes as [n], other names as ["quoted"].
// The root frame (no parent, empty key) renders as nothing.
std::string render_path(const PathFrame *frame);

} // namespace pg_bulk
