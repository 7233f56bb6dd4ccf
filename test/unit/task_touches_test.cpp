// Unit tests for core/task_touches: which tasks conflict (DESIGN §1, §6), and the stored encoding.
#include "core/task_touches.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace pg_bulk {
namespace {

using EndpointRef = std::optional<std::pair<std::string_view, std::string_view>>;

TaskTouches resources(std::initializer_list<std::pair<Action, const char *>> operations, const char *type = "p")
{
    TouchCollector collector;
    for (const auto &[action, id] : operations)
        collector.add_resource_operation(action, type, id);
    return collector.finish();
}

TaskTouches relationship(Action action, const char *type, const char *id, EndpointRef from = std::nullopt,
                         EndpointRef to = std::nullopt)
{
    TouchCollector collector;
    collector.add_relationship_operation(action, type, id, from, to);
    return collector.finish();
}

TEST(TaskTouches, ResourcesConflictOnTheSameTypeAndIdOnly)
{
    TaskTouches a = resources({{Action::Upsert, "x"}, {Action::Create, "y"}});
    EXPECT_TRUE(conflicts(a, resources({{Action::Upsert, "y"}})));
    EXPECT_FALSE(conflicts(a, resources({{Action::Upsert, "z"}})));
    EXPECT_FALSE(conflicts(a, resources({{Action::Upsert, "x"}}, "q")));  // another profile
    EXPECT_FALSE(conflicts(resources({{Action::Upsert, "ab"}}), resources({{Action::Upsert, "a"}}, "b")));
}

TEST(TaskTouches, RepeatedKeysAreKeptOnce)
{
    TaskTouches a = resources({{Action::Upsert, "x"}, {Action::Delete, "x"}, {Action::Create, "x"}});
    EXPECT_EQ(a.keys.size(), 1u);
    EXPECT_EQ(a.kinds.size(), 1u);  // it deletes resources
}

TEST(TaskTouches, AProfileAndARelationshipTypeOfOneNameDiffer)
{
    EXPECT_FALSE(conflicts(resources({{Action::Upsert, "r1"}}, "works_at"),
                           relationship(Action::Create, "works_at", "r1", {{"p", "a"}}, {{"o", "b"}})));
}

TEST(TaskTouches, ARelationshipCreateTouchesItsEndpoints)
{
    TaskTouches create = relationship(Action::Create, "works_at", "r1", {{"p", "a"}}, {{"o", "b"}});
    EXPECT_TRUE(conflicts(create, resources({{Action::Delete, "a"}})));
    EXPECT_TRUE(conflicts(create, resources({{Action::Upsert, "b"}}, "o")));
    EXPECT_FALSE(conflicts(create, resources({{Action::Upsert, "c"}})));
    // A DELETE of any resource may cascade to the relationship that holds the place the cardinality
    // leaves at an endpoint.
    EXPECT_TRUE(conflicts(create, resources({{Action::Delete, "c"}})));
    // Two creates of one type meet only through what they name.
    EXPECT_FALSE(conflicts(create, relationship(Action::Create, "works_at", "r2", {{"p", "c"}}, {{"o", "d"}})));
    EXPECT_TRUE(conflicts(create, relationship(Action::Create, "works_at", "r2", {{"p", "a"}}, {{"o", "d"}})));
    EXPECT_TRUE(conflicts(create, relationship(Action::Create, "works_at", "r1", {{"p", "c"}}, {{"o", "d"}})));
}

TEST(TaskTouches, ARelationshipDeleteMeetsItsTypeAndEveryResourceDelete)
{
    // Its endpoints are those stored when it is applied: unknown at submit.
    TaskTouches drop = relationship(Action::Delete, "works_at", "r1");
    EXPECT_TRUE(conflicts(drop, relationship(Action::Create, "works_at", "r9", {{"p", "c"}}, {{"o", "d"}})));
    EXPECT_TRUE(conflicts(drop, relationship(Action::Delete, "works_at", "r9")));
    EXPECT_TRUE(conflicts(drop, resources({{Action::Delete, "anything"}}, "q")));
    EXPECT_FALSE(conflicts(drop, resources({{Action::Upsert, "anything"}})));
    EXPECT_FALSE(conflicts(drop, relationship(Action::Create, "manages", "r9", {{"p", "c"}}, {{"o", "d"}})));
    EXPECT_FALSE(conflicts(drop, relationship(Action::Delete, "manages", "r9")));
}

TEST(TaskTouches, ARelationshipUpsertMayMoveItsEndpoints)
{
    TaskTouches upsert = relationship(Action::Upsert, "works_at", "r1", {{"p", "z"}}, {{"o", "w"}});
    EXPECT_TRUE(conflicts(upsert, relationship(Action::Create, "works_at", "r2", {{"p", "x"}}, {{"o", "v"}})));
    EXPECT_TRUE(conflicts(upsert, resources({{Action::Delete, "x"}})));
    EXPECT_TRUE(conflicts(upsert, resources({{Action::Create, "z"}})));
    EXPECT_FALSE(conflicts(upsert, resources({{Action::Create, "x"}})));
}

TEST(TaskTouches, UnknownTouchesMeetEverything)
{
    TaskTouches unknown;
    unknown.everything = true;
    EXPECT_TRUE(conflicts(unknown, resources({{Action::Upsert, "x"}})));
    EXPECT_TRUE(conflicts(resources({}), unknown));
}

TEST(TaskTouches, EncodingRoundTrips)
{
    TouchCollector collector;
    collector.add_resource_operation(Action::Delete, "p", "x");
    collector.add_relationship_operation(Action::Upsert, "works_at", "r", {{"p", "x"}}, {{"o", "y"}});
    TaskTouches touches = collector.finish();
    std::string bytes = encode_touches(touches);
    EXPECT_EQ(bytes.size(), 12 + 8 * (touches.keys.size() + touches.kinds.size() + touches.wild.size()));
    TaskTouches back = decode_touches(bytes);
    EXPECT_EQ(back.keys, touches.keys);
    EXPECT_EQ(back.kinds, touches.kinds);
    EXPECT_EQ(back.wild, touches.wild);
    EXPECT_FALSE(back.everything);
}

TEST(TaskTouches, DecodingRefusesBytesThatAreNotASummary)
{
    EXPECT_THROW(decode_touches("short"), std::invalid_argument);
    std::string bytes = encode_touches(resources({{Action::Upsert, "x"}, {Action::Upsert, "y"}}));
    EXPECT_THROW(decode_touches(bytes.substr(0, bytes.size() - 1)), std::invalid_argument);
    std::string swapped = bytes.substr(0, 12) + bytes.substr(20, 8) + bytes.substr(12, 8);
    EXPECT_THROW(decode_touches(swapped), std::invalid_argument);
}

} // namespace
} // namespace pg_bulk
