// SHA-256: FIPS 180-4 / NIST example digests, incremental hashing in arbitrary splits, and the
// plaintext digest recorded in the fine-tuning vectors.
#include <gtest/gtest.h>

#include <string>

#include "common/hex.hpp"
#include "crypto/sha256.hpp"

namespace zg::crypto {
namespace {

std::string hex_of(const Hash256& digest) { return to_hex(digest, false); }

TEST(Sha256, NistExamples) {
  EXPECT_EQ(hex_of(sha256(as_bytes(""))), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex_of(sha256(as_bytes("abc"))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex_of(sha256(as_bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, MillionAsFedInUnevenPieces) {
  const std::string block(997, 'a');  // a prime, so pieces straddle the 64-byte block boundary
  Sha256 hasher;
  std::size_t fed = 0;
  while (fed + block.size() <= 1000000) {
    hasher.update(as_bytes(block));
    fed += block.size();
  }
  hasher.update(as_bytes(std::string(1000000 - fed, 'a')));
  EXPECT_EQ(hex_of(hasher.finalize()), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, EverySplitOfAMessageGivesTheSameDigest) {
  const std::string message = "The quick brown fox jumps over the lazy dog, twice: the quick brown fox jumps over the lazy dog";
  const auto expected = sha256(as_bytes(message));
  for (std::size_t split = 0; split <= message.size(); ++split) {
    Sha256 hasher;
    hasher.update(as_bytes(message.substr(0, split))).update(as_bytes(message.substr(split)));
    ASSERT_EQ(hasher.finalize(), expected) << "split at " << split;
  }
}

TEST(Sha256, FinalizeResetsForTheNextMessage) {
  Sha256 hasher;
  hasher.update(as_bytes("first message"));
  (void)hasher.finalize();
  hasher.update(as_bytes("abc"));
  EXPECT_EQ(hex_of(hasher.finalize()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  hasher.update(as_bytes("discarded"));
  hasher.reset();
  EXPECT_EQ(hex_of(hasher.finalize()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace
}  // namespace zg::crypto
