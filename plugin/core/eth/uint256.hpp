#pragma once
// 256-bit unsigned integers for EVM values, and exact decimal amounts ("1.5" 0G <-> neuron).
// No floating point anywhere money is computed.
#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.hpp"

namespace zg::eth {

class Uint256 {
 public:
  constexpr Uint256() noexcept = default;
  constexpr Uint256(std::uint64_t value) noexcept : limbs_{value, 0, 0, 0} {}  // NOLINT: implicit on purpose

  // From little-endian 64-bit limbs (limbs[0] is the least significant).
  static constexpr Uint256 from_limbs(const std::array<std::uint64_t, 4>& limbs) noexcept {
    Uint256 out;
    out.limbs_ = limbs;
    return out;
  }

  // Big-endian, at most 32 bytes (shorter input is left-padded); longer is a ParseError.
  static Uint256 from_be_bytes(ByteSpan bytes);
  FixedBytes<32> to_be_bytes() const noexcept;
  // Minimal big-endian bytes (empty for zero): what RLP wants.
  Bytes to_minimal_be_bytes() const;

  static Uint256 from_dec(std::string_view text);  // digits only; overflow is a ParseError
  static Uint256 from_hex(std::string_view text);  // optional 0x; "0x" alone is zero (JSON-RPC style)
  static Uint256 parse(std::string_view text);     // hex when 0x-prefixed, else decimal
  std::string to_dec() const;
  std::string to_hex() const;  // JSON-RPC quantity: "0x0", "0x1a", no leading zeros

  bool is_zero() const noexcept { return (limbs_[0] | limbs_[1] | limbs_[2] | limbs_[3]) == 0; }
  bool fits_u64() const noexcept { return (limbs_[1] | limbs_[2] | limbs_[3]) == 0; }
  std::uint64_t low_u64() const noexcept { return limbs_[0]; }
  unsigned bit_length() const noexcept;

  // Checked arithmetic: overflow, underflow and division by zero throw zg::Error.
  friend Uint256 operator+(const Uint256& a, const Uint256& b);
  friend Uint256 operator-(const Uint256& a, const Uint256& b);
  friend Uint256 operator*(const Uint256& a, const Uint256& b);
  friend Uint256 operator/(const Uint256& a, const Uint256& b);
  friend Uint256 operator%(const Uint256& a, const Uint256& b);
  Uint256& operator+=(const Uint256& b) { return *this = *this + b; }
  Uint256& operator-=(const Uint256& b) { return *this = *this - b; }

  friend bool operator==(const Uint256&, const Uint256&) noexcept = default;
  friend std::strong_ordering operator<=>(const Uint256& a, const Uint256& b) noexcept;

  const std::array<std::uint64_t, 4>& limbs() const noexcept { return limbs_; }  // little-endian limbs

 private:
  std::array<std::uint64_t, 4> limbs_{};
};

// "1.5" with 18 decimals -> 1500000000000000000. Rejects signs, exponents, empty parts, more
// fractional digits than `decimals`, and overflow, with a UsageError that says why.
Uint256 parse_amount(std::string_view decimal_text, unsigned decimals = 18);
// 1500000000000000000 -> "1.5"; whole numbers print without a point ("3").
std::string format_amount(const Uint256& value, unsigned decimals = 18);

}  // namespace zg::eth
