#include "eth/uint256.hpp"

#include <algorithm>

#include "common/error.hpp"

namespace zg::eth {
namespace {

__extension__ using u128 = unsigned __int128;

constexpr std::uint64_t kTenToThe19 = 10'000'000'000'000'000'000ULL;  // the largest power of ten in a limb

// 10^decimals; 10^77 is the largest power of ten that fits 256 bits.
constexpr unsigned kMaxDecimals = 77;

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool has_hex_prefix(std::string_view text) noexcept {
  return text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
}

// Divides in place by a single limb and returns the remainder: the fast path of to_dec.
std::uint64_t divide_by_limb(std::array<std::uint64_t, 4>& limbs, std::uint64_t divisor) noexcept {
  u128 remainder = 0;
  for (int i = 3; i >= 0; --i) {
    const u128 current = (remainder << 64) | limbs[static_cast<std::size_t>(i)];
    limbs[static_cast<std::size_t>(i)] = static_cast<std::uint64_t>(current / divisor);
    remainder = current % divisor;
  }
  return static_cast<std::uint64_t>(remainder);
}

bool bit_at(const Uint256& value, unsigned bit) noexcept {
  return ((value.limbs()[bit / 64] >> (bit % 64)) & 1U) != 0;
}

struct DivMod {
  Uint256 quotient;
  Uint256 remainder;
};

using Limbs = std::array<std::uint64_t, 4>;

// Wrapping limb subtraction; the caller knows the true result is in range.
void subtract_in_place(Limbs& lhs, const Limbs& rhs) noexcept {
  std::uint64_t borrow = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    const u128 subtrahend = static_cast<u128>(rhs[i]) + borrow;
    borrow = lhs[i] < subtrahend ? 1 : 0;
    lhs[i] = static_cast<std::uint64_t>(lhs[i] - subtrahend);
  }
}

// Shift-and-subtract long division: at most 256 steps, simple and exact. Division is rare.
DivMod divide(const Uint256& dividend, const Uint256& divisor) {
  if (divisor.is_zero()) throw Error("uint256: division by zero");
  if (dividend < divisor) return {Uint256{}, dividend};
  Limbs quotient{};
  Limbs remainder{};
  for (unsigned bit = dividend.bit_length(); bit-- > 0;) {
    // remainder < divisor before the shift, so 2 * remainder + 1 < 2^257: at most one bit carries out,
    // and when it does the true value exceeds the divisor and the wrapping subtraction is exact.
    const bool carried = (remainder[3] >> 63) != 0;
    for (std::size_t i = 3; i > 0; --i) remainder[i] = (remainder[i] << 1) | (remainder[i - 1] >> 63);
    remainder[0] = (remainder[0] << 1) | (bit_at(dividend, bit) ? 1U : 0U);
    if (carried || Uint256::from_limbs(remainder) >= divisor) {
      subtract_in_place(remainder, divisor.limbs());
      quotient[bit / 64] |= std::uint64_t{1} << (bit % 64);
    }
  }
  return {Uint256::from_limbs(quotient), Uint256::from_limbs(remainder)};
}

Uint256 power_of_ten(unsigned exponent) {
  Uint256 result(1);
  for (unsigned i = 0; i < exponent; ++i) result = result * Uint256(10);
  return result;
}

}  // namespace

Uint256 Uint256::from_be_bytes(ByteSpan bytes) {
  if (bytes.size() > 32) {
    throw ParseError("uint256: " + std::to_string(bytes.size()) + " bytes do not fit 256 bits");
  }
  Uint256 out;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const std::size_t from_end = bytes.size() - 1 - i;  // byte significance
    out.limbs_[from_end / 8] |= std::uint64_t{bytes[i]} << (8 * (from_end % 8));
  }
  return out;
}

FixedBytes<32> Uint256::to_be_bytes() const noexcept {
  FixedBytes<32> out{};
  for (std::size_t i = 0; i < 32; ++i) out[31 - i] = static_cast<std::uint8_t>(limbs_[i / 8] >> (8 * (i % 8)));
  return out;
}

Bytes Uint256::to_minimal_be_bytes() const {
  const auto full = to_be_bytes();
  const auto first = std::find_if(full.begin(), full.end(), [](std::uint8_t b) { return b != 0; });
  return Bytes(first, full.end());
}

