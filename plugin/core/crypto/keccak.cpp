#include "crypto/keccak.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace zg::crypto {
namespace {

constexpr std::size_t kRate = 136;  // bytes absorbed per permutation: 1600 - 2 * 256 bits
constexpr std::size_t kRateLanes = kRate / 8;

constexpr std::uint64_t kRoundConstants[24] = {
    0x0000000000000001, 0x0000000000008082, 0x800000000000808a, 0x8000000080008000,
    0x000000000000808b, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008a, 0x0000000000000088, 0x0000000080008009, 0x000000008000000a,
    0x000000008000808b, 0x800000000000008b, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800a, 0x800000008000000a,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
};

// Keccak lanes are little-endian 64-bit words; memcpy keeps unaligned input legal.
inline std::uint64_t load_le(const std::uint8_t* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

inline void store_le(std::uint64_t v, std::uint8_t* p) noexcept {
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  std::memcpy(p, &v, sizeof v);
}

// One round without iota: lane (x, y) is a[x + 5y]. Theta's column parities c and mixers d, then
// rho (the rotations) and pi (the lane moves) folded into the five b inputs of each output row, then
// chi along the row. Written out in full (generated from the rotation table) so that every index is
// a constant and the compiler keeps lanes in registers instead of walking tables.
[[gnu::always_inline]] inline void round_without_iota(const std::uint64_t* a, std::uint64_t* e) noexcept {
  const std::uint64_t c0 = a[0] ^ a[5] ^ a[10] ^ a[15] ^ a[20];
  const std::uint64_t c1 = a[1] ^ a[6] ^ a[11] ^ a[16] ^ a[21];
  const std::uint64_t c2 = a[2] ^ a[7] ^ a[12] ^ a[17] ^ a[22];
  const std::uint64_t c3 = a[3] ^ a[8] ^ a[13] ^ a[18] ^ a[23];
  const std::uint64_t c4 = a[4] ^ a[9] ^ a[14] ^ a[19] ^ a[24];
  const std::uint64_t d0 = c4 ^ std::rotl(c1, 1);
  const std::uint64_t d1 = c0 ^ std::rotl(c2, 1);
  const std::uint64_t d2 = c1 ^ std::rotl(c3, 1);
  const std::uint64_t d3 = c2 ^ std::rotl(c4, 1);
  const std::uint64_t d4 = c3 ^ std::rotl(c0, 1);
  {  // output row 0
    const std::uint64_t b0 = a[0] ^ d0;
    const std::uint64_t b1 = std::rotl(a[6] ^ d1, 44);
    const std::uint64_t b2 = std::rotl(a[12] ^ d2, 43);
    const std::uint64_t b3 = std::rotl(a[18] ^ d3, 21);
    const std::uint64_t b4 = std::rotl(a[24] ^ d4, 14);
    e[0] = b0 ^ (~b1 & b2);
    e[1] = b1 ^ (~b2 & b3);
    e[2] = b2 ^ (~b3 & b4);
    e[3] = b3 ^ (~b4 & b0);
    e[4] = b4 ^ (~b0 & b1);
  }
  {  // output row 1
    const std::uint64_t b0 = std::rotl(a[3] ^ d3, 28);
    const std::uint64_t b1 = std::rotl(a[9] ^ d4, 20);
    const std::uint64_t b2 = std::rotl(a[10] ^ d0, 3);
    const std::uint64_t b3 = std::rotl(a[16] ^ d1, 45);
    const std::uint64_t b4 = std::rotl(a[22] ^ d2, 61);
    e[5] = b0 ^ (~b1 & b2);
    e[6] = b1 ^ (~b2 & b3);
    e[7] = b2 ^ (~b3 & b4);
    e[8] = b3 ^ (~b4 & b0);
    e[9] = b4 ^ (~b0 & b1);
  }
  {  // output row 2
    const std::uint64_t b0 = std::rotl(a[1] ^ d1, 1);
    const std::uint64_t b1 = std::rotl(a[7] ^ d2, 6);
    const std::uint64_t b2 = std::rotl(a[13] ^ d3, 25);
    const std::uint64_t b3 = std::rotl(a[19] ^ d4, 8);
    const std::uint64_t b4 = std::rotl(a[20] ^ d0, 18);
    e[10] = b0 ^ (~b1 & b2);
    e[11] = b1 ^ (~b2 & b3);
    e[12] = b2 ^ (~b3 & b4);
    e[13] = b3 ^ (~b4 & b0);
    e[14] = b4 ^ (~b0 & b1);
  }
  {  // output row 3
    const std::uint64_t b0 = std::rotl(a[4] ^ d4, 27);
    const std::uint64_t b1 = std::rotl(a[5] ^ d0, 36);
    const std::uint64_t b2 = std::rotl(a[11] ^ d1, 10);
    const std::uint64_t b3 = std::rotl(a[17] ^ d2, 15);
    const std::uint64_t b4 = std::rotl(a[23] ^ d3, 56);
    e[15] = b0 ^ (~b1 & b2);
    e[16] = b1 ^ (~b2 & b3);
    e[17] = b2 ^ (~b3 & b4);
    e[18] = b3 ^ (~b4 & b0);
    e[19] = b4 ^ (~b0 & b1);
  }
  {  // output row 4
    const std::uint64_t b0 = std::rotl(a[2] ^ d2, 62);
    const std::uint64_t b1 = std::rotl(a[8] ^ d3, 55);
    const std::uint64_t b2 = std::rotl(a[14] ^ d4, 39);
    const std::uint64_t b3 = std::rotl(a[15] ^ d0, 41);
    const std::uint64_t b4 = std::rotl(a[21] ^ d1, 2);
    e[20] = b0 ^ (~b1 & b2);
    e[21] = b1 ^ (~b2 & b3);
    e[22] = b2 ^ (~b3 & b4);
    e[23] = b3 ^ (~b4 & b0);
    e[24] = b4 ^ (~b0 & b1);
  }
}

// Keccak-f[1600]: 24 rounds, ping-ponging between two local copies of the state so no round has to
// copy lanes back.
void permute(std::uint64_t (&state)[25]) noexcept {
  std::uint64_t a[25];
  std::uint64_t e[25];
  std::memcpy(a, state, sizeof a);
  for (std::size_t round = 0; round < 24; round += 2) {
    round_without_iota(a, e);
    e[0] ^= kRoundConstants[round];
    round_without_iota(e, a);
    a[0] ^= kRoundConstants[round + 1];
  }
  std::memcpy(state, a, sizeof a);
}

// Absorbs whole blocks straight from the caller's buffer: no staging copy.
void absorb_blocks(std::uint64_t (&state)[25], const std::uint8_t* data, std::size_t blocks) noexcept {
  for (std::size_t b = 0; b < blocks; ++b, data += kRate) {
    for (std::size_t i = 0; i < kRateLanes; ++i) state[i] ^= load_le(data + 8 * i);
    permute(state);
  }
}

Hash256 squeeze(const std::uint64_t (&state)[25]) noexcept {
  Hash256 out;
  for (std::size_t i = 0; i < 4; ++i) store_le(state[i], out.data() + 8 * i);
  return out;
}

}  // namespace

Keccak256::Keccak256() noexcept { reset(); }

void Keccak256::reset() noexcept {
  std::memset(state_, 0, sizeof state_);
  buffered_ = 0;
}

void Keccak256::update(ByteSpan data) noexcept {
  if (data.empty()) return;  // also keeps a null data() away from memcpy
  const std::uint8_t* in = data.data();
  std::size_t left = data.size();
  if (buffered_ > 0) {
    const std::size_t take = std::min(left, kRate - buffered_);
    std::memcpy(buffer_ + buffered_, in, take);
    buffered_ += take;
    in += take;
    left -= take;
    if (buffered_ < kRate) return;
    absorb_blocks(state_, buffer_, 1);
    buffered_ = 0;
  }
  const std::size_t blocks = left / kRate;
  absorb_blocks(state_, in, blocks);
  in += blocks * kRate;
  left -= blocks * kRate;
  if (left > 0) std::memcpy(buffer_, in, left);
  buffered_ = left;
}

Hash256 Keccak256::finalize() noexcept {
  // Original Keccak padding (pad10*1 with domain bits 01): 0x01 after the data, 0x80 in the last
  // byte of the block; both land in one byte when a single byte of room is left.
  std::memset(buffer_ + buffered_, 0, kRate - buffered_);
  buffer_[buffered_] = 0x01;
  buffer_[kRate - 1] |= 0x80;
  absorb_blocks(state_, buffer_, 1);
  buffered_ = 0;
  return squeeze(state_);
}

Hash256 keccak256(ByteSpan data) noexcept {
  Keccak256 hasher;
  hasher.update(data);
  return hasher.finalize();
}

Hash256 keccak256_pair(const Hash256& left, const Hash256& right) noexcept {
  // 64 bytes fit in one block: pad it in place on the stack and run a single permutation.
  std::uint8_t block[kRate] = {};
  std::memcpy(block, left.data(), left.size());
  std::memcpy(block + left.size(), right.data(), right.size());
  block[left.size() + right.size()] = 0x01;
  block[kRate - 1] = 0x80;
  std::uint64_t state[25] = {};
  absorb_blocks(state, block, 1);
  return squeeze(state);
}

}  // namespace zg::crypto
