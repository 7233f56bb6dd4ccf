// KSUID text form: the 20 bytes (timestamp then payload) read as one 160-bit big-endian number, written in
// base 62 with an alphabet in ASCII order, so comparing the texts compares the numbers.
#include "core/ksuid.hpp"

#include <algorithm>
#include <limits>

namespace pg_bulk {
namespace {

// Digits in ASCII order, which is what makes text order match numeric order.
constexpr std::string_view base62_alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

// The 160-bit number as five 32-bit words, most significant first.
using Words = std::array<uint32_t, 5>;

// Reads four bytes as a big-endian 32-bit number.
uint32_t load_big_endian(const uint8_t *bytes)
{
    return uint32_t{bytes[0]} << 24 | uint32_t{bytes[1]} << 16 | uint32_t{bytes[2]} << 8 | uint32_t{bytes[3]};
}

// Writes a 32-bit number as four big-endian bytes.
void store_big_endian(uint32_t value, uint8_t *bytes)
{
    for (int i = 3; i >= 0; --i, value >>= 8)
        bytes[i] = static_cast<uint8_t>(value);
}

// The id as a number: the timestamp is the top word, the payload the four below it.
Words to_words(const Ksuid &id)
{
    Words words{id.timestamp};
    for (size_t i = 0; i < 4; ++i)
        words[i + 1] = load_big_endian(&id.payload[4 * i]);
    return words;
}

// The inverse of to_words.
Ksuid from_words(const Words &words)
{
    Ksuid id;
    id.timestamp = words[0];
    for (size_t i = 0; i < 4; ++i)
        store_big_endian(words[i + 1], &id.payload[4 * i]);
    return id;
}

// Divides the number by 62 in place and returns the remainder (schoolbook long division, one word at a time).
uint32_t divide_by_62(Words &words)
{
    uint64_t remainder = 0;
    for (uint32_t &word : words) {
        uint64_t current = remainder << 32 | word;
        word = static_cast<uint32_t>(current / 62);
        remainder = current % 62;
    }
    return static_cast<uint32_t>(remainder);
}

// Multiplies the number by 62 and adds a digit in place; false when the result no longer fits 160 bits.
bool multiply_by_62_and_add(Words &words, uint32_t digit)
{
    uint64_t carry = digit;
    for (auto word = words.rbegin(); word != words.rend(); ++word) {
        uint64_t current = uint64_t{*word} * 62 + carry;
        *word = static_cast<uint32_t>(current);
        carry = current >> 32;
    }
    return carry == 0;
}

// The value of a base62 character, or -1 for one outside the alphabet.
int base62_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 36;
    return -1;
}

} // namespace

// 62^27 exceeds 2^160, so 27 digits always suffice; the leading ones of small values come out as '0'.
std::string ksuid_encode(const Ksuid &id)
{
    Words words = to_words(id);
    std::string text(ksuid_length, '0');
    for (size_t i = ksuid_length; i-- > 0;)
        text[i] = base62_alphabet[divide_by_62(words)];
    return text;
}

// Once a prefix overflows 160 bits the whole text does, so overflow is caught digit by digit.
bool ksuid_decode(std::string_view text, Ksuid &id)
{
    if (text.size() != ksuid_length)
        return false;
    Words words{};
    for (char c : text) {
        int digit = base62_digit(c);
        if (digit < 0 || !multiply_by_62_and_add(words, static_cast<uint32_t>(digit)))
            return false;
    }
    id = from_words(words);
    return true;
}

// Times before the epoch or past 2150 cannot be represented; they are clamped rather than wrapped, so order holds.
Ksuid ksuid_make(int64_t unix_seconds, const KsuidPayload &random_bytes)
{
    constexpr int64_t latest = std::numeric_limits<uint32_t>::max();
    Ksuid id;
    if (unix_seconds > ksuid_epoch)
        id.timestamp = static_cast<uint32_t>(std::min(unix_seconds - ksuid_epoch, latest));
    id.payload = random_bytes;
    return id;
}

// Replaces the parent's last four payload bytes with the index.
Ksuid ksuid_derive(const Ksuid &parent, uint32_t index)
{
    Ksuid child = parent;
    store_big_endian(index, &child.payload[12]);
    return child;
}

std::optional<std::string> generated_resource_id(std::string_view bulk_id, uint32_t index)
{
    Ksuid parent;
    if (bulk_id.substr(0, bulk_id_prefix.size()) != bulk_id_prefix ||
        !ksuid_decode(bulk_id.substr(bulk_id_prefix.size()), parent))
        return std::nullopt;
    return ksuid_encode(ksuid_derive(parent, index));
}

RequestError invalid_bulk_id(std::string_view bulk_id)
{
    return RequestError(RequestError::Kind::InvalidParameter, "invalid bulk id \"" + std::string(bulk_id) + "\"");
}

} // namespace pg_bulk
