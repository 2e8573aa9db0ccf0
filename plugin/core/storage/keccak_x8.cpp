#include "storage/keccak_x8.hpp"

#include <cstdlib>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace zg::storage {

#if defined(__x86_64__)
namespace {

constexpr std::size_t kRate = 136;  // Keccak-256: 1088-bit rate, 17 lanes

constexpr std::uint64_t kRoundConstants[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL};

// Rotation of lane x + 5y (rho), and where pi moves it: B[y + 5((2x + 3y) mod 5)] = rot(A[x + 5y]).
constexpr int kRho[25] = {0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14};
constexpr int pi_target(int lane) { return lane / 5 + 5 * ((2 * (lane % 5) + 3 * (lane / 5)) % 5); }

// _mm512_ternarylogic_epi64 truth tables: a ^ b ^ c, and a ^ (~b & c) (chi).
constexpr int kXor3 = 0x96;
constexpr int kChi = 0xd2;
// The rotations go through their zero-masking forms with every lane selected: the same instruction,
// but GCC 12's unmasked intrinsics read an "undefined" register that -Werror=uninitialized rejects.
constexpr __mmask8 kAllLanes = 0xff;

__attribute__((target("avx512f"))) void permute_x8(__m512i state[25]) noexcept {
  for (int round = 0; round < 24; ++round) {
    __m512i c[5];
    for (int x = 0; x < 5; ++x) {
      c[x] = _mm512_ternarylogic_epi64(state[x], state[x + 5], state[x + 10], kXor3);
      c[x] = _mm512_ternarylogic_epi64(c[x], state[x + 15], state[x + 20], kXor3);
    }
    __m512i b[25];
    for (int x = 0; x < 5; ++x) {
      const __m512i d = _mm512_xor_si512(c[(x + 4) % 5], _mm512_maskz_rol_epi64(kAllLanes, c[(x + 1) % 5], 1));
      for (int y = 0; y < 25; y += 5) {
        const int lane = x + y;
        b[pi_target(lane)] = _mm512_maskz_rolv_epi64(kAllLanes, _mm512_xor_si512(state[lane], d), _mm512_set1_epi64(kRho[lane]));
      }
    }
    for (int y = 0; y < 25; y += 5) {
      for (int x = 0; x < 5; ++x) {
        state[y + x] = _mm512_ternarylogic_epi64(b[y + x], b[y + (x + 1) % 5], b[y + (x + 2) % 5], kChi);
      }
    }
    state[0] = _mm512_xor_si512(state[0], _mm512_set1_epi64(static_cast<long long>(kRoundConstants[round])));
  }
}

std::uint64_t load_lane(const std::uint8_t* bytes) noexcept {
  std::uint64_t lane;
  std::memcpy(&lane, bytes, sizeof lane);  // little-endian lanes, as Keccak defines them on x86
  return lane;
}

__attribute__((target("avx512f"))) void absorb_block(__m512i state[25], const std::array<const std::uint8_t*, 8>& blocks) noexcept {
  for (int lane = 0; lane < 17; ++lane) {
    const auto at = static_cast<std::size_t>(lane) * 8;
    const __m512i words = _mm512_set_epi64(
        static_cast<long long>(load_lane(blocks[7] + at)), static_cast<long long>(load_lane(blocks[6] + at)),
        static_cast<long long>(load_lane(blocks[5] + at)), static_cast<long long>(load_lane(blocks[4] + at)),
        static_cast<long long>(load_lane(blocks[3] + at)), static_cast<long long>(load_lane(blocks[2] + at)),
        static_cast<long long>(load_lane(blocks[1] + at)), static_cast<long long>(load_lane(blocks[0] + at)));
    state[lane] = _mm512_xor_si512(state[lane], words);
  }
  permute_x8(state);
}

__attribute__((target("avx512f"))) void keccak256_x8_avx512(const std::array<const std::uint8_t*, 8>& inputs,
                                                             std::size_t length, const std::array<Hash256*, 8>& out) noexcept {
  __m512i state[25];
  for (auto& lane : state) lane = _mm512_setzero_si512();
  std::size_t offset = 0;
  for (; offset + kRate <= length; offset += kRate) {
    std::array<const std::uint8_t*, 8> blocks{};
    for (int i = 0; i < 8; ++i) blocks[i] = inputs[i] + offset;
    absorb_block(state, blocks);
  }
  // The last, padded block: the rest of each input, 0x01, zeros, 0x80 in the block's last byte.
  alignas(64) std::uint8_t padded[8][kRate];
  std::array<const std::uint8_t*, 8> blocks{};
  const std::size_t rest = length - offset;
  for (int i = 0; i < 8; ++i) {
    std::memset(padded[i], 0, kRate);
    if (rest > 0) std::memcpy(padded[i], inputs[i] + offset, rest);
    padded[i][rest] ^= 0x01;
    padded[i][kRate - 1] ^= 0x80;
    blocks[i] = padded[i];
  }
  absorb_block(state, blocks);
  alignas(64) std::uint64_t words[4][8];
  for (int lane = 0; lane < 4; ++lane) _mm512_store_si512(reinterpret_cast<__m512i*>(words[lane]), state[lane]);
  for (int i = 0; i < 8; ++i) {
    for (int lane = 0; lane < 4; ++lane) std::memcpy(out[i]->data() + lane * 8, &words[lane][i], 8);
  }
}

}  // namespace

bool keccak_x8_available() noexcept {
  // ZG_NO_AVX512 set: the scalar code, so tests cover the fallback on machines that have AVX-512.
  static const bool available = __builtin_cpu_supports("avx512f") != 0 && std::getenv("ZG_NO_AVX512") == nullptr;
  return available;
}

void keccak256_x8(const std::array<const std::uint8_t*, 8>& inputs, std::size_t length,
                  const std::array<Hash256*, 8>& out) noexcept {
  keccak256_x8_avx512(inputs, length, out);
}

#else

bool keccak_x8_available() noexcept { return false; }
void keccak256_x8(const std::array<const std::uint8_t*, 8>&, std::size_t, const std::array<Hash256*, 8>&) noexcept {}

#endif

}  // namespace zg::storage
