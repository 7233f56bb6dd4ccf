// Decision tables for the relationship batch rules (DESIGN §2 cardinalities, §4): 1:1, 1:N and N:N
// with conflicts inside the batch and against stored rows, missing endpoints, a pair repeated with
// another id, and the rows written.
#include "core/relationship_batch_rules.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "batch_test_support.hpp"

namespace pg_bulk {
namespace {

using test::relationship_operation;
using Card = RelationshipCardinality;

const Endpoint p1{"provider", "p1"}, p2{"provider", "p2"}, p9{"provider", "p9"};
const Endpoint o1{"office", "o1"}, o2{"office", "o2"};

using Outcomes = std::vector<std::string>;
const std::string ok = "ok", cv = "CARDINALITY_VIOLATION", exists = "ALREADY_EXISTS", missing = "NOT_FOUND";

// A batch being built: three definitions, four resources, the operations and stored rows added.
class BatchScenario {
public:
    BatchScenario()
    {
        definitions.define("one", Card::OneToOne);
        definitions.define("many", Card::OneToMany);
        definitions.define("nn", Card::ManyToMany);
    }

    PlannedOperation &add(Action action, const std::string &type, const std::string &id, Endpoint from = {},
                          Endpoint to = {})
    {
        operations.push_back(
            relationship_operation(static_cast<int32_t>(operations.size()), action, type, id, from, to));
        return operations.back();
    }

    void store(const std::string &type, const std::string &id, const Endpoint &from, const Endpoint &to, Card card)
    {
        batch.add_stored(TypeAndId{type, id}, from, to, card, "2020-01-01 00:00:00+00", 1);
    }

    // "ok" or the error type's name, per operation.
    std::vector<std::string> decide()
    {
        batch.decide(operations, definitions, resources);
        std::vector<std::string> outcomes;
        for (const PlannedOperation &operation : operations)
            outcomes.push_back(operation.error ? error_type_name(operation.error->type) : "ok");
        return outcomes;
    }

    std::string message(size_t index) const { return operations.at(index).error.value().message; }

