// Unit tests for KSUID encoding, decoding, creation and derivation in core/ksuid.
#include "core/ksuid.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace pg_bulk {
namespace {

constexpr uint32_t max_timestamp = std::numeric_limits<uint32_t>::max();
constexpr std::string_view max_text = "aWgEPTl1tmebfsQzFP4bxwgy80V";

// A payload of 0x00, 0x01, ... 0x0f, distinct in every byte.
KsuidPayload counting_payload()
{
    KsuidPayload payload{};
    for (size_t i = 0; i < payload.size(); ++i)
        payload[i] = static_cast<uint8_t>(i);
    return payload;
}

// A payload with every byte set to value.
KsuidPayload filled_payload(uint8_t value)
{
    KsuidPayload payload{};
    payload.fill(value);
    return payload;
}

// Equality of both parts, for readable assertions.
void expect_same(const Ksuid &actual, const Ksuid &expected)
{
    EXPECT_EQ(actual.timestamp, expected.timestamp);
    EXPECT_EQ(actual.payload, expected.payload);
}

TEST(KsuidEncode, ZeroIsAllZeroDigits)
{
    EXPECT_EQ(ksuid_encode(Ksuid{}), std::string(27, '0'));
}

TEST(KsuidEncode, MaximumValue)
{
    EXPECT_EQ(ksuid_encode(Ksuid{max_timestamp, filled_payload(0xff)}), max_text);
}

TEST(KsuidEncode, SmallValuesArePaddedOnTheLeft)
{
    KsuidPayload payload{};
    payload[15] = 61;
    EXPECT_EQ(ksuid_encode(Ksuid{0, payload}), std::string(26, '0') + "z");
    payload[15] = 62;
    EXPECT_EQ(ksuid_encode(Ksuid{0, payload}), std::string(25, '0') + "10");
}

TEST(KsuidEncode, MatchesReferenceImplementation)
{
    // From the segmentio/ksuid README: timestamp 107608047, payload B5A1CD34B5F99D1154FB6853345C9735.
    Ksuid id{107608047, {0xB5, 0xA1, 0xCD, 0x34, 0xB5, 0xF9, 0x9D, 0x11, 0x54, 0xFB, 0x68, 0x53, 0x34, 0x5C, 0x97, 0x35}};
    EXPECT_EQ(ksuid_encode(id), "0ujtsYcgvSTl8PAuAdqWYSMnLOv");
    Ksuid decoded;
    ASSERT_TRUE(ksuid_decode("0ujtsYcgvSTl8PAuAdqWYSMnLOv", decoded));
    expect_same(decoded, id);
}

TEST(KsuidDecode, RoundTrips)
{
    for (const Ksuid &id : {Ksuid{}, Ksuid{max_timestamp, filled_payload(0xff)}, Ksuid{1, counting_payload()},
                            Ksuid{123456789, filled_payload(0x80)}, Ksuid{max_timestamp, KsuidPayload{}},
                            Ksuid{0, filled_payload(0xff)}}) {
        std::string text = ksuid_encode(id);
        EXPECT_EQ(text.size(), ksuid_length);
        Ksuid decoded;
        ASSERT_TRUE(ksuid_decode(text, decoded)) << text;
        expect_same(decoded, id);
    }
}

TEST(KsuidDecode, AcceptsBounds)
{
    Ksuid decoded{7, filled_payload(7)};
    ASSERT_TRUE(ksuid_decode(std::string(27, '0'), decoded));
    expect_same(decoded, Ksuid{});
    ASSERT_TRUE(ksuid_decode(max_text, decoded));
    expect_same(decoded, Ksuid{max_timestamp, filled_payload(0xff)});
}

TEST(KsuidDecode, RejectsWrongLength)
{
    Ksuid decoded;
    EXPECT_FALSE(ksuid_decode("", decoded));
    EXPECT_FALSE(ksuid_decode(std::string(26, '0'), decoded));
    EXPECT_FALSE(ksuid_decode(std::string(28, '0'), decoded));
    EXPECT_FALSE(ksuid_decode(std::string(max_text) + "0", decoded));
}

TEST(KsuidDecode, RejectsCharactersOutsideTheAlphabet)
{
    Ksuid decoded;
    for (char bad : {'-', '_', ' ', '+', '/', '=', '\0', '{', '@', '[', '`', ':'}) {
        std::string text(27, '0');
        text[13] = bad;
        EXPECT_FALSE(ksuid_decode(text, decoded)) << "character code " << int(bad);
    }
    EXPECT_FALSE(ksuid_decode("0ujtsYcgvSTl8PAuAdqWYSMnLO\xC3", decoded));
}

TEST(KsuidDecode, RejectsValuesAbove160Bits)
{
    Ksuid decoded;
    EXPECT_FALSE(ksuid_decode("aWgEPTl1tmebfsQzFP4bxwgy80W", decoded));
    EXPECT_FALSE(ksuid_decode("aWgEPTl1tmebfsQzFP4bxwgy810", decoded));
    EXPECT_FALSE(ksuid_decode("b00000000000000000000000000", decoded));
    EXPECT_FALSE(ksuid_decode(std::string(27, 'z'), decoded));
}

TEST(KsuidEncode, TextOrderFollowsTimestamp)
{
    std::string earlier = ksuid_encode(Ksuid{1000, filled_payload(0xff)});
    std::string later = ksuid_encode(Ksuid{1001, KsuidPayload{}});
    EXPECT_LT(earlier, later);
    EXPECT_LT(ksuid_encode(Ksuid{max_timestamp - 1, filled_payload(0xff)}),
              ksuid_encode(Ksuid{max_timestamp, KsuidPayload{}}));
    EXPECT_LT(ksuid_encode(Ksuid{0, filled_payload(0xff)}), ksuid_encode(Ksuid{1, KsuidPayload{}}));
}

TEST(KsuidMake, CountsSecondsFromTheKsuidEpoch)
{
    Ksuid id = ksuid_make(ksuid_epoch + 5, counting_payload());
    EXPECT_EQ(id.timestamp, 5u);
    EXPECT_EQ(id.payload, counting_payload());
    EXPECT_EQ(ksuid_make(1700000000, KsuidPayload{}).timestamp, 300000000u);
}

TEST(KsuidMake, ClampsTimesOutsideTheRange)
{
    EXPECT_EQ(ksuid_make(ksuid_epoch, KsuidPayload{}).timestamp, 0u);
    EXPECT_EQ(ksuid_make(0, KsuidPayload{}).timestamp, 0u);
    EXPECT_EQ(ksuid_make(std::numeric_limits<int64_t>::min(), KsuidPayload{}).timestamp, 0u);
    EXPECT_EQ(ksuid_make(ksuid_epoch + max_timestamp, KsuidPayload{}).timestamp, max_timestamp);
    EXPECT_EQ(ksuid_make(ksuid_epoch + int64_t{max_timestamp} + 1, KsuidPayload{}).timestamp, max_timestamp);
    EXPECT_EQ(ksuid_make(std::numeric_limits<int64_t>::max(), KsuidPayload{}).timestamp, max_timestamp);
}

TEST(KsuidDerive, KeepsTimestampAndFirstTwelveBytes)
{
    Ksuid parent{424242, counting_payload()};
    Ksuid child = ksuid_derive(parent, 0x01020304);
    EXPECT_EQ(child.timestamp, parent.timestamp);
    for (size_t i = 0; i < 12; ++i)
        EXPECT_EQ(child.payload[i], parent.payload[i]) << "byte " << i;
    EXPECT_EQ(child.payload[12], 0x01);
    EXPECT_EQ(child.payload[13], 0x02);
    EXPECT_EQ(child.payload[14], 0x03);
    EXPECT_EQ(child.payload[15], 0x04);
}

TEST(KsuidDerive, IsDeterministicAndDistinctPerIndex)
{
    Ksuid parent{424242, filled_payload(0xab)};
    expect_same(ksuid_derive(parent, 7), ksuid_derive(parent, 7));
    EXPECT_NE(ksuid_encode(ksuid_derive(parent, 0)), ksuid_encode(ksuid_derive(parent, 1)));
    EXPECT_NE(ksuid_encode(ksuid_derive(parent, 1)), ksuid_encode(ksuid_derive(parent, 256)));
    EXPECT_NE(ksuid_encode(ksuid_derive(parent, 0)), ksuid_encode(parent));
}

TEST(KsuidDerive, SortsInIndexOrder)
{
    Ksuid parent{424242, filled_payload(0xab)};
    for (uint32_t index : {0u, 1u, 255u, 256u, 65535u, 65536u, 0x7fffffffu, max_timestamp - 1}) {
        EXPECT_LT(ksuid_encode(ksuid_derive(parent, index)), ksuid_encode(ksuid_derive(parent, index + 1)))
            << "index " << index;
    }
}

} // namespace
} // namespace pg_bulk
