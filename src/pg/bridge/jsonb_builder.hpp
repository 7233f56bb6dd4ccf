// The core's JsonBuilder writing jsonb's binary form directly (utils/jsonb.h), the one way pg_bulk
// writes jsonb: answers, receipts, errors, staged rows turned into operations, PATCH merges. No
// JsonbValue tree and no JSON text: each container is laid out when it ends, values of nodes read by a
// JsonbReader are copied as their bytes. Memory is the builder's (not palloc'd) until finish_jsonb().
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/json_builder.hpp"
#include "pg/bridge/jsonb_view.hpp"
#include "pg/bridge/postgres.hpp"

namespace pg_bulk::pg {

class JsonbBuilder final : public JsonBuilder {
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
    // `value` is a JsonbReader node (a whole document copied at the root is returned by finish() as it is:
    // its document must live as long as that node is used).
    void copy(const JsonNode &value) override;
    // The document, palloc'd in the current memory context, read through the builder's reader.
    JsonNode finish() override;
    // The document, palloc'd in the current memory context.
    Jsonb *finish_jsonb();

private:
    // A value written into a container: its JEntry type and its bytes [start, end) of the container's
    // data (unpadded); an object member also its key [key_start, key_end) of the container's keys.
    struct Child {
        uint32 type;
        size_t start, end;
        size_t key_start = 0, key_end = 0;
    };
    struct Container {
        bool object = false;
        std::string key;  // its own key in the object that holds it
        std::string keys;
        std::string data;
        std::vector<Child> children;
    };

    Container &open_container(bool object);
    void close_container(bool object);
    // The container a value written now goes into: the innermost open one, or the root (which holds one
    // value: writing another replaces it).
    Container &current();
    void clear_root();
    // Records the value just appended to container.data from `start` on (`key` names it in an object).
    static void record(Container &container, uint32 type, size_t start, std::string_view key);
    // Appends a value of `type` whose bytes are `bytes` to the current container; `key` names it in an
    // object.
    void add(uint32 type, std::string_view bytes, std::string_view key);
    void add(uint32 type, std::string_view bytes) { add(type, bytes, key_); }
    // Lays `container` out at the end of `out` (padding is relative to where it starts).
    void lay_out(const Container &container, uint32 flags, std::string &out);

    std::vector<Container> containers_;  // containers_[0..depth_) are open; deeper ones are kept for reuse
    size_t depth_ = 0;
    std::string key_;
    Container root_;  // an array-like holder of the finished root value, its one child
    std::optional<JsonNode> copied_root_;
    // lay_out's scratch, kept between containers (a document of a million receipts lays out a million).
    std::vector<uint32> order_, distinct_;
    std::vector<JEntry> entries_;
    JsonbReader reader_;
};

// A jsonb array of object or array nodes (from JsonbReaders), built by copying their binary form:
// no re-encoding.
Jsonb *jsonb_array(const std::vector<JsonNode> &elements);
// A jsonb array holding elements [begin, end) of the array node `array`.
Jsonb *jsonb_array_slice(const JsonbReader &reader, const JsonNode &array, size_t begin, size_t end);

// A standalone jsonb holding a copy of one object or array node (its binary form is position
// independent, so this is a header plus a memcpy).
Jsonb *jsonb_copy(const JsonNode &container);

// The document `write(JsonBuilder &)` writes, palloc'd in the current memory context.
template <typename Write> Jsonb *jsonb_of(Write &&write)
{
    JsonbBuilder builder;
    write(static_cast<JsonBuilder &>(builder));
    return builder.finish_jsonb();
}

} // namespace pg_bulk::pg
