// The core's JsonBuilder writing jsonb (a PATCH's merged data, contained and meta): values pushed with
// pushJsonbValue, nodes copied from JsonbReader documents, the finished document palloc'd in the
// current memory context and read back through a JsonbReader.
#pragma once

#include "core/merge_patch.hpp"
#include "pg/bridge/jsonb_view.hpp"
#include "pg/bridge/postgres.hpp"

namespace pg_bulk::pg {

class JsonbBuilder final : public JsonBuilder {
public:
    void begin_object() override;
    void key(std::string_view key) override;
    void end_object() override;
    // `value` is a JsonbReader node; its document must live until finish().
    void copy(const JsonNode &value) override;
    JsonNode finish() override;

private:
    JsonbReader reader_;
    JsonbParseState *state_ = nullptr;
    int depth_ = 0;
    JsonbValue *result_ = nullptr;          // the finished object, before encoding
    std::optional<JsonNode> copied_root_;   // a document that is one copied value
};

} // namespace pg_bulk::pg
