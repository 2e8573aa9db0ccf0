#include "common/hex.hpp"

#include "common/error.hpp"

namespace zg {
namespace {

constexpr char kDigits[] = "0123456789abcdef";

int nibble(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view strip_prefix(std::string_view text) noexcept {
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) text.remove_prefix(2);
  return text;
}

void decode(std::string_view digits, MutableByteSpan out, std::string_view what) {
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = nibble(digits[2 * i]);
    const int lo = nibble(digits[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      throw ParseError(std::string(what) + ": invalid hex character at position " + std::to_string(2 * i + (hi < 0 ? 0 : 1)));
    }
    out[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
}

}  // namespace

std::string to_hex(ByteSpan bytes, bool with_prefix) {
  std::string out;
  out.reserve(bytes.size() * 2 + 2);
  if (with_prefix) out = "0x";
  for (const auto b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

Bytes from_hex(std::string_view text) {
  const auto digits = strip_prefix(text);
  if (digits.size() % 2 != 0) throw ParseError("hex: odd number of digits (" + std::to_string(digits.size()) + ")");
  Bytes out(digits.size() / 2);
  decode(digits, out, "hex");
  return out;
}

void decode_hex_into(std::string_view text, MutableByteSpan out, std::string_view what) {
  const auto digits = strip_prefix(text);
  if (digits.size() != out.size() * 2) {
    throw ParseError(std::string(what) + ": expected " + std::to_string(out.size()) + " bytes of hex, got " +
                     std::to_string(digits.size()) + " hex digits");
  }
  decode(digits, out, what);
}

}  // namespace zg
