// libFuzzer target over the batch rules of the core (core/resource_batch_rules.hpp,
// core/relationship_batch_rules.hpp): random stored rows and random operation sequences go through the
// core model — outcomes decided for the whole batch, then its net effect written — and through a naive
// reference model that applies one operation at a time over a map, as DESIGN §2–§4 state the rules. The
// two must agree on every operation's outcome (error type) and on the final rows: content (which
// operation wrote it), endpoints and cardinality, and whether a row is the stored one (kept, so its
// created_at stays) or a new one.
//
// Input bytes (read until they run out; a missing byte reads 0):
//   byte 0: bit 0 picks resources (0) or relationships (1).
//   resources: byte 1: which of the 8 keys (types t, u x ids a..d) are stored (key k at version
//     1 + k % 3); then one byte per operation: action = b % 3, key = (b / 3) % 8, and for an UPSERT or
//     DELETE ifVersion = (b / 24) % 5 (0: none). Versions (of the rows, and those each operation
//     reports) must agree too. Batches whose keys are all distinct and unconditional also go through
//     the independent path (decide_deletes, decide_creates) and must agree too.
//   relationships: byte 1: which of the 6 endpoint resources (providers p0..p2, offices o0..o2) exist;
//     byte 2: how many stored relationships to try (% 8), each from 2 bytes (type, id, from, to, and a
//     stored cardinality that differs from the definition's now and then), kept when the stored rows
//     allow it; then two bytes per operation: action, type and id; from and to. The core only sees the
//     stored rows the worker's probes would return (by id, by pair, by a restricted endpoint), so the
//     target also checks that those probes find every row the rules need.
//
// Build and run: test/fuzz/build.sh, then see test/fuzz/README.md.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "../unit/batch_test_support.hpp"
#include "core/relationship_batch_rules.hpp"
#include "core/resource_batch_rules.hpp"