    test::InMemoryRelationships definitions;
    std::set<TypeAndId> resources{{"provider", "p1"}, {"provider", "p2"}, {"office", "o1"}, {"office", "o2"}};
    std::vector<PlannedOperation> operations;
    RelationshipBatch batch;
};

class RelationshipBatchRules : public ::testing::Test, public BatchScenario {};

// CREATEs of one type within a batch, against each other: their outcomes, and the message of the last.
struct CreatesCase {
    const char *type;
    std::vector<std::pair<Endpoint, Endpoint>> links;  // r1, r2, ...
    Outcomes outcomes;
    const char *last_message;  // nullptr: the last succeeds
};

TEST(RelationshipBatchRulesTable, CardinalityWithinTheBatch)
{
    const CreatesCase cases[] = {
        {"one", {{p1, o1}, {p1, o2}}, {ok, cv}, "cardinality 1:1: provider 'p1' already has relationship 'r1' of type 'one'"},
        {"one", {{p1, o1}, {p2, o1}}, {ok, cv}, "cardinality 1:1: office 'o1' already has relationship 'r1' of type 'one'"},
        {"many", {{p1, o1}, {p1, o2}, {p2, o1}}, {ok, ok, cv},
         "cardinality 1:N: office 'o1' already has relationship 'r1' of type 'many'"},
        {"nn", {{p1, o1}, {p2, o1}, {p1, o2}}, {ok, ok, ok}, nullptr},
    };
    for (const CreatesCase &c : cases) {
        BatchScenario rules;
        for (const auto &[from, to] : c.links)
            rules.add(Action::Create, c.type, "r" + std::to_string(rules.operations.size() + 1), from, to);
        EXPECT_EQ(rules.decide(), c.outcomes) << c.type;
        if (c.last_message)
            EXPECT_EQ(rules.message(c.links.size() - 1), c.last_message);
    }
}

TEST_F(RelationshipBatchRules, PairRepeatedWithAnotherIdUnderEveryCardinality)
{
    for (const char *type : {"one", "many", "nn"}) {
        add(Action::Create, type, std::string(type) + "-a", p1, o1);
        add(Action::Create, type, std::string(type) + "-b", p1, o1);
    }
    EXPECT_EQ(decide(), (Outcomes{ok, cv, ok, cv, ok, cv}));
    EXPECT_EQ(message(5), "relationship 'nn-a' of type 'nn' already links provider 'p1' to office 'o1'");
}

TEST_F(RelationshipBatchRules, PairRepeatedWithTheSameIdIsAlreadyExists)
{
    add(Action::Create, "nn", "r1", p1, o1);
    add(Action::Create, "nn", "r1", p1, o1);
    EXPECT_EQ(decide(), (Outcomes{ok, exists}));
    EXPECT_EQ(message(1), "record with id 'r1' already exists");
}

TEST_F(RelationshipBatchRules, MissingEndpointsFromFirst)
{
    add(Action::Create, "nn", "r1", p9, Endpoint{"office", "o9"});
    add(Action::Upsert, "nn", "r2", p1, Endpoint{"office", "o9"});
    EXPECT_EQ(decide(), (Outcomes{missing, missing}));
    EXPECT_EQ(message(0), "from resource provider 'p9' not found");
    EXPECT_EQ(message(1), "to resource office 'o9' not found");
}

TEST_F(RelationshipBatchRules, AlreadyExistsBeforeMissingEndpoint)
{
    store("nn", "r1", p1, o1, Card::ManyToMany);
    add(Action::Create, "nn", "r1", p9, o1);
    EXPECT_EQ(decide(), (Outcomes{exists}));
}

TEST_F(RelationshipBatchRules, ConflictsWithStoredRows)
{
    store("one", "s1", p1, o1, Card::OneToOne);
    store("many", "s2", p1, o1, Card::OneToMany);
    add(Action::Create, "one", "r1", p1, o2);
    add(Action::Create, "many", "r2", p2, o1);
    add(Action::Create, "many", "r3", p2, o2);
    EXPECT_EQ(decide(), (Outcomes{cv, cv, ok}));
    RelationshipWrites writes = batch.writes();
    EXPECT_TRUE(writes.deletes.empty());
    ASSERT_EQ(writes.inserts.size(), 1u);
    EXPECT_EQ(writes.inserts[0].key->second, "r3");
    EXPECT_EQ(writes.inserts[0].created_at, nullptr);
}

// A DELETE frees the endpoint for a later CREATE of another id; an id deleted and created again is
// a new row (deleted, then inserted with a new created_at).
TEST_F(RelationshipBatchRules, DeleteThenCreate)
{
    store("one", "s1", p1, o1, Card::OneToOne);
    store("nn", "s2", p1, o1, Card::ManyToMany);
    add(Action::Delete, "one", "s1");
    add(Action::Create, "one", "r1", p1, o1);
    add(Action::Delete, "nn", "s2");
    add(Action::Create, "nn", "s2", p1, o1);
    EXPECT_EQ(decide(), (Outcomes{ok, ok, ok, ok}));
    RelationshipWrites writes = batch.writes();
    ASSERT_EQ(writes.deletes.size(), 2u);
    EXPECT_EQ(writes.deletes[0]->second, "s2");  // in key order: nn before one
    EXPECT_EQ(writes.deletes[1]->second, "s1");
    ASSERT_EQ(writes.inserts.size(), 2u);
    EXPECT_EQ(writes.inserts[0].key->second, "s2");
    EXPECT_EQ(writes.inserts[0].created_at, nullptr);
    EXPECT_EQ(writes.inserts[1].key->second, "r1");
    EXPECT_EQ(writes.inserts[1].created_at, nullptr);
}

TEST_F(RelationshipBatchRules, UpsertOfAStoredRowKeepsItsCreationTimeAndMayKeepItsPair)
{
    store("one", "s1", p1, o1, Card::OneToOne);
    add(Action::Upsert, "one", "s1", p1, o1);
    add(Action::Upsert, "one", "s1", p1, o2);
    EXPECT_EQ(decide(), (Outcomes{ok, ok}));
    RelationshipWrites writes = batch.writes();
    ASSERT_EQ(writes.deletes.size(), 1u);
    ASSERT_EQ(writes.inserts.size(), 1u);
    ASSERT_NE(writes.inserts[0].created_at, nullptr);
    EXPECT_EQ(*writes.inserts[0].created_at, "2020-01-01 00:00:00+00");
    EXPECT_EQ(writes.inserts[0].row->to.id, "o2");
    EXPECT_EQ(writes.inserts[0].row->writer, &operations[1]);
}

TEST_F(RelationshipBatchRules, FailedUpsertKeepsTheRowItWouldHaveReplaced)
{
    add(Action::Create, "one", "r1", p1, o1);
    add(Action::Create, "one", "r2", p2, o2);
    add(Action::Upsert, "one", "r1", p2, o1);  // p2 already has r2
    add(Action::Create, "one", "r3", p1, o2);  // r1 still holds p1 (and r2 o2)
    EXPECT_EQ(decide(), (Outcomes{ok, ok, cv, cv}));
    EXPECT_EQ(message(3), "cardinality 1:1: provider 'p1' already has relationship 'r1' of type 'one'");
}

TEST_F(RelationshipBatchRules, StoredCardinalityRulesTheStoredRow)
{
    // A row stored under N:N (the definition changed since) restricts nothing but its pair.
    store("one", "s1", p1, o1, Card::ManyToMany);
    add(Action::Create, "one", "r1", p1, o2);
    add(Action::Create, "one", "r2", p1, o1);
    EXPECT_EQ(decide(), (Outcomes{ok, cv}));
}

TEST_F(RelationshipBatchRules, DeleteOfAMissingRelationship)
{
    add(Action::Delete, "nn", "r1");
    add(Action::Create, "nn", "r1", p1, o1);
    add(Action::Delete, "nn", "r1");
    add(Action::Delete, "nn", "r1");
    EXPECT_EQ(decide(), (Outcomes{missing, ok, ok, missing}));
    EXPECT_EQ(message(0), "record with id 'r1' not found");
    RelationshipWrites writes = batch.writes();
    EXPECT_TRUE(writes.deletes.empty());
    EXPECT_TRUE(writes.inserts.empty());
}

TEST_F(RelationshipBatchRules, DroppedDefinitionStopsTheTask)
{
    add(Action::Create, "gone", "r1", p1, o1);
    EXPECT_THROW(decide(), TaskCannotContinue);
}

TEST(RelationshipCardinality, RestrictedSidesAndNames)
{
    EXPECT_TRUE(restricts_from(Card::OneToOne));
    EXPECT_FALSE(restricts_from(Card::OneToMany));
    EXPECT_FALSE(restricts_from(Card::ManyToMany));
    EXPECT_TRUE(restricts_to(Card::OneToOne));
    EXPECT_TRUE(restricts_to(Card::OneToMany));
    EXPECT_FALSE(restricts_to(Card::ManyToMany));
    for (Card card : {Card::OneToOne, Card::OneToMany, Card::ManyToMany})
        EXPECT_EQ(relationship_cardinality_from_name(relationship_cardinality_name(card)), card);
    EXPECT_FALSE(relationship_cardinality_from_name("1:*"));
}

} // namespace
} // namespace pg_bulk
