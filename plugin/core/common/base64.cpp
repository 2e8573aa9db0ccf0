#include "common/base64.hpp"

#include <array>

#include "common/error.hpp"

namespace zg {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::int8_t kInvalid = -1;

constexpr std::array<std::int8_t, 256> make_decode_table() {
  std::array<std::int8_t, 256> table{};
  for (auto& entry : table) entry = kInvalid;
  for (int i = 0; i < 64; ++i) table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
  return table;
}
constexpr auto kDecode = make_decode_table();

std::uint32_t sextet(std::string_view text, std::size_t position) {
  const auto value = kDecode[static_cast<unsigned char>(text[position])];
  if (value == kInvalid) {
    throw ParseError("base64: invalid character at position " + std::to_string(position));
  }
  return static_cast<std::uint32_t>(value);
}

std::size_t count_padding(std::string_view text) {
  std::size_t padding = 0;
  while (padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  if (padding > 2) throw ParseError("base64: more than two '=' padding characters");
  return padding;
}

}  // namespace

std::string base64_encode(ByteSpan bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t group = (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(kAlphabet[(group >> shift) & 0x3f]);
  }
  const auto rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t group = std::uint32_t{bytes[i]} << 16;
    if (rest == 2) group |= std::uint32_t{bytes[i + 1]} << 8;
    out.push_back(kAlphabet[(group >> 18) & 0x3f]);
    out.push_back(kAlphabet[(group >> 12) & 0x3f]);
    out.push_back(rest == 2 ? kAlphabet[(group >> 6) & 0x3f] : '=');
    out.push_back('=');
  }
  return out;
}

Bytes base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) {
    throw ParseError("base64: length " + std::to_string(text.size()) + " is not a multiple of 4");
  }
  const auto padding = count_padding(text);
  const auto data_chars = text.size() - padding;  // '=' inside the data is caught as an invalid character
  Bytes out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t bits = 0;
  int bit_count = 0;
  for (std::size_t i = 0; i < data_chars; ++i) {
    bits = (bits << 6) | sextet(text, i);
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      out.push_back(static_cast<std::uint8_t>(bits >> bit_count));
      bits &= (1u << bit_count) - 1;
    }
  }
  // Leftover bits are the unused low bits of the last character: 2 or 4 of them, which must be zero.
  if (bits != 0) throw ParseError("base64: non-zero unused bits in the last character (non-canonical encoding)");
  return out;
}

}  // namespace zg
