// The JSON view over nlohmann::json: used by unit tests and the fuzzer, which have no server.
#pragma once

#include <deque>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json_view.hpp"
#include "core/json_builder.hpp"

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

// Builds nlohmann::json documents (merged records, answers and receipts in the unit tests and the
// fuzzers); copies nodes of NlohmannReader's kind. Finished documents live as long as the builder.
class NlohmannBuilder final : public JsonBuilder {
public:
    void begin_object() override;
    void key(std::string_view key) override;
    void end_object() override;
    void begin_array() override;
    void end_array() override;
    void string(std::string_view value) override;
    void integer(int64_t value) override;
    void boolean(bool value) override;
    void null() override;
    void copy(const JsonNode &value) override;
    JsonNode finish() override;

    // The document a node of finish() stands for.
    static const nlohmann::json &document(const JsonNode &node);

private:
    void put(nlohmann::json value);
    void open(nlohmann::json container);
    NlohmannReader reader_;
    std::deque<nlohmann::json> documents_;
    nlohmann::json current_;
    std::vector<nlohmann::json *> open_;  // the containers being written, innermost last
    std::string key_;
};

} // namespace pg_bulk
