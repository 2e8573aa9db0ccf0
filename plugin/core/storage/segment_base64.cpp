#include "storage/segment_base64.hpp"

#include <array>
#include <cstdint>
#include <cstdlib>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

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

#if defined(__x86_64__)
// 64 characters -> 48 bytes per step with AVX-512 VBMI (the byte permutes do the table lookup and the
// repacking; the method of Muła and Lemire, "Base64 encoding and decoding at almost the speed of a
// memory copy", 2019). kAsciiSextets[c] is the sextet of ASCII character c, or 0x80 when c is not in
// the alphabet: OR-ed with the input (whose high bit marks non-ASCII bytes), any set high bit is a
// bad character.
alignas(64) constexpr auto kAsciiSextets = [] {
  std::array<std::uint8_t, 128> table{};
  for (auto& entry : table) entry = 0x80;
  for (std::uint8_t i = 0; i < 64; ++i) table[static_cast<unsigned char>(kAlphabet[i])] = i;
  return table;
}();
// After the multiply-adds each 32-bit word holds one group's 24 bits, little-endian: output bytes
// 3w, 3w + 1, 3w + 2 are bytes 2, 1, 0 of word w.
alignas(64) constexpr auto kRepack = [] {
  std::array<std::uint8_t, 64> index{};
  for (std::size_t j = 0; j < 48; ++j) index[j] = static_cast<std::uint8_t>(4 * (j / 3) + (2 - j % 3));
  return index;
}();

bool vbmi_available() noexcept {
  static const bool available = __builtin_cpu_supports("avx512vbmi") != 0 && __builtin_cpu_supports("avx512bw") != 0 &&
                                std::getenv("ZG_NO_AVX512") == nullptr;  // as in keccak_x8.cpp
  return available;
}

// Decodes whole 64-character blocks from the front of `in` (at most `blocks` of them); returns how
// many it decoded, stopping early at a block with a bad character (the scalar code then finds it).
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) std::size_t decode_blocks_vbmi(const unsigned char* in,
                                                                                    std::uint8_t* out,
                                                                                    std::size_t blocks) noexcept {
  const __m512i table_low = _mm512_load_si512(kAsciiSextets.data());
  const __m512i table_high = _mm512_load_si512(kAsciiSextets.data() + 64);
  const __m512i repack = _mm512_load_si512(kRepack.data());
  const __m512i pair_weights = _mm512_set1_epi32(0x01400140);  // (a << 6) + b for each byte pair
  const __m512i word_weights = _mm512_set1_epi32(0x00011000);  // (ab << 12) + cd for each 16-bit pair
  constexpr __mmask64 kOutputBytes = (__mmask64{1} << 48) - 1;
  std::size_t done = 0;
  for (; done < blocks; ++done, in += 64, out += 48) {
    const __m512i chars = _mm512_loadu_si512(in);
    const __m512i sextets = _mm512_permutex2var_epi8(table_low, chars, table_high);
    if (_mm512_movepi8_mask(_mm512_or_si512(sextets, chars)) != 0) break;
    const __m512i pairs = _mm512_maddubs_epi16(sextets, pair_weights);
    const __m512i words = _mm512_madd_epi16(pairs, word_weights);
    // The zero-masking permute: GCC 12's unmasked form reads an "undefined" register (-Werror).
    _mm512_mask_storeu_epi8(out, kOutputBytes, _mm512_maskz_permutexvar_epi8(kOutputBytes, repack, words));
  }
  return done;
}

// 48 bytes -> 64 characters per step (same method): each 32-bit word gathers the bytes of one group
// as b1 b0 b2 b1, a multishift cuts the four sextets out, a permute looks them up in the alphabet.
alignas(64) constexpr auto kGroupBytes = [] {
  std::array<std::uint8_t, 64> index{};
  for (std::size_t w = 0; w < 16; ++w) {
    const auto first = static_cast<std::uint8_t>(3 * w);
    index[4 * w] = static_cast<std::uint8_t>(first + 1);
    index[4 * w + 1] = first;
    index[4 * w + 2] = static_cast<std::uint8_t>(first + 2);
    index[4 * w + 3] = static_cast<std::uint8_t>(first + 1);
  }
  return index;
}();

__attribute__((target("avx512f,avx512bw,avx512vbmi"))) std::size_t encode_blocks_vbmi(const std::uint8_t* in, char* out,
                                                                                    std::size_t blocks) noexcept {
  constexpr __mmask64 kAll = ~__mmask64{0};
  constexpr __mmask64 kInputBytes = (__mmask64{1} << 48) - 1;
  const __m512i group_bytes = _mm512_load_si512(kGroupBytes.data());
  const __m512i alphabet = _mm512_loadu_si512(kAlphabet);
  const __m512i shifts = _mm512_set1_epi64(0x3036242a1016040a);  // sextet offsets within each qword
  for (std::size_t done = 0; done < blocks; ++done, in += 48, out += 64) {
    const __m512i bytes = _mm512_maskz_loadu_epi8(kInputBytes, in);
    const __m512i groups = _mm512_maskz_permutexvar_epi8(kAll, group_bytes, bytes);
    const __m512i sextets = _mm512_maskz_multishift_epi64_epi8(kAll, shifts, groups);
    _mm512_storeu_si512(out, _mm512_maskz_permutexvar_epi8(kAll, sextets, alphabet));
  }
  return blocks;
}
#endif

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
  std::size_t g = 0;
#if defined(__x86_64__)
  if (vbmi_available()) {
    const std::size_t blocks = decode_blocks_vbmi(in, dst, full_groups / 16);
    g = blocks * 16;
    in += blocks * 64;
    dst += blocks * 48;
  }
#endif
  std::uint32_t bad = 0;
  for (; g < full_groups; ++g, in += 4, dst += 3) {
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
#if defined(__x86_64__)
  if (vbmi_available()) {
    const std::size_t blocks = encode_blocks_vbmi(in, dst, left / 48);
    in += blocks * 48;
    dst += blocks * 64;
    left -= blocks * 48;
  }
#endif
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
