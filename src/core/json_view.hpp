// Read-only view of a JSON document, so the validator runs unchanged over jsonb's
// binary form (server hot path) and over nlohmann::json (profile compilation, tests).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pg_bulk {

enum class JsonKind : uint8_t { Null, Boolean, Number, String, Array, Object };

// The word used for a kind in error messages ("got string").
const char *json_kind_name(JsonKind kind);

class JsonReader;
class JsonNode;

// "got string" and the like, for "expected ..., got ..." messages.
std::string got_kind(const JsonNode &node);

// A small copyable handle to one value. The reader that made it gives it meaning;
// it stays valid as long as the underlying document does.
class JsonNode {
public:
    JsonNode(const JsonReader *reader, JsonKind kind, const void *data, uint32_t length)
        : reader_(reader), data_(data), length_(length), kind_(kind) {}

    JsonKind kind() const { return kind_; }
    bool is(JsonKind kind) const { return kind_ == kind; }

    inline bool boolean() const;
    inline std::string_view string() const;
    // The number as decimal text, e.g. "12", "-0.5", "1e+20".
    inline std::string number_text() const;
    // Members of an object or elements of an array.
    inline size_t size() const;
    inline JsonNode element(size_t index) const;
    inline std::string_view key(size_t index) const;
    inline JsonNode value(size_t index) const;
    inline std::optional<JsonNode> find(std::string_view key) const;

    const void *data() const { return data_; }
    uint32_t length() const { return length_; }

private:
    const JsonReader *reader_;
    const void *data_;
    uint32_t length_;
    JsonKind kind_;
};

// One implementation per document representation.
class JsonReader {
public:
    virtual ~JsonReader() = default;
    virtual bool boolean(const JsonNode &node) const = 0;
    virtual std::string_view string(const JsonNode &node) const = 0;
    virtual std::string number_text(const JsonNode &node) const = 0;
    virtual size_t size(const JsonNode &node) const = 0;
    virtual JsonNode element(const JsonNode &node, size_t index) const = 0;
    virtual std::string_view key(const JsonNode &node, size_t index) const = 0;
    virtual JsonNode value(const JsonNode &node, size_t index) const = 0;
    virtual std::optional<JsonNode> find(const JsonNode &node, std::string_view key) const = 0;
};

bool JsonNode::boolean() const { return reader_->boolean(*this); }
std::string_view JsonNode::string() const { return reader_->string(*this); }
std::string JsonNode::number_text() const { return reader_->number_text(*this); }
size_t JsonNode::size() const { return reader_->size(*this); }
JsonNode JsonNode::element(size_t index) const { return reader_->element(*this, index); }
std::string_view JsonNode::key(size_t index) const { return reader_->key(*this, index); }
JsonNode JsonNode::value(size_t index) const { return reader_->value(*this, index); }
std::optional<JsonNode> JsonNode::find(std::string_view key) const { return reader_->find(*this, key); }

} // namespace pg_bulk
