// Builders for the batch-rule tests and the batch fuzzer: planned operations without JSON, and an
// in-memory catalog of relationship definitions.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "core/planned_operation.hpp"
#include "core/relationship.hpp"

namespace pg_bulk::test {

inline PlannedOperation resource_operation(int32_t seq, Action action, std::string type, std::string id)
{
    PlannedOperation operation;
    operation.seq = seq;
    operation.action = action;
    operation.type = std::move(type);
    operation.id = std::move(id);
    return operation;
}

inline PlannedOperation relationship_operation(int32_t seq, Action action, std::string type, std::string id,
                                               Endpoint from = {}, Endpoint to = {})
{
    PlannedOperation operation = resource_operation(seq, action, std::move(type), std::move(id));
    operation.from = std::move(from);
    operation.to = std::move(to);
    return operation;
}

class InMemoryRelationships final : public RelationshipCatalog {
public:
    void define(const std::string &key, RelationshipCardinality cardinality)
    {
        RelationshipDefinition definition;
        definition.key = key;
        definition.cardinality = cardinality;
        definitions_[key] = std::move(definition);
    }
    void add(RelationshipDefinition definition) { definitions_[definition.key] = std::move(definition); }
    const RelationshipDefinition *find_relationship(std::string_view key) const override
    {
        auto it = definitions_.find(key);
        return it == definitions_.end() ? nullptr : &it->second;
    }

private:
    std::map<std::string, RelationshipDefinition, std::less<>> definitions_;
};

} // namespace pg_bulk::test