Uint256 Uint256::from_dec(std::string_view text) {
  if (text.empty()) throw ParseError("uint256: empty decimal number");
  Uint256 out;
  for (const char c : text) {
    if (c < '0' || c > '9') throw ParseError("uint256: '" + std::string(1, c) + "' is not a decimal digit");
    u128 carry = static_cast<unsigned>(c - '0');
    for (auto& limb : out.limbs_) {
      const u128 product = static_cast<u128>(limb) * 10 + carry;
      limb = static_cast<std::uint64_t>(product);
      carry = product >> 64;
    }
    if (carry != 0) throw ParseError("uint256: decimal number " + std::string(text) + " does not fit 256 bits");
  }
  return out;
}

Uint256 Uint256::from_hex(std::string_view text) {
  const bool prefixed = has_hex_prefix(text);
  if (prefixed) text.remove_prefix(2);
  if (text.empty() && !prefixed) throw ParseError("uint256: empty hex number");
  while (text.size() > 1 && text.front() == '0') text.remove_prefix(1);  // leading zeros never overflow
  if (text.size() > 64) throw ParseError("uint256: hex number with " + std::to_string(text.size()) + " digits does not fit 256 bits");
  Uint256 out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const int digit = hex_digit(text[i]);
    if (digit < 0) throw ParseError("uint256: '" + std::string(1, text[i]) + "' is not a hex digit");
    const std::size_t nibble_index = text.size() - 1 - i;
    out.limbs_[nibble_index / 16] |= static_cast<std::uint64_t>(digit) << (4 * (nibble_index % 16));
  }
  return out;
}

Uint256 Uint256::parse(std::string_view text) { return has_hex_prefix(text) ? from_hex(text) : from_dec(text); }

std::string Uint256::to_dec() const {
  if (is_zero()) return "0";
  auto limbs = limbs_;
  std::string reversed;
  while ((limbs[0] | limbs[1] | limbs[2] | limbs[3]) != 0) {
    std::uint64_t chunk = divide_by_limb(limbs, kTenToThe19);
    const bool last = (limbs[0] | limbs[1] | limbs[2] | limbs[3]) == 0;
    for (int i = 0; i < 19 && (!last || chunk != 0); ++i) {
      reversed.push_back(static_cast<char>('0' + chunk % 10));
      chunk /= 10;
    }
  }
  return {reversed.rbegin(), reversed.rend()};
}

std::string Uint256::to_hex() const {
  constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "0x";
  bool started = false;
  for (int nibble = 63; nibble >= 0; --nibble) {
    const auto index = static_cast<std::size_t>(nibble);
    const auto digit = (limbs_[index / 16] >> (4 * (index % 16))) & 0xF;
    started = started || digit != 0;
    if (started) out.push_back(kDigits[digit]);
  }
  if (!started) out.push_back('0');
  return out;
}

unsigned Uint256::bit_length() const noexcept {
  for (int i = 3; i >= 0; --i) {
    const auto limb = limbs_[static_cast<std::size_t>(i)];
    if (limb != 0) return static_cast<unsigned>(i) * 64 + 64 - static_cast<unsigned>(__builtin_clzll(limb));
  }
  return 0;
}

Uint256 operator+(const Uint256& a, const Uint256& b) {
  Uint256 out;
  u128 carry = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    const u128 sum = static_cast<u128>(a.limbs_[i]) + b.limbs_[i] + carry;
    out.limbs_[i] = static_cast<std::uint64_t>(sum);
    carry = sum >> 64;
  }
  if (carry != 0) throw Error("uint256: addition overflows 256 bits");
  return out;
}

Uint256 operator-(const Uint256& a, const Uint256& b) {
  if (a < b) throw Error("uint256: subtraction underflows (" + a.to_dec() + " - " + b.to_dec() + ")");
  Uint256 out;
  std::uint64_t borrow = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    const u128 rhs = static_cast<u128>(b.limbs_[i]) + borrow;
    out.limbs_[i] = static_cast<std::uint64_t>(a.limbs_[i] - rhs);
    borrow = a.limbs_[i] < rhs ? 1 : 0;
  }
  return out;
}

