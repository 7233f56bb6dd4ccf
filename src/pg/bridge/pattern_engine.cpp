// Pattern checks through pg_regcomp (which reports errors as codes) and matching through
// RE_compile_and_execute (which caches compiled expressions per backend).
#include "pg/bridge/pattern_engine.hpp"

#include "pg/bridge/pg_call.hpp"

namespace pg_bulk::pg {

std::optional<std::string> PgPatternEngine::check(const std::string &pattern)
{
    char message[256] = {0};
    int code = pg_call([&] {
        pg_wchar *wide = static_cast<pg_wchar *>(palloc((pattern.size() + 1) * sizeof(pg_wchar)));
        int length = pg_mb2wchar_with_len(pattern.data(), wide, static_cast<int>(pattern.size()));
        regex_t compiled;
        int result = pg_regcomp(&compiled, wide, length, REG_ADVANCED, C_COLLATION_OID);
        if (result == REG_OKAY)
            pg_regfree(&compiled);
        else
            pg_regerror(result, &compiled, message, sizeof(message));
        pfree(wide);
        return result;
    });
    if (code == REG_OKAY)
        return std::nullopt;
    return std::string(message);
}

text *PgPatternEngine::pattern_text(const std::string &pattern)
{
    auto found = texts_.find(pattern);
    if (found != texts_.end())
        return found->second;
    text *value = pg_call([&] { return cstring_to_text_with_len(pattern.data(), static_cast<int>(pattern.size())); });
    texts_.emplace(pattern, value);
    return value;
}

bool PgPatternEngine::matches(const std::string &pattern, std::string_view value)
{
    text *compiled_key = pattern_text(pattern);
    return pg_call([&] {
        return RE_compile_and_execute(compiled_key, const_cast<char *>(value.data()), static_cast<int>(value.size()),
                                      REG_ADVANCED, C_COLLATION_OID, 0, nullptr);
    });
}

} // namespace pg_bulk::pg
