// SeenIds: the (type, id) pairs a load has staged, behind its repeated-id warnings.
#include <gtest/gtest.h>

#include <string>

#include "core/seen_ids.hpp"

using pg_bulk::SeenIds;

TEST(SeenIds, SecondSightingOfAPairIsReported)
{
    SeenIds seen;
    EXPECT_TRUE(seen.insert("provider", "p1"));
    EXPECT_TRUE(seen.insert("provider", "p2"));
    EXPECT_TRUE(seen.insert("office", "p1"));  // another type: another pair
    EXPECT_FALSE(seen.insert("provider", "p1"));
    EXPECT_FALSE(seen.insert("office", "p1"));
}

TEST(SeenIds, KeepsEveryPairAcrossGrowth)
{
    SeenIds seen;
    constexpr int count = 100000;  // the set grows from 1024 slots several times
    for (int i = 0; i < count; ++i)
        ASSERT_TRUE(seen.insert("provider", "p" + std::to_string(i))) << i;
    for (int i = 0; i < count; i += 997)
        EXPECT_FALSE(seen.insert("provider", "p" + std::to_string(i))) << i;
    EXPECT_TRUE(seen.insert("provider", "p" + std::to_string(count)));
}