Uint256 operator*(const Uint256& a, const Uint256& b) {
  // Schoolbook over limbs; any partial product that lands at or above limb 4 is an overflow.
  std::array<std::uint64_t, 8> wide{};
  for (std::size_t i = 0; i < 4; ++i) {
    u128 carry = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      const u128 product = static_cast<u128>(a.limbs_[i]) * b.limbs_[j] + wide[i + j] + carry;
      wide[i + j] = static_cast<std::uint64_t>(product);
      carry = product >> 64;
    }
    wide[i + 4] = static_cast<std::uint64_t>(carry);
  }
  if ((wide[4] | wide[5] | wide[6] | wide[7]) != 0) throw Error("uint256: multiplication overflows 256 bits");
  Uint256 out;
  std::copy(wide.begin(), wide.begin() + 4, out.limbs_.begin());
  return out;
}

Uint256 operator/(const Uint256& a, const Uint256& b) { return divide(a, b).quotient; }
Uint256 operator%(const Uint256& a, const Uint256& b) { return divide(a, b).remainder; }

std::strong_ordering operator<=>(const Uint256& a, const Uint256& b) noexcept {
  for (int i = 3; i >= 0; --i) {
    const auto index = static_cast<std::size_t>(i);
    if (a.limbs_[index] != b.limbs_[index]) return a.limbs_[index] <=> b.limbs_[index];
  }
  return std::strong_ordering::equal;
}

// ---- decimal amounts ----

namespace {

// Messages are built with append: GCC 12 at -O3 reports a false -Wrestrict for "literal" + std::string.
[[noreturn]] void reject_amount(std::string_view text, std::string_view why) {
  std::string message = "amount \"";
  message.append(text).append("\": ").append(why);
  throw UsageError(message);
}

void check_amount_characters(std::string_view text) {
  for (const char c : text) {
    if (c == '-') reject_amount(text, "negative amounts are not allowed");
    if (c == '+') reject_amount(text, "write the amount without a sign");
    if (c == 'e' || c == 'E') reject_amount(text, "exponents are not supported; write all digits (e.g. 1000000)");
    if (c == ',' || c == '_' || c == ' ') reject_amount(text, "write the amount without separators or spaces");
    if ((c < '0' || c > '9') && c != '.') {
      std::string why = "'";
      why.push_back(c);
      reject_amount(text, why.append("' is not a digit"));
    }
  }
}

}  // namespace

Uint256 parse_amount(std::string_view decimal_text, unsigned decimals) {
  if (decimals > kMaxDecimals) throw UsageError("amount: " + std::to_string(decimals) + " decimals are more than 256 bits can hold");
  if (decimal_text.empty()) reject_amount(decimal_text, "empty amount");
  check_amount_characters(decimal_text);
  const auto point = decimal_text.find('.');
  const auto whole = decimal_text.substr(0, point);
  const auto fraction = point == std::string_view::npos ? std::string_view{} : decimal_text.substr(point + 1);
  if (point != std::string_view::npos) {
    if (fraction.find('.') != std::string_view::npos) reject_amount(decimal_text, "more than one decimal point");
    if (whole.empty()) reject_amount(decimal_text, "put a digit before the decimal point (e.g. 0.5)");
    if (fraction.empty()) reject_amount(decimal_text, "put a digit after the decimal point, or leave the point out");
  }
  if (fraction.size() > decimals) {
    reject_amount(decimal_text, "more than " + std::to_string(decimals) + " decimal places (the smallest unit is 0." +
                                    std::string(decimals == 0 ? 0 : decimals - 1, '0') + "1)");
  }
  try {
    const Uint256 scale = power_of_ten(decimals);
    const Uint256 whole_units = Uint256::from_dec(whole) * scale;
    const Uint256 fraction_units =
        fraction.empty() ? Uint256{} : Uint256::from_dec(fraction) * power_of_ten(decimals - static_cast<unsigned>(fraction.size()));
    return whole_units + fraction_units;
  } catch (const UsageError&) {
    throw;
  } catch (const Error&) {
    reject_amount(decimal_text, "too large (more than 2^256 - 1 of the smallest unit)");
  }
}

std::string format_amount(const Uint256& value, unsigned decimals) {
  if (decimals > kMaxDecimals) throw UsageError("amount: " + std::to_string(decimals) + " decimals are more than 256 bits can hold");
  const Uint256 scale = power_of_ten(decimals);
  const auto parts = divide(value, scale);
  std::string text = parts.quotient.to_dec();
  if (parts.remainder.is_zero()) return text;
  std::string fraction = parts.remainder.to_dec();
  fraction.insert(0, decimals - fraction.size(), '0');
  while (fraction.back() == '0') fraction.pop_back();
  return text + "." + fraction;
}

}  // namespace zg::eth
