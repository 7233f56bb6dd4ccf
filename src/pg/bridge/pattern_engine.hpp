// `pattern` rules evaluated by PostgreSQL's own regular expression engine (ARE syntax, C collation),
// so a profile's pattern means exactly what `~` means in SQL.
#pragma once

#include <string>
#include <unordered_map>

#include "core/profile.hpp"
#include "pg/bridge/postgres.hpp"

namespace pg_bulk::pg {

class PgPatternEngine final : public PatternEngine {
public:
    std::optional<std::string> check(const std::string &pattern) override;
    bool matches(const std::string &pattern, std::string_view text) override;

private:
    text *pattern_text(const std::string &pattern);
    std::unordered_map<std::string, text *> texts_;  // palloc'd in the caller's memory context
};

} // namespace pg_bulk::pg
