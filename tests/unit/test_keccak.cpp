// Keccak-256 (Ethereum's, with the original 0x01 padding) against known digests. Reference values
// not taken from the SDK vectors were computed with ethers v6 `keccak256`.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "common/hex.hpp"
#include "crypto/keccak.hpp"

namespace zg::crypto {
namespace {

std::string hash_hex(ByteSpan data) { return to_hex(keccak256(data)); }

Bytes filled(std::size_t size, std::uint8_t value) { return Bytes(size, value); }

TEST(Keccak256, EmptyInput) {
  EXPECT_EQ(hash_hex({}), "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
}

TEST(Keccak256, Abc) {
  EXPECT_EQ(hash_hex(as_bytes("abc")), "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
}

TEST(Keccak256, TwoHundredBytesCrossTheBlockBoundary) {
  Bytes input(200);
  for (std::size_t i = 0; i < input.size(); ++i) input[i] = static_cast<std::uint8_t>(i);
  EXPECT_EQ(hash_hex(input), "0xbfb0aa97863e797943cf7c33bb7e880bb4543f3d2703c0923c6901c2af57b890");
}

// 135 bytes leave one byte of room, so 0x01 and 0x80 share it (0x81); 136 needs a whole padding block.
TEST(Keccak256, LengthsAroundTheRate) {
  EXPECT_EQ(hash_hex(filled(135, 0x5a)), "0x03c527855334eb2e62b3b9b4d02ab76721707d3dde5fb218369640ee2edc7f3a");
  EXPECT_EQ(hash_hex(filled(136, 0x5a)), "0xddc757d2caa82320e140f35833c18e8cc3b230b2b9a48def3d98461ffae81716");
  EXPECT_EQ(hash_hex(filled(137, 0x5a)), "0x37a14cb79c82d4b7d837a3f8ea134a324b138a5e4e3bb0814b75e52b17975b9c");
  EXPECT_EQ(hash_hex(filled(272, 0x5a)), "0x55f08c872f52ae47a17f2ed98203965fe6361a0a3036291c800eaec1fefe1a7e");
}

TEST(Keccak256, OneMillionLetterA) {
  EXPECT_EQ(hash_hex(filled(1'000'000, 'a')), "0xfadae6b49f129bbb812be8407b7b2894f34aecf6dbd1f9b0f0c7e9853098fc96");
}

// 0G Storage's emptyChunkKeccak256: the hash of one all-zero 256-byte chunk.
TEST(Keccak256, StorageEmptyChunk) {
  EXPECT_EQ(hash_hex(filled(256, 0)), "0xd397b3b043d87fcd6fad1291ff0bfd16401c274896d8c63a923727f077b8e0b5");
}

TEST(Keccak256, IncrementalUpdatesAtRandomSplitsMatchOneShot) {
  std::mt19937_64 rng(20240601);
  Bytes input(5000);
  for (auto& b : input) b = static_cast<std::uint8_t>(rng());
  const Hash256 expected = keccak256(input);
  for (int trial = 0; trial < 200; ++trial) {
    Keccak256 hasher;
    std::size_t offset = 0;
    while (offset < input.size()) {
      const std::size_t chunk = std::min<std::size_t>(rng() % 300, input.size() - offset);
      hasher.update(ByteSpan(input).subspan(offset, chunk));
      offset += chunk;
    }
    ASSERT_EQ(hasher.finalize(), expected) << "trial " << trial;
  }
}

TEST(Keccak256, ResetStartsOver) {
  Keccak256 hasher;
  hasher.update(as_bytes("something else entirely"));
  (void)hasher.finalize();
  hasher.reset();
  hasher.update(as_bytes("abc"));
  EXPECT_EQ(to_hex(hasher.finalize()), "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
}

TEST(Keccak256, PairHashesTheConcatenation) {
  const Hash256 left = keccak256(as_bytes("left"));
  const Hash256 right = keccak256(as_bytes("right"));
  EXPECT_EQ(to_hex(left), "0x34cd620fad7e78781d69fdf227dd4013ed00139c6954a1ed6d74a7e032e0ea2a");
  EXPECT_EQ(to_hex(keccak256_pair(left, right)),
            "0x1fdea30c28d22edbf55b74e3d2e91b74138b817571aa96924ef019c2eb36a7de");
  Bytes joined(left.begin(), left.end());
  append(joined, right);
  EXPECT_EQ(keccak256_pair(left, right), keccak256(joined));
  EXPECT_NE(keccak256_pair(left, right), keccak256_pair(right, left));
}

}  // namespace
}  // namespace zg::crypto
