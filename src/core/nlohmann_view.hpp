// The JSON view over nlohmann::json: used by unit tests and the fuzzer, which have no server.
#pragma once

#include <nlohmann/json.hpp>

#include "core/json_view.hpp"

namespace pg_bulk {

// The kind of a value as the views report it (all three number types are Number).
JsonKind json_kind_of(const nlohmann::json &value);

class NlohmannReader final : public JsonReader {
public:
    // A node for a value owned by the caller; it must outlive every node made from it.
    JsonNode node(const nlohmann::json &value) const;

    bool boolean(const JsonNode &node) const override;
    std::string_view string(const JsonNode &node) const override;
    std::string number_text(const JsonNode &node) const override;
    size_t size(const JsonNode &node) const override;
    JsonNode element(const JsonNode &node, size_t index) const override;
    std::string_view key(const JsonNode &node, size_t index) const override;
    JsonNode value(const JsonNode &node, size_t index) const override;
    std::optional<JsonNode> find(const JsonNode &node, std::string_view key) const override;
};

} // namespace pg_bulk
