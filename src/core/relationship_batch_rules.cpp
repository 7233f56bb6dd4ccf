// The cardinality and endpoint rules of a relationship batch.
#include "core/relationship_batch_rules.hpp"

#include <stdexcept>

#include "core/versions.hpp"

namespace pg_bulk {

namespace {

std::string pair_key(const std::string &type, const Relationship &r)
{
    return type + '\0' + r.from.type + '\0' + r.from.id + '\0' + r.to.type + '\0' + r.to.id;
}

std::string side_key(const std::string &type, const Endpoint &e)
{
    return type + '\0' + e.type + '\0' + e.id;
}

std::string describe(const Endpoint &e)
{
    return e.type + " '" + e.id + "'";
}

std::optional<OperationError> missing_endpoint(const PlannedOperation &operation, const std::set<TypeAndId> &resources)
{
    for (auto [side, endpoint] : {std::pair{"from", &operation.from}, std::pair{"to", &operation.to}}) {
        if (!resources.count(TypeAndId{endpoint->type, endpoint->id}))
            return OperationError{ErrorType::NotFound, std::string(side) + " resource " + endpoint->type + " '" +
                                                           endpoint->id + "' not found"};
    }
    return std::nullopt;
}

} // namespace

bool restricts_from(RelationshipCardinality cardinality)
{
    return cardinality == RelationshipCardinality::OneToOne;
}

bool restricts_to(RelationshipCardinality cardinality)
{
    return cardinality == RelationshipCardinality::OneToOne || cardinality == RelationshipCardinality::OneToMany;
}

void RelationshipBatch::add_stored(const TypeAndId &key, const Endpoint &from, const Endpoint &to,
                                   RelationshipCardinality cardinality, std::string created_at, int32_t version,
                                   RecordContent stored)
{
    auto [it, inserted] = rows_.emplace(key, Relationship{});
    if (!inserted)
        return;
    Relationship &r = it->second;
    r.from = from;
    r.to = to;
    r.cardinality = cardinality;
    r.created_at = std::move(created_at);
    r.version = version;
    r.stored = std::move(stored);
    r.existed = r.exists = true;
    link(key, r);
}

Relationship *RelationshipBatch::find(const TypeAndId &key)
{
    auto it = rows_.find(key);
    return it == rows_.end() || !it->second.exists ? nullptr : &it->second;
}

void RelationshipBatch::link(const TypeAndId &key, const Relationship &r)
{
    pairs_[pair_key(key.first, r)] = key.second;
    if (restricts_from(r.cardinality))
        froms_[side_key(key.first, r.from)] = key.second;
    if (restricts_to(r.cardinality))
        tos_[side_key(key.first, r.to)] = key.second;
}

void RelationshipBatch::unlink(const TypeAndId &key, const Relationship &r)
{
    pairs_.erase(pair_key(key.first, r));
    if (restricts_from(r.cardinality))
        froms_.erase(side_key(key.first, r.from));
    if (restricts_to(r.cardinality))
        tos_.erase(side_key(key.first, r.to));
}

// Why the candidate, a relationship of `type`, would break a rule, naming the one it collides with.
std::optional<std::string> RelationshipBatch::conflict(const std::string &type, const Relationship &candidate) const
{
    if (auto it = pairs_.find(pair_key(type, candidate)); it != pairs_.end())
        return "relationship '" + it->second + "' of type '" + type + "' already links " + describe(candidate.from) +
               " to " + describe(candidate.to);
    if (restricts_from(candidate.cardinality))
        if (auto it = froms_.find(side_key(type, candidate.from)); it != froms_.end())
            return "cardinality 1:1: " + describe(candidate.from) + " already has relationship '" + it->second +
                   "' of type '" + type + "'";
    if (restricts_to(candidate.cardinality))
        if (auto it = tos_.find(side_key(type, candidate.to)); it != tos_.end())
            return std::string("cardinality ") + relationship_cardinality_name(candidate.cardinality) + ": " +
                   describe(candidate.to) + " already has relationship '" + it->second + "' of type '" + type + "'";
    return std::nullopt;
}

// The outcome of one CREATE or UPSERT.
void RelationshipBatch::write(PlannedOperation &operation, const RelationshipDefinition &definition,
                              const std::set<TypeAndId> &resources)
{
    TypeAndId key{operation.type, operation.id};
    Relationship *current = find(key);
    std::optional<int32_t> stored = current ? std::optional<int32_t>(current->version) : std::nullopt;
    if ((operation.error = failed_precondition(operation, stored)))
        return;
    if (current && operation.action == Action::Create) {
        operation.error = already_exists(operation);
        return;
    }
    if (auto missing = missing_endpoint(operation, resources)) {
        operation.error = missing;
        return;
    }
    Relationship candidate;
    candidate.from = operation.from;
    candidate.to = operation.to;
    candidate.cardinality = definition.cardinality;
    if (current)
        unlink(key, *current);
    if (auto why = conflict(operation.type, candidate)) {
        if (current)
            link(key, *current);
        operation.error = OperationError{ErrorType::CardinalityViolation, *why};
        return;
    }
    Relationship &row = rows_[key];
    row.from = candidate.from;
    row.to = candidate.to;
    row.cardinality = candidate.cardinality;
    row.exists = row.touched = true;
    row.writer = &operation;
    row.version = operation.version = next_version(stored);
    link(key, row);
}

void RelationshipBatch::remove(PlannedOperation &operation)
{
    TypeAndId key{operation.type, operation.id};
    Relationship *current = find(key);
    if (!current) {
        operation.error = not_found(operation);
        return;
    }
    if ((operation.error = failed_precondition(operation, current->version)))
        return;
    operation.version = current->version;
    unlink(key, *current);
    current->exists = false;
    current->touched = current->deleted = true;
}

// A PATCH merges into the record's data and meta; its endpoints, and so its cardinality, stay.
void RelationshipBatch::patch(PlannedOperation &operation, const RecordPatcher *patcher)
{
    Relationship *current = find(TypeAndId{operation.type, operation.id});
    if (!current) {
        operation.error = not_found(operation);
        return;
    }
    if ((operation.error = failed_precondition(operation, current->version)))
        return;
    if (!patcher)
        throw std::logic_error("a relationship batch with a PATCH decided without a patcher");
    if (!patcher->patch_relationship(operation, current->writer ? content_of(*current->writer) : current->stored))
        return;
    current->touched = true;
    current->writer = &operation;
    current->version = operation.version = next_version(current->version);
}

void RelationshipBatch::decide(std::vector<PlannedOperation> &operations, const RelationshipCatalog &definitions,
                               const std::set<TypeAndId> &resources, const RecordPatcher *patcher)
{
    for (PlannedOperation &operation : operations) {
        const RelationshipDefinition *definition = definitions.find_relationship(operation.type);
        if (!definition)
            throw TaskCannotContinue("relationship definition '" + operation.type + "' was dropped");
        if (operation.action == Action::Delete)
            remove(operation);
        else if (operation.action == Action::Patch)
            patch(operation, patcher);
        else
            write(operation, *definition, resources);
    }
}

RelationshipWrites RelationshipBatch::writes() const
{
    RelationshipWrites writes;
    for (const auto &[key, row] : rows_) {
        if (!row.touched)
            continue;
        if (row.existed)
            writes.deletes.push_back(&key);
        if (row.exists)
            writes.inserts.push_back(
                RelationshipInsert{&key, &row, row.existed && !row.deleted ? &row.created_at : nullptr});
    }
    return writes;
}

} // namespace pg_bulk
