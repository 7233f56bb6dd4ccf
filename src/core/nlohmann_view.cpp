// nlohmann::json behind the JsonReader interface. Object members are reached by position
// through iteration, which is linear: fine for tests, not meant for the server's hot path.
#include "core/nlohmann_view.hpp"

#include <iterator>

namespace pg_bulk {

namespace {
using json = nlohmann::json;

const json &target(const JsonNode &node)
{
    return *static_cast<const json *>(node.data());
}
} // namespace

JsonKind json_kind_of(const json &value)
{
    switch (value.type()) {
    case json::value_t::boolean: return JsonKind::Boolean;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return JsonKind::Number;
    case json::value_t::string: return JsonKind::String;
    case json::value_t::array: return JsonKind::Array;
    case json::value_t::object: return JsonKind::Object;
    default: return JsonKind::Null;
    }
}

JsonNode NlohmannReader::node(const json &value) const
{
    return JsonNode(this, json_kind_of(value), &value, 0);
}

bool NlohmannReader::boolean(const JsonNode &node) const
{
    return target(node).get<bool>();
}

std::string_view NlohmannReader::string(const JsonNode &node) const
{
    return target(node).get_ref<const std::string &>();
}

std::string NlohmannReader::number_text(const JsonNode &node) const
{
    return target(node).dump();
}

size_t NlohmannReader::size(const JsonNode &node) const
{
    return target(node).size();
}

JsonNode NlohmannReader::element(const JsonNode &node, size_t index) const
{
    return this->node(target(node)[index]);
}

std::string_view NlohmannReader::key(const JsonNode &node, size_t index) const
{
    auto it = target(node).items().begin();
    std::advance(it, index);
    return it.key();
}

JsonNode NlohmannReader::value(const JsonNode &node, size_t index) const
{
    auto it = target(node).begin();
    std::advance(it, index);
    return this->node(*it);
}

std::optional<JsonNode> NlohmannReader::find(const JsonNode &node, std::string_view key) const
{
    const json &object = target(node);
    auto it = object.find(std::string(key));
    if (it == object.end())
        return std::nullopt;
    return this->node(*it);
}

// A value at the current place: the root, the next element of the open array, or the member of the
// open object named by the last key.
void NlohmannBuilder::put(json value)
{
    if (open_.empty())
        current_ = std::move(value);
    else if (open_.back()->is_array())
        open_.back()->push_back(std::move(value));
    else
        (*open_.back())[key_] = std::move(value);
}

void NlohmannBuilder::open(json container)
{
    put(std::move(container));
    if (open_.empty())
        open_.push_back(&current_);
    else if (open_.back()->is_array())
        open_.push_back(&open_.back()->back());
    else
        open_.push_back(&(*open_.back())[key_]);
}

void NlohmannBuilder::begin_object()
{
    open(json::object());
}

void NlohmannBuilder::key(std::string_view key)
{
    key_ = std::string(key);
}

void NlohmannBuilder::end_object()
{
    open_.pop_back();
}

void NlohmannBuilder::begin_array()
{
    open(json::array());
}

void NlohmannBuilder::end_array()
{
    open_.pop_back();
}

void NlohmannBuilder::string(std::string_view value)
{
    put(json(std::string(value)));
}

void NlohmannBuilder::integer(int64_t value)
{
    put(json(value));
}

void NlohmannBuilder::boolean(bool value)
{
    put(json(value));
}

void NlohmannBuilder::null()
{
    put(json());
}

void NlohmannBuilder::copy(const JsonNode &value)
{
    put(target(value));
}

JsonNode NlohmannBuilder::finish()
{
    documents_.push_back(std::move(current_));
    current_ = json();
    return reader_.node(documents_.back());
}

const json &NlohmannBuilder::document(const JsonNode &node)
{
    return target(node);
}

} // namespace pg_bulk
