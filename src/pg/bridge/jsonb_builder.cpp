// jsonb written through pushJsonbValue (which sorts and deduplicates each object's keys at its end).
#include "pg/bridge/jsonb_builder.hpp"

#include "pg/bridge/pg_call.hpp"

namespace pg_bulk::pg {

namespace {

// A node of a JsonbReader as the JsonbValue pushJsonbValue takes: scalars point into the document,
// containers are pushed as binary (pushJsonbValue unpacks them).
JsonbValue value_of(const JsonNode &node)
{
    JsonbValue value;
    switch (node.kind()) {
    case JsonKind::Null:
        value.type = jbvNull;
        break;
    case JsonKind::Boolean:
        value.type = jbvBool;
        value.val.boolean = node.boolean();
        break;
    case JsonKind::String:
        value.type = jbvString;
        value.val.string.val = const_cast<char *>(static_cast<const char *>(node.data()));
        value.val.string.len = static_cast<int>(node.length());
        break;
    case JsonKind::Number:
        value.type = jbvNumeric;
        value.val.numeric = reinterpret_cast<Numeric>(const_cast<void *>(node.data()));
        break;
    case JsonKind::Array:
    case JsonKind::Object:
        value.type = jbvBinary;
        value.val.binary.data = static_cast<JsonbContainer *>(const_cast<void *>(node.data()));
        value.val.binary.len = static_cast<int>(node.length());
        break;
    }
    return value;
}

} // namespace

void JsonbBuilder::begin_object()
{
    pg_call([&] { pushJsonbValue(&state_, WJB_BEGIN_OBJECT, nullptr); });
    ++depth_;
}

void JsonbBuilder::key(std::string_view key)
{
    JsonbValue value;
    value.type = jbvString;
    value.val.string.val = const_cast<char *>(key.data());
    value.val.string.len = static_cast<int>(key.size());
    pg_call([&] { pushJsonbValue(&state_, WJB_KEY, &value); });
}

void JsonbBuilder::end_object()
{
    JsonbValue *done = pg_call([&] { return pushJsonbValue(&state_, WJB_END_OBJECT, nullptr); });
    if (--depth_ == 0)
        result_ = done;
}

void JsonbBuilder::copy(const JsonNode &node)
{
    if (depth_ == 0) {
        copied_root_ = node;
        return;
    }
    JsonbValue value = value_of(node);
    pg_call([&] { pushJsonbValue(&state_, WJB_VALUE, &value); });
}

JsonNode JsonbBuilder::finish()
{
    if (copied_root_) {
        JsonNode node = *copied_root_;
        copied_root_.reset();
        return node;
    }
    JsonbValue *result = result_;
    result_ = nullptr;
    state_ = nullptr;
    if (!result)
        throw SqlError(ERRCODE_INTERNAL_ERROR, "pg_bulk: a merged document was finished before it was written");
    Jsonb *document = pg_call([&] { return JsonbValueToJsonb(result); });
    return reader_.root(document);
}

} // namespace pg_bulk::pg
