// Unit tests for the exact ordering of JSON number texts in core/decimal_compare.
#include "core/decimal_compare.hpp"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace pg_bulk::decimal {
namespace {

int sign(int order)
{
    return (order > 0) - (order < 0);
}

// Expects every text of the list to be below the next one, and compare to be antisymmetric on each pair.
void expect_ascending(const std::vector<std::string> &texts)
{
    for (size_t i = 0; i < texts.size(); ++i)
        for (size_t j = i + 1; j < texts.size(); ++j) {
            EXPECT_LT(compare(texts[i], texts[j]), 0) << texts[i] << " < " << texts[j];
            EXPECT_GT(compare(texts[j], texts[i]), 0) << texts[j] << " > " << texts[i];
        }
}

// Expects all texts of the list to be equal to each other.
void expect_equal(const std::vector<std::string> &texts)
{
    for (const std::string &a : texts)
        for (const std::string &b : texts)
            EXPECT_EQ(compare(a, b), 0) << a << " == " << b;
}

std::string shortest_text(double value)
{
    char buffer[32];
    auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
    return std::string(buffer, result.ptr);
}

TEST(DecimalCompare, TheDefectsOfIssue12)
{
    EXPECT_EQ(compare("9007199254740993", "9007199254740993"), 0);
    EXPECT_GT(compare("9007199254740993", "9007199254740992"), 0);
    EXPECT_GT(compare("0.30000000000000000001", "0.3"), 0);
    EXPECT_LT(compare("0.0999999999999999999999999", "0.1"), 0);
}

TEST(DecimalCompare, ZerosAreEqualWhateverTheirSignOrExponent)
{
    expect_equal({"0", "-0", "0.0", "-0.000", "0e0", "0E+5", "-0e-400", "0.0e99999999999999999999999", "0e-0"});
    expect_ascending({"-0.0000000000000000000000001", "-0", "0.0000000000000000000000001"});
}

TEST(DecimalCompare, OneValueWrittenManyWays)
{
    expect_equal({"1000", "1e3", "1E3", "1e+3", "1e0003", "10e2", "100e1", "1000.000", "0.1e4", "0.001e6",
                  "10000e-1", "1000000e-3"});
    expect_equal({"0.25", "2.5E-1", "25e-2", "0.025e1", "250e-3", "0.2500"});
    expect_equal({"-1.5", "-15e-1", "-0.15e1", "-1.50000000000000000000000000"});
    expect_equal({"12345678901234567890123", "1.2345678901234567890123e22", "12345678901234567890123.000"});
}

TEST(DecimalCompare, SignsExponentsAndLongMantissas)
{
    expect_ascending({"-1e400", "-1.0000000000000000000001e308", "-1e308", "-9223372036854775809",
                      "-9223372036854775808", "-2", "-1.5", "-1", "-0.30000000000000000001", "-0.3",
                      "-0.0999999999999999999999999", "-1e-400", "0", "1e-400", "2.5e-1", "0.3",
                      "0.30000000000000000001", "0.3000000000000000000100000001", "1", "1.0000000000000000000000001",
                      "9", "10", "1e3", "1000.0000000000000000001", "9007199254740992", "9007199254740993",
                      "9223372036854775807", "9223372036854775808", "123456789012345678901234567890", "1e308",
                      "1.7976931348623157e308", "1e309", "1e400", "1.0000000000000000000000000000001e400"});
}

TEST(DecimalCompare, ExponentsBeyondInt64CompareExactly)
{
    // Written exponents of 19 digits and more take the decimal-string path; 18 digits and less stay in int64.
    expect_ascending({"-1e1000000000000000000000", "-1e999999999999999999999", "-1e-99999999999999999999999",
                      "1e-99999999999999999999999", "1e-1000000000000000000", "1e-999999999999999999",
                      "1e999999999999999999", "1e1000000000000000000", "2e1000000000000000000",
                      "1e1000000000000000001", "1e999999999999999999999", "1e1000000000000000000000"});
    expect_equal({"10e999999999999999999", "1e1000000000000000000", "100e999999999999999998",
                  "0.1e1000000000000000001", "1e0001000000000000000000"});
    expect_equal({"0.01e-1000000000000000000", "1e-1000000000000000002", "100e-1000000000000000004"});
    expect_equal({"5e99999999999999999999999999", "50e99999999999999999999999998",
                  "0.5e100000000000000000000000000"});
    // The offset carries through many nines and borrows through many zeros.
    expect_equal({"1000e9999999999999999999", "1e10000000000000000002"});
    expect_equal({"0.001e10000000000000000000", "1e9999999999999999997"});
}

TEST(DecimalCompare, AgreesWithInt64Order)
{
    std::mt19937_64 random(12);
    for (int i = 0; i < 20000; ++i) {
        auto a = static_cast<int64_t>(random()) >> (random() % 64);
        auto b = i % 3 == 0 ? a + static_cast<int64_t>(random() % 3) - 1 : static_cast<int64_t>(random()) >> (random() % 64);
        int expected = (a > b) - (a < b);
        std::string a_text = std::to_string(a), b_text = std::to_string(b);
        EXPECT_EQ(sign(compare(a_text, b_text)), expected) << a_text << " vs " << b_text;
        // The same values with a fraction of zeros and an exponent that undoes a shift.
        EXPECT_EQ(sign(compare(a_text + ".000", b_text + "0e-1")), expected) << a_text << " vs " << b_text << "0e-1";
    }
}

TEST(DecimalCompare, AgreesWithDoubleOrderOfShortestTexts)
{
    // Distinct doubles have disjoint rounding intervals, so their shortest texts order as the doubles do.
    std::mt19937_64 random(34);
    std::uniform_real_distribution<double> mantissa(-10, 10);
    std::uniform_int_distribution<int> exponent(-300, 300);
    for (int i = 0; i < 20000; ++i) {
        double a = std::ldexp(mantissa(random), exponent(random));
        double b = i % 4 == 0 ? std::nextafter(a, mantissa(random) > 0 ? HUGE_VAL : -HUGE_VAL)
                              : std::ldexp(mantissa(random), exponent(random));
        int expected = (a > b) - (a < b);
        EXPECT_EQ(sign(compare(shortest_text(a), shortest_text(b))), expected)
            << shortest_text(a) << " vs " << shortest_text(b);
    }
}

} // namespace
} // namespace pg_bulk::decimal
