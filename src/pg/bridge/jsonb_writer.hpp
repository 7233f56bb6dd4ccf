// Writing jsonb's binary form directly: an array of small objects, for documents too large to build
// as JsonbValue trees (bulk.task's receipts of a million operations).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_view.hpp"
#include "pg/bridge/postgres.hpp"

namespace pg_bulk::pg {

// One member of an object: a string value, a container value (an object or array node of a
// JsonbReader) copied as it is, or a whole number.
struct JsonbMember {
    std::string_view key;
    std::string_view string;
    std::optional<JsonNode> container;
    std::optional<int64> number = std::nullopt;
};

// A standalone object of `members` (keys distinct, any order), palloc'd.
Jsonb *jsonb_object(std::vector<JsonbMember> members);

class JsonbArrayWriter {
public:
    // Appends an object element; members in any key order, keys distinct.
    void add_object(std::vector<JsonbMember> members);
    // The array as a palloc'd jsonb.
    Jsonb *finish() const;

private:
    std::string data_;           // the elements, each starting 4-byte aligned
    std::vector<uint32> ends_;   // end of each element in data_
};

} // namespace pg_bulk::pg
