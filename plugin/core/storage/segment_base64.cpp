#include "storage/segment_base64.hpp"

#include <array>
#include <cstdint>

#include "common/base64.hpp"
#include "common/error.hpp"

namespace zg::storage {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
// Any table entry with this bit marks a character outside the alphabet ('=' included): OR-ing the four
// entries of a group keeps it, so one compare per group finds every bad character.
constexpr std::uint32_t kBad = 1u << 24;

// kDecode[k][c]: the sextet of character c at position k of a group, already shifted into its place
// in the group's 24 bits.
constexpr std::array<std::array<std::uint32_t, 256>, 4> make_decode_tables() {
  std::array<std::array<std::uint32_t, 256>, 4> tables{};
  for (auto& table : tables) {
    for (auto& entry : table) entry = kBad;
  }
  for (std::uint32_t i = 0; i < 64; ++i) {
    const auto c = static_cast<unsigned char>(kAlphabet[i]);
    for (std::uint32_t k = 0; k < 4; ++k) tables[k][c] = i << (18 - 6 * k);
  }
  return tables;
}
constexpr auto kDecode = make_decode_tables();

// kPair[v]: the two characters of the 12-bit value v.
constexpr std::array<std::array<char, 2>, 4096> make_pair_table() {
  std::array<std::array<char, 2>, 4096> table{};
  for (std::size_t v = 0; v < table.size(); ++v) table[v] = {kAlphabet[v >> 6], kAlphabet[v & 0x3f]};
  return table;
}
constexpr auto kPair = make_pair_table();

std::uint32_t group_bits(const unsigned char* group) noexcept {
  return kDecode[0][group[0]] | kDecode[1][group[1]] | kDecode[2][group[2]] | kDecode[3][group[3]];
}

// The reference codec names the exact fault; the fast path only knows that there is one.
[[noreturn]] void reject(std::string_view text) {
  (void)base64_decode(text);
  throw ParseError("base64: malformed input");  // unreachable while both codecs agree (the fuzz target checks)
}

}  // namespace

std::size_t base64_decoded_size(std::string_view text) noexcept {
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') ++padding;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++padding;
  return text.size() / 4 * 3 - (text.size() % 4 == 0 ? padding : 0);
}

void base64_decode_into(std::string_view text, MutableByteSpan out) {
  if (text.size() % 4 != 0) reject(text);
  const std::size_t size = base64_decoded_size(text);
  if (out.size() < size) throw UsageError("base64_decode_into: output buffer too small");
  if (text.empty()) return;
  const auto* in = reinterpret_cast<const unsigned char*>(text.data());
  std::uint8_t* dst = out.data();
  const std::size_t full_groups = text.size() / 4 - 1;  // the last group may carry padding
  std::uint32_t bad = 0;
  for (std::size_t g = 0; g < full_groups; ++g, in += 4, dst += 3) {
    const std::uint32_t bits = group_bits(in);
    bad |= bits;
    dst[0] = static_cast<std::uint8_t>(bits >> 16);
    dst[1] = static_cast<std::uint8_t>(bits >> 8);
    dst[2] = static_cast<std::uint8_t>(bits);
  }
  if ((bad & kBad) != 0) reject(text);
  // The last group: "xxxx", "xxx=" (2 bytes, 2 unused bits) or "xx==" (1 byte, 4 unused bits).
  const std::size_t last_bytes = size - full_groups * 3;
  unsigned char last[4] = {in[0], in[1], in[2], in[3]};
  if (last_bytes < 3) last[3] = 'A';
  if (last_bytes < 2) last[2] = 'A';
  const std::uint32_t bits = group_bits(last);
  const std::uint32_t unused_mask = last_bytes == 3 ? 0 : (last_bytes == 2 ? 0xff : 0xffff);
  if ((bits & kBad) != 0 || (bits & unused_mask) != 0) reject(text);
  for (std::size_t i = 0; i < last_bytes; ++i) dst[i] = static_cast<std::uint8_t>(bits >> (16 - 8 * i));
}

void base64_append(std::string& out, ByteSpan bytes) {
  const std::size_t start = out.size();
  out.resize(start + (bytes.size() + 2) / 3 * 4);
  char* dst = out.data() + start;
  const std::uint8_t* in = bytes.data();
  std::size_t left = bytes.size();
  for (; left >= 3; left -= 3, in += 3, dst += 4) {
    const std::uint32_t group = (std::uint32_t{in[0]} << 16) | (std::uint32_t{in[1]} << 8) | in[2];
    const auto& high = kPair[group >> 12];
    const auto& low = kPair[group & 0xfff];
    dst[0] = high[0];
    dst[1] = high[1];
    dst[2] = low[0];
    dst[3] = low[1];
  }
  if (left > 0) {
    const std::uint32_t group = (std::uint32_t{in[0]} << 16) | (left == 2 ? std::uint32_t{in[1]} << 8 : 0);
    dst[0] = kAlphabet[(group >> 18) & 0x3f];
    dst[1] = kAlphabet[(group >> 12) & 0x3f];
    dst[2] = left == 2 ? kAlphabet[(group >> 6) & 0x3f] : '=';
    dst[3] = '=';
  }
}

}  // namespace zg::storage