namespace {

using namespace pg_bulk;
using Card = RelationshipCardinality;

constexpr size_t max_operations = 64;

[[noreturn]] void disagree(const std::string &what)
{
    std::fprintf(stderr, "pg_bulk batch fuzz: %s\n", what.c_str());
    std::abort();
}

class Bytes {
public:
    Bytes(const uint8_t *data, size_t size) : data_(data), size_(size) {}
    bool empty() const { return position_ >= size_; }
    uint8_t next() { return position_ < size_ ? data_[position_++] : 0; }

private:
    const uint8_t *data_;
    size_t size_;
    size_t position_ = 0;
};

const Action actions[] = {Action::Create, Action::Upsert, Action::Delete};

std::optional<ErrorType> outcome(const PlannedOperation &operation)
{
    return operation.error ? std::optional<ErrorType>(operation.error->type) : std::nullopt;
}

void require_same_outcomes(const std::vector<PlannedOperation> &core, const std::vector<std::optional<ErrorType>> &reference,
                           const char *path)
{
    for (size_t i = 0; i < core.size(); ++i)
        if (outcome(core[i]) != reference[i])
            disagree(std::string(path) + ": operation " + std::to_string(i) + " decided " +
                     (core[i].error ? error_type_name(core[i].error->type) : "SUCCESS") + ", the reference " +
                     (reference[i] ? error_type_name(*reference[i]) : "SUCCESS"));
}

// The version each successful operation reports (written, or removed by a DELETE).
void require_same_versions(const std::vector<PlannedOperation> &core, const std::vector<int32_t> &reference,
                           const char *path)
{
    for (size_t i = 0; i < core.size(); ++i)
        if (!core[i].error && core[i].version != reference[i])
            disagree(std::string(path) + ": operation " + std::to_string(i) + " reports version " +
                     std::to_string(core[i].version) + ", the reference " + std::to_string(reference[i]));
}

// ---- resources ----

struct ResourceRow {
    int writer = -1;        // seq of the operation whose content the row holds; -1: as stored
    bool original = false;  // the stored row itself (updated in place), not a new one
    int32_t version = 1;
    bool operator==(const ResourceRow &o) const
    {
        return writer == o.writer && original == o.original && version == o.version;
    }
};
using ResourceTable = std::map<std::string, ResourceRow>;

std::vector<std::optional<ErrorType>> reference_resources(const std::vector<PlannedOperation> &operations,
                                                          ResourceTable &table, std::vector<int32_t> &reported_versions)
{
    std::vector<std::optional<ErrorType>> outcomes;
    for (const PlannedOperation &operation : operations) {
        std::string key = resource_key(operation);
        auto it = table.find(key);
        std::optional<ErrorType> result;
        int32_t version = 0;
        if (operation.if_version && it == table.end()) {
            result = ErrorType::NotFound;
        } else if (operation.if_version && it->second.version != *operation.if_version) {
            result = ErrorType::PreconditionFailed;
        } else if (operation.action == Action::Delete) {
            if (it == table.end()) {
                result = ErrorType::NotFound;
            } else {
                version = it->second.version;
                table.erase(it);
            }
        } else if (operation.action == Action::Create && it != table.end()) {
            result = ErrorType::AlreadyExists;
        } else if (it != table.end()) {
            it->second.writer = operation.seq;
            version = ++it->second.version;
        } else {
            table[key] = ResourceRow{operation.seq, false, version = 1};
        }
        outcomes.push_back(result);
        reported_versions.push_back(version);
    }
    return outcomes;
}

void write_resources(const ResourceWrites &writes, ResourceTable &table)
{
    for (const PlannedOperation *operation : writes.deletes)
        if (!table.erase(resource_key(*operation)))
            disagree("a DELETE of a row that is not stored");
    for (const PlannedOperation *writer : writes.updates) {
        auto it = table.find(resource_key(*writer));
        if (it == table.end())
            disagree("an UPDATE of a row that is not stored");
        it->second.writer = writer->seq;
        it->second.version = writer->version;
    }
    for (const PlannedOperation *writer : writes.inserts)
        if (!table.emplace(resource_key(*writer), ResourceRow{writer->seq, false, writer->version}).second)
            disagree("an INSERT of a row that is stored (primary key violation)");
}

// The worker's path for a batch whose keys are distinct: DELETE ... RETURNING, probed CREATEs, UPSERTs.
void write_independent(std::vector<PlannedOperation> &operations, ResourceTable &table)
{
    ResourceKeys stored, deleted;
    for (const auto &entry : table)
        stored.emplace(entry.first, entry.second.version);
    std::vector<PlannedOperation *> deletes, creates;
    for (PlannedOperation &operation : operations) {
        if (operation.action == Action::Delete) {
            deletes.push_back(&operation);
            auto it = table.find(resource_key(operation));
            if (it != table.end()) {
                deleted.emplace(it->first, it->second.version);
                table.erase(it);
            }
        } else if (operation.action == Action::Create) {
            creates.push_back(&operation);
        }
    }
    decide_deletes(deletes, deleted);
    for (PlannedOperation *fresh : decide_creates(creates, stored))
        table[resource_key(*fresh)] = ResourceRow{fresh->seq, false, fresh->version};
    // The UPSERT statement's RETURNING gives each its version.
    for (PlannedOperation &operation : operations) {
        if (operation.action != Action::Upsert)
            continue;
        auto [it, inserted] = table.emplace(resource_key(operation), ResourceRow{operation.seq, false, 1});
        if (!inserted) {
            it->second.writer = operation.seq;
            ++it->second.version;
        }
        operation.version = it->second.version;
    }
}

void fuzz_resources(Bytes &bytes)
{
    const char *types[] = {"t", "u"}, *ids[] = {"a", "b", "c", "d"};
    ResourceTable stored;
    uint8_t mask = bytes.next();
    for (int k = 0; k < 8; ++k)
        if (mask & (1 << k))
            stored[resource_key(types[k / 4], ids[k % 4])] = ResourceRow{-1, true, 1 + k % 3};
    std::vector<PlannedOperation> operations;
    while (!bytes.empty() && operations.size() < max_operations) {
        uint8_t b = bytes.next();
        int key = (b / 3) % 8;
        operations.push_back(test::resource_operation(static_cast<int32_t>(operations.size()), actions[b % 3],
                                                      types[key / 4], ids[key % 4]));
        if (int if_version = (b / 24) % 5; if_version && operations.back().action != Action::Create)
            operations.back().if_version = if_version;
    }
    ResourceTable expected = stored;
    std::vector<int32_t> reference_versions;
    auto reference = reference_resources(operations, expected, reference_versions);

    ResourceKeys existing;
    for (const auto &entry : stored)
        existing.emplace(entry.first, entry.second.version);
    std::vector<PlannedOperation> decided = operations;
    ResourceTable table = stored;
    write_resources(decide_resource_batch(decided, existing), table);
    require_same_outcomes(decided, reference, "decide_resource_batch");
    require_same_versions(decided, reference_versions, "decide_resource_batch");
    if (table != expected)
        disagree("decide_resource_batch: the rows written differ from the reference's");

    if (keys_are_distinct(operations)) {
        std::vector<PlannedOperation> independent = operations;
        ResourceTable independent_table = stored;
        write_independent(independent, independent_table);
        require_same_outcomes(independent, reference, "independent path");
        require_same_versions(independent, reference_versions, "independent path");
        if (independent_table != expected)
            disagree("independent path: the rows written differ from the reference's");
    }
}

// ---- relationships ----

struct StoredRow {
    Endpoint from, to;
    Card cardinality;
    int writer = -1;
    bool original = false;
    bool operator==(const StoredRow &o) const
    {
        return std::tie(from.type, from.id, to.type, to.id, cardinality, writer, original) ==
               std::tie(o.from.type, o.from.id, o.to.type, o.to.id, o.cardinality, o.writer, o.original);
    }
};
using RelationshipTable = std::map<TypeAndId, StoredRow>;

bool same(const Endpoint &a, const Endpoint &b)
{
    return a.type == b.type && a.id == b.id;
}

// DESIGN §2 read again, independently of the core: 1:1 limits both ends, 1:N the to-resource.
bool one_per_from(Card cardinality)
{
    return cardinality == Card::OneToOne;
}

bool one_per_to(Card cardinality)
{
    return cardinality != Card::ManyToMany;
}

// The rule the candidate breaks against the other rows of its type (DESIGN §2), in the order the
// rules are checked: the pair, then the from-resource, then the to-resource.
std::optional<ErrorType> breaks_a_rule(const RelationshipTable &table, const TypeAndId &key, const Endpoint &from,
                                       const Endpoint &to, Card cardinality)
{
    bool pair = false, from_taken = false, to_taken = false;
    for (const auto &[other, row] : table) {
        if (other.first != key.first || other == key)
            continue;
        pair |= same(row.from, from) && same(row.to, to);
        from_taken |= one_per_from(cardinality) && one_per_from(row.cardinality) && same(row.from, from);
        to_taken |= one_per_to(cardinality) && one_per_to(row.cardinality) && same(row.to, to);
    }
    if (pair || from_taken || to_taken)
        return ErrorType::CardinalityViolation;
    return std::nullopt;
}

std::vector<std::optional<ErrorType>> reference_relationships(const std::vector<PlannedOperation> &operations,
                                                              const RelationshipCatalog &definitions,
                                                              const std::set<TypeAndId> &resources,
                                                              RelationshipTable &table)
{
    std::vector<std::optional<ErrorType>> outcomes;
    for (const PlannedOperation &operation : operations) {
        TypeAndId key{operation.type, operation.id};
        auto current = table.find(key);
        std::optional<ErrorType> result;
        Card cardinality = definitions.find_relationship(operation.type)->cardinality;
        if (operation.action == Action::Delete) {
            if (current == table.end())
                result = ErrorType::NotFound;
            else
                table.erase(current);
        } else if (operation.action == Action::Create && current != table.end()) {
            result = ErrorType::AlreadyExists;
        } else if (!resources.count({operation.from.type, operation.from.id}) ||
                   !resources.count({operation.to.type, operation.to.id})) {
            result = ErrorType::NotFound;
        } else if (!(result = breaks_a_rule(table, key, operation.from, operation.to, cardinality))) {
            bool original = current != table.end() && current->second.original;
            table[key] = StoredRow{operation.from, operation.to, cardinality, operation.seq, original};
        }
        outcomes.push_back(result);
    }
    return outcomes;
}

// What the worker's probes return: stored rows with the id of an operation, the pair of a write, or
// the endpoint a write's definition restricts (among rows stored under a restricting cardinality).
bool probed(const TypeAndId &key, const StoredRow &row, const std::vector<PlannedOperation> &operations,
            const RelationshipCatalog &definitions)
{
    for (const PlannedOperation &operation : operations) {
        if (operation.type != key.first)
            continue;
        if (operation.id == key.second)
            return true;
        if (operation.action == Action::Delete)
            continue;
        Card cardinality = definitions.find_relationship(operation.type)->cardinality;
        if ((same(operation.from, row.from) && same(operation.to, row.to)) ||
            (one_per_from(cardinality) && one_per_from(row.cardinality) && same(operation.from, row.from)) ||
            (one_per_to(cardinality) && one_per_to(row.cardinality) && same(operation.to, row.to)))
            return true;
    }
    return false;
}

void write_relationships(const RelationshipWrites &writes, RelationshipTable &table)
{
    for (const TypeAndId *key : writes.deletes)
        if (!table.erase(*key))
            disagree("a DELETE of a relationship that is not stored");
    for (const RelationshipInsert &insert : writes.inserts) {
        const Relationship &row = *insert.row;
        if (breaks_a_rule(table, *insert.key, row.from, row.to, row.cardinality))
            disagree("an INSERT that breaks a unique index");
        StoredRow stored{row.from, row.to, row.cardinality, row.writer->seq, insert.created_at != nullptr};
        if (!table.emplace(*insert.key, stored).second)
            disagree("an INSERT of a relationship that is stored (primary key violation)");
    }
}

void fuzz_relationships(Bytes &bytes)
{
    test::InMemoryRelationships definitions;
    const char *types[] = {"one", "many", "nn"};
    const Card cards[] = {Card::OneToOne, Card::OneToMany, Card::ManyToMany};
    for (int t = 0; t < 3; ++t)
        definitions.define(types[t], cards[t]);
    const Endpoint endpoints[] = {{"provider", "p0"}, {"provider", "p1"}, {"provider", "p2"},
                                  {"office", "o0"},   {"office", "o1"},   {"office", "o2"}};
    std::set<TypeAndId> resources;
    uint8_t mask = bytes.next();
    for (int e = 0; e < 6; ++e)
        if (mask & (1 << e))
            resources.emplace(endpoints[e].type, endpoints[e].id);

    RelationshipTable stored;
    for (int tries = bytes.next() % 8; tries > 0; --tries) {
        uint8_t a = bytes.next(), b = bytes.next();
        TypeAndId key{types[a % 3], "r" + std::to_string((a / 3) % 5)};
        Card cardinality = (a / 15) % 8 == 0 ? cards[(a / 120) % 3] : cards[a % 3];
        const Endpoint &from = endpoints[b % 3], &to = endpoints[3 + (b / 3) % 3];
        if (!stored.count(key) && !breaks_a_rule(stored, key, from, to, cardinality))
            stored[key] = StoredRow{from, to, cardinality, -1, true};
    }
    std::vector<PlannedOperation> operations;
    while (!bytes.empty() && operations.size() < max_operations) {
        uint8_t a = bytes.next(), b = bytes.next();
        operations.push_back(test::relationship_operation(static_cast<int32_t>(operations.size()), actions[a % 3],
                                                          types[(a / 3) % 3], "r" + std::to_string((a / 9) % 5),
                                                          endpoints[b % 3], endpoints[3 + (b / 3) % 3]));
    }
    RelationshipTable expected = stored;
    auto reference = reference_relationships(operations, definitions, resources, expected);

    RelationshipBatch batch;
    for (const auto &[key, row] : stored)
        if (probed(key, row, operations, definitions))
            batch.add_stored(key, row.from, row.to, row.cardinality, "stored", 1);
    std::vector<PlannedOperation> decided = operations;
    batch.decide(decided, definitions, resources);
    RelationshipTable table = stored;
    write_relationships(batch.writes(), table);
    require_same_outcomes(decided, reference, "RelationshipBatch");
    if (table != expected)
        disagree("RelationshipBatch: the rows written differ from the reference's");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Bytes bytes(data, size);
    if (bytes.next() & 1)
        fuzz_relationships(bytes);
    else
        fuzz_resources(bytes);
    return 0;
}
