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

// Keccak-f[1600]. Lane (x, y) of the state is s[x + 5y]. The 25 lanes live in local variables
// (two sets, s and t, that alternate as a round's input and output, so no round copies lanes back),
// and every round is written out in full so that all indices are constants and the lanes stay in
// registers. Each round: theta's column parities c and mixers d; then rho (rotations) and pi (lane
// moves) folded into the five inputs b of each output row; then chi along the row; then iota.
//
// Lane complementing: lanes 1, 2, 8, 12, 17 and 20 are held inverted inside the permutation (flipped
// on the way in and out). Theta is linear, so it works on inverted lanes unchanged; chi's
// "b0 ^ (~b1 & b2)" then becomes AND/OR forms that need 8 NOTs a round instead of 25 (about 8% faster
// here). The rows were generated from the rho rotation table, pi's rule "(x, y) moves to
// (y, 2x + 3y)" and, per chi output, the cheapest AND/OR form whose truth table matches.
void permute(std::uint64_t (&state)[25]) noexcept {
  std::uint64_t s0 = state[0], s1 = ~state[1], s2 = ~state[2], s3 = state[3], s4 = state[4];
  std::uint64_t s5 = state[5], s6 = state[6], s7 = state[7], s8 = ~state[8], s9 = state[9];
  std::uint64_t s10 = state[10], s11 = state[11], s12 = ~state[12], s13 = state[13], s14 = state[14];
  std::uint64_t s15 = state[15], s16 = state[16], s17 = ~state[17], s18 = state[18], s19 = state[19];
  std::uint64_t s20 = ~state[20], s21 = state[21], s22 = state[22], s23 = state[23], s24 = state[24];
  std::uint64_t t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12,
      t13, t14, t15, t16, t17, t18, t19, t20, t21, t22, t23, t24;
  for (std::size_t round = 0; round < 24; round += 2) {
    {  // round r: s -> t
      const std::uint64_t c0 = s0 ^ s5 ^ s10 ^ s15 ^ s20;
      const std::uint64_t c1 = s1 ^ s6 ^ s11 ^ s16 ^ s21;
      const std::uint64_t c2 = s2 ^ s7 ^ s12 ^ s17 ^ s22;
      const std::uint64_t c3 = s3 ^ s8 ^ s13 ^ s18 ^ s23;
      const std::uint64_t c4 = s4 ^ s9 ^ s14 ^ s19 ^ s24;
      const std::uint64_t d0 = c4 ^ std::rotl(c1, 1);
      const std::uint64_t d1 = c0 ^ std::rotl(c2, 1);
      const std::uint64_t d2 = c1 ^ std::rotl(c3, 1);
      const std::uint64_t d3 = c2 ^ std::rotl(c4, 1);
      const std::uint64_t d4 = c3 ^ std::rotl(c0, 1);
      {  // row 0
        const std::uint64_t b0 = s0 ^ d0;
        const std::uint64_t b1 = std::rotl(s6 ^ d1, 44);
        const std::uint64_t b2 = std::rotl(s12 ^ d2, 43);
        const std::uint64_t b3 = std::rotl(s18 ^ d3, 21);
        const std::uint64_t b4 = std::rotl(s24 ^ d4, 14);
        t0 = b0 ^ (b1 | b2);
        t1 = b1 ^ (~b2 | b3);
        t2 = b2 ^ (b3 & b4);
        t3 = b3 ^ (b4 | b0);
        t4 = b4 ^ (b0 & b1);
      }
      {  // row 1
        const std::uint64_t b0 = std::rotl(s3 ^ d3, 28);
        const std::uint64_t b1 = std::rotl(s9 ^ d4, 20);
        const std::uint64_t b2 = std::rotl(s10 ^ d0, 3);
        const std::uint64_t b3 = std::rotl(s16 ^ d1, 45);
        const std::uint64_t b4 = std::rotl(s22 ^ d2, 61);
        t5 = b0 ^ (b1 | b2);
        t6 = b1 ^ (b2 & b3);
        t7 = b2 ^ (b3 | ~b4);
        t8 = b3 ^ (b4 | b0);
        t9 = b4 ^ (b0 & b1);
      }
      {  // row 2
        const std::uint64_t b0 = std::rotl(s1 ^ d1, 1);
        const std::uint64_t b1 = std::rotl(s7 ^ d2, 6);
        const std::uint64_t b2 = std::rotl(s13 ^ d3, 25);
        const std::uint64_t b3 = std::rotl(s19 ^ d4, 8);
        const std::uint64_t b4 = std::rotl(s20 ^ d0, 18);
        t10 = b0 ^ (b1 | b2);
        t11 = b1 ^ (b2 & b3);
        t12 = b2 ^ (~b3 & b4);
        t13 = ~(b3 ^ (b4 | b0));
        t14 = b4 ^ (b0 & b1);
      }
      {  // row 3
        const std::uint64_t b0 = std::rotl(s4 ^ d4, 27);
        const std::uint64_t b1 = std::rotl(s5 ^ d0, 36);
        const std::uint64_t b2 = std::rotl(s11 ^ d1, 10);
        const std::uint64_t b3 = std::rotl(s17 ^ d2, 15);
        const std::uint64_t b4 = std::rotl(s23 ^ d3, 56);
        t15 = b0 ^ (b1 & b2);
        t16 = b1 ^ (b2 | b3);
        t17 = b2 ^ (~b3 | b4);
        t18 = ~(b3 ^ (b4 & b0));
        t19 = b4 ^ (b0 | b1);
      }
      {  // row 4
        const std::uint64_t b0 = std::rotl(s2 ^ d2, 62);
        const std::uint64_t b1 = std::rotl(s8 ^ d3, 55);
        const std::uint64_t b2 = std::rotl(s14 ^ d4, 39);
        const std::uint64_t b3 = std::rotl(s15 ^ d0, 41);
        const std::uint64_t b4 = std::rotl(s21 ^ d1, 2);
        t20 = b0 ^ (~b1 & b2);
        t21 = ~(b1 ^ (b2 | b3));
        t22 = b2 ^ (b3 & b4);
        t23 = b3 ^ (b4 | b0);
        t24 = b4 ^ (b0 & b1);
      }
      t0 ^= kRoundConstants[round];
    }
    {  // round r + 1: t -> s
      const std::uint64_t c0 = t0 ^ t5 ^ t10 ^ t15 ^ t20;
      const std::uint64_t c1 = t1 ^ t6 ^ t11 ^ t16 ^ t21;
      const std::uint64_t c2 = t2 ^ t7 ^ t12 ^ t17 ^ t22;
      const std::uint64_t c3 = t3 ^ t8 ^ t13 ^ t18 ^ t23;
      const std::uint64_t c4 = t4 ^ t9 ^ t14 ^ t19 ^ t24;
      const std::uint64_t d0 = c4 ^ std::rotl(c1, 1);
      const std::uint64_t d1 = c0 ^ std::rotl(c2, 1);
      const std::uint64_t d2 = c1 ^ std::rotl(c3, 1);
      const std::uint64_t d3 = c2 ^ std::rotl(c4, 1);
      const std::uint64_t d4 = c3 ^ std::rotl(c0, 1);
      {  // row 0
        const std::uint64_t b0 = t0 ^ d0;
        const std::uint64_t b1 = std::rotl(t6 ^ d1, 44);
        const std::uint64_t b2 = std::rotl(t12 ^ d2, 43);
        const std::uint64_t b3 = std::rotl(t18 ^ d3, 21);
        const std::uint64_t b4 = std::rotl(t24 ^ d4, 14);
        s0 = b0 ^ (b1 | b2);
        s1 = b1 ^ (~b2 | b3);
        s2 = b2 ^ (b3 & b4);
        s3 = b3 ^ (b4 | b0);
        s4 = b4 ^ (b0 & b1);
      }
      {  // row 1
        const std::uint64_t b0 = std::rotl(t3 ^ d3, 28);
        const std::uint64_t b1 = std::rotl(t9 ^ d4, 20);
        const std::uint64_t b2 = std::rotl(t10 ^ d0, 3);
        const std::uint64_t b3 = std::rotl(t16 ^ d1, 45);
        const std::uint64_t b4 = std::rotl(t22 ^ d2, 61);
        s5 = b0 ^ (b1 | b2);
        s6 = b1 ^ (b2 & b3);
        s7 = b2 ^ (b3 | ~b4);
        s8 = b3 ^ (b4 | b0);
        s9 = b4 ^ (b0 & b1);
      }
      {  // row 2
        const std::uint64_t b0 = std::rotl(t1 ^ d1, 1);
        const std::uint64_t b1 = std::rotl(t7 ^ d2, 6);
        const std::uint64_t b2 = std::rotl(t13 ^ d3, 25);
        const std::uint64_t b3 = std::rotl(t19 ^ d4, 8);
        const std::uint64_t b4 = std::rotl(t20 ^ d0, 18);
        s10 = b0 ^ (b1 | b2);
        s11 = b1 ^ (b2 & b3);
        s12 = b2 ^ (~b3 & b4);
        s13 = ~(b3 ^ (b4 | b0));
        s14 = b4 ^ (b0 & b1);
      }
      {  // row 3
        const std::uint64_t b0 = std::rotl(t4 ^ d4, 27);
        const std::uint64_t b1 = std::rotl(t5 ^ d0, 36);
        const std::uint64_t b2 = std::rotl(t11 ^ d1, 10);
        const std::uint64_t b3 = std::rotl(t17 ^ d2, 15);
        const std::uint64_t b4 = std::rotl(t23 ^ d3, 56);
        s15 = b0 ^ (b1 & b2);
        s16 = b1 ^ (b2 | b3);
        s17 = b2 ^ (~b3 | b4);
        s18 = ~(b3 ^ (b4 & b0));
        s19 = b4 ^ (b0 | b1);
      }
      {  // row 4
        const std::uint64_t b0 = std::rotl(t2 ^ d2, 62);
        const std::uint64_t b1 = std::rotl(t8 ^ d3, 55);
        const std::uint64_t b2 = std::rotl(t14 ^ d4, 39);
        const std::uint64_t b3 = std::rotl(t15 ^ d0, 41);
        const std::uint64_t b4 = std::rotl(t21 ^ d1, 2);
        s20 = b0 ^ (~b1 & b2);
        s21 = ~(b1 ^ (b2 | b3));
        s22 = b2 ^ (b3 & b4);
        s23 = b3 ^ (b4 | b0);
        s24 = b4 ^ (b0 & b1);
      }
      s0 ^= kRoundConstants[round + 1];
    }
  }
  state[0] = s0; state[1] = ~s1; state[2] = ~s2; state[3] = s3; state[4] = s4;
  state[5] = s5; state[6] = s6; state[7] = s7; state[8] = ~s8; state[9] = s9;
  state[10] = s10; state[11] = s11; state[12] = ~s12; state[13] = s13; state[14] = s14;
  state[15] = s15; state[16] = s16; state[17] = ~s17; state[18] = s18; state[19] = s19;
  state[20] = ~s20; state[21] = s21; state[22] = s22; state[23] = s23; state[24] = s24;
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
