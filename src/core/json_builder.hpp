// Writing JSON documents through one interface, so the core decides what a document holds (a
// receipt, an answer, a merged record) and each representation writes it its own way: jsonb's binary
// form in the server (pg/bridge/jsonb_builder.hpp), nlohmann::json in the unit tests and the fuzzers.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/json_view.hpp"

namespace pg_bulk {

// Values are written in document order: inside an object, key() then the member's value. An object's
// keys may come in any order; a key written twice keeps its last value (as jsonb does).
class JsonBuilder {
public:
    virtual ~JsonBuilder() = default;
    virtual void begin_object() = 0;
    virtual void key(std::string_view key) = 0;
    virtual void end_object() = 0;
    virtual void begin_array() = 0;
    virtual void end_array() = 0;
    virtual void string(std::string_view value) = 0;
    virtual void integer(int64_t value) = 0;
    virtual void boolean(bool value) = 0;
    virtual void null() = 0;
    // A whole value (object, array or scalar) copied as it is, from a node of the builder's kind of
    // document.
    virtual void copy(const JsonNode &value) = 0;
    // The document written since the previous finish(); the node lives as long as the builder's
    // documents do.
    virtual JsonNode finish() = 0;

    // "key": value
    void member(std::string_view name, std::string_view value)
    {
        key(name);
        string(value);
    }
    void member(std::string_view name, const char *value) { member(name, std::string_view(value)); }
    void integer_member(std::string_view name, int64_t value)
    {
        key(name);
        integer(value);
    }
};

} // namespace pg_bulk
