// A number is read, without allocating, as sign × 0.DIGITS × 10^SCALE, where DIGITS has no leading or trailing
// zero (empty for zero). Two numbers of one sign then order by SCALE first and DIGITS second. SCALE is the
// written exponent plus a small offset; when a written exponent is too long for int64 (it could be any length)
// the scales are compared as decimal strings instead.
#include "core/decimal_compare.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

namespace pg_bulk::decimal {
namespace {

// Written exponents of at most this many digits are read as int64; their sum with an offset (at most the
// text's length) cannot overflow.
constexpr size_t max_int64_exponent_digits = 18;

bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

// The digits of a number's text in order of significance, split at the decimal point.
struct Significand {
    std::string_view head;  // digits before the point, or the fraction's digits after its leading zeros
    std::string_view tail;  // the fraction's digits when head holds the integer part

    size_t size() const { return head.size() + tail.size(); }
    char operator[](size_t i) const { return i < head.size() ? head[i] : tail[i - head.size()]; }
};

// sign × 0.digits × 10^(offset + written exponent).
struct Decimal {
    bool negative = false;
    Significand digits;
    int64_t offset = 0;
    bool exponent_negative = false;
    std::string_view exponent_digits;  // without leading zeros

    bool is_zero() const { return digits.size() == 0; }
    bool exponent_fits_int64() const { return exponent_digits.size() <= max_int64_exponent_digits; }
};

std::string_view take_digits(std::string_view text, size_t &pos)
{
    size_t start = pos;
    while (pos < text.size() && is_digit(text[pos]))
        ++pos;
    return text.substr(start, pos - start);
}

std::string_view strip_leading_zeros(std::string_view digits)
{
    size_t first = digits.find_first_not_of('0');
    return first == std::string_view::npos ? std::string_view() : digits.substr(first);
}

std::string_view strip_trailing_zeros(std::string_view digits)
{
    size_t last = digits.find_last_not_of('0');
    return last == std::string_view::npos ? std::string_view() : digits.substr(0, last + 1);
}

Decimal read(std::string_view text)
{
    Decimal number;
    size_t pos = 0;
    if (pos < text.size() && text[pos] == '-') {
        number.negative = true;
        ++pos;
    }
    std::string_view integer = strip_leading_zeros(take_digits(text, pos));
    std::string_view fraction;
    if (pos < text.size() && text[pos] == '.')
        fraction = take_digits(text, ++pos);
    if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
        ++pos;
        if (pos < text.size() && (text[pos] == '+' || text[pos] == '-'))
            number.exponent_negative = text[pos++] == '-';
        number.exponent_digits = strip_leading_zeros(take_digits(text, pos));
    }
    fraction = strip_trailing_zeros(fraction);
    if (!integer.empty()) {
        number.offset = static_cast<int64_t>(integer.size());
        number.digits = fraction.empty() ? Significand{strip_trailing_zeros(integer), {}} : Significand{integer, fraction};
    } else {
        std::string_view significant = strip_leading_zeros(fraction);
        number.offset = -static_cast<int64_t>(fraction.size() - significant.size());
        number.digits = Significand{significant, {}};
    }
    return number;
}

int64_t small_exponent(const Decimal &number)
{
    int64_t exponent = 0;
    for (char c : number.exponent_digits)
        exponent = exponent * 10 + (c - '0');
    return number.exponent_negative ? -exponent : exponent;
}

// A signed integer as a sign and decimal digits without leading zeros (zero: no digits, not negative).
struct BigInteger {
    bool negative = false;
    std::string digits;
};

// digits + amount, for amount < 10^18.
std::string add_small(std::string digits, uint64_t amount)
{
    for (size_t i = digits.size(); i-- > 0 && amount != 0;) {
        uint64_t sum = static_cast<uint64_t>(digits[i] - '0') + amount;
        digits[i] = static_cast<char>('0' + sum % 10);
        amount = sum / 10;
    }
    return amount == 0 ? digits : std::to_string(amount) + digits;
}

// digits - amount, for amount < 10^18 <= digits.
std::string subtract_small(std::string digits, uint64_t amount)
{
    for (size_t i = digits.size(); i-- > 0 && amount != 0;) {
        uint64_t digit = static_cast<uint64_t>(digits[i] - '0');
        uint64_t taken = amount % 10;
        amount /= 10;
        if (digit < taken) {
            digit += 10;
            ++amount;
        }
        digits[i] = static_cast<char>('0' + (digit - taken));
    }
    return std::string(strip_leading_zeros(digits));
}

// offset + written exponent exactly. A long written exponent is at least 10^18 in magnitude, more than any offset,
// so the sum keeps its sign and only its magnitude moves.
BigInteger scale(const Decimal &number)
{
    if (number.exponent_fits_int64()) {
        int64_t value = number.offset + small_exponent(number);
        uint64_t magnitude = value < 0 ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
        return {value < 0, value == 0 ? std::string() : std::to_string(magnitude)};
    }
    std::string magnitude(number.exponent_digits);
    uint64_t offset = number.offset < 0 ? 0 - static_cast<uint64_t>(number.offset) : static_cast<uint64_t>(number.offset);
    bool grows = (number.offset < 0) == number.exponent_negative;
    return {number.exponent_negative, grows ? add_small(magnitude, offset) : subtract_small(magnitude, offset)};
}

int sign_of(int64_t difference)
{
    return (difference > 0) - (difference < 0);
}

int compare_big(const BigInteger &a, const BigInteger &b)
{
    if (a.negative != b.negative)
        return a.negative ? -1 : 1;
    int magnitude = a.digits.size() != b.digits.size() ? (a.digits.size() < b.digits.size() ? -1 : 1)
                                                       : a.digits.compare(b.digits);
    magnitude = sign_of(magnitude);
    return a.negative ? -magnitude : magnitude;
}

int compare_scales(const Decimal &a, const Decimal &b)
{
    if (a.exponent_fits_int64() && b.exponent_fits_int64())
        return sign_of((a.offset + small_exponent(a)) - (b.offset + small_exponent(b)));
    return compare_big(scale(a), scale(b));
}

// Magnitudes of two non-zero numbers: the larger scale wins, then the first differing digit; with no trailing
// zeros, of two significands where one starts the other the longer is larger.
int compare_magnitudes(const Decimal &a, const Decimal &b)
{
    if (int by_scale = compare_scales(a, b))
        return by_scale;
    size_t common = std::min(a.digits.size(), b.digits.size());
    for (size_t i = 0; i < common; ++i)
        if (a.digits[i] != b.digits[i])
            return a.digits[i] < b.digits[i] ? -1 : 1;
    return sign_of(static_cast<int64_t>(a.digits.size()) - static_cast<int64_t>(b.digits.size()));
}

} // namespace

int compare(std::string_view a, std::string_view b)
{
    Decimal left = read(a), right = read(b);
    if (left.is_zero() || right.is_zero()) {
        int left_sign = left.is_zero() ? 0 : (left.negative ? -1 : 1);
        int right_sign = right.is_zero() ? 0 : (right.negative ? -1 : 1);
        return sign_of(left_sign - right_sign);
    }
    if (left.negative != right.negative)
        return left.negative ? -1 : 1;
    int magnitude = compare_magnitudes(left, right);
    return left.negative ? -magnitude : magnitude;
}

} // namespace pg_bulk::decimal
