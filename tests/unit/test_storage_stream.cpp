// The hot-path pieces of a 0G Storage download: the table-driven segment base64 (must accept and
// refuse exactly what zg::base64 does, with the same messages) and the model stream decryptor (the
// same plaintext as finetune::decrypt_model whatever the piece sizes, and the same refusals).
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <string>

#include "common/base64.hpp"
#include "common/error.hpp"
#include "common/hex.hpp"
#include "crypto/aes_gcm.hpp"
#include "crypto/keccak.hpp"
#include "finetune/model_cipher.hpp"
#include "storage/keccak_x8.hpp"
#include "storage/model_stream_decryptor.hpp"
#include "storage/segment_base64.hpp"

namespace {

using namespace zg;

Bytes random_bytes(std::size_t size, std::uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes out(size);
  for (auto& b : out) b = static_cast<std::uint8_t>(rng());
  return out;
}

Bytes fast_decode(std::string_view text) {
  Bytes out(storage::base64_decoded_size(text));
  storage::base64_decode_into(text, out);
  return out;
}

std::string fast_encode(ByteSpan bytes) {
  std::string out = "prefix:";
  storage::base64_append(out, bytes);
  return out.substr(7);
}

std::string error_of(const std::function<void()>& run) {
  try {
    run();
  } catch (const ParseError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(SegmentBase64, EncodesAndDecodesLikeTheReferenceCodecAtEveryLength) {
  for (std::size_t size = 0; size < 400; ++size) {
    const auto bytes = random_bytes(size, static_cast<std::uint32_t>(size));
    const auto text = base64_encode(bytes);
    EXPECT_EQ(fast_encode(bytes), text) << size;
    EXPECT_EQ(fast_decode(text), bytes) << size;
  }
  const auto segment = random_bytes(256 * 1024, 7);
  EXPECT_EQ(fast_encode(segment), base64_encode(segment));
  EXPECT_EQ(fast_decode(base64_encode(segment)), segment);
  EXPECT_EQ(fast_encode(as_bytes("foobar")), "Zm9vYmFy");  // RFC 4648 §10
  EXPECT_EQ(fast_encode(as_bytes("fo")), "Zm8=");
}

TEST(SegmentBase64, RefusesWhatTheReferenceRefusesWithTheSameMessage) {
  const std::vector<std::string> bad = {"A",        "AB=",      "Zm9v!mFy", "Zm9vYmF=", "Zm8==",    "Zm9=",
                                        "====",     "Z===",     "Zm=v",     "Zm 9",     "Zm9vYmFy\n", "=Zm9",
                                        "Zm9vYm==", "Zh==",     "Zm9vY\xff" "Fy"};
  for (const auto& text : bad) {
    const auto expected = error_of([&] { (void)base64_decode(text); });
    ASSERT_NE(expected, "(accepted)") << text;
    EXPECT_EQ(error_of([&] { (void)fast_decode(text); }), expected) << text;
  }
  Bytes small(2);
  EXPECT_THROW(storage::base64_decode_into("Zm9v", small), UsageError);

  // Long inputs go through 64-character vector blocks where the CPU has them: a bad character
  // anywhere (inside a block, in the scalar tail, in the last group) is found and named the same way.
  const auto long_text = base64_encode(random_bytes(300, 11));  // 400 characters
  for (std::size_t at = 0; at < long_text.size(); at += 7) {
    for (const char bad_char : {'!', '=', '\xff', '\x80', ' '}) {
      auto text = long_text;
      text[at] = bad_char;
      const auto expected = error_of([&] { (void)base64_decode(text); });
      ASSERT_NE(expected, "(accepted)") << at;
      EXPECT_EQ(error_of([&] { (void)fast_decode(text); }), expected) << at << " " << static_cast<int>(bad_char);
    }
  }
}

// The `.scalar` ctest runs of the storage tests set ZG_NO_AVX512: they must really be on the fallback.
TEST(KeccakX8, NoAvx512SwitchSelectsTheScalarCode) {
  if (std::getenv("ZG_NO_AVX512") == nullptr) GTEST_SKIP() << "only in the ZG_NO_AVX512 run";
  EXPECT_FALSE(storage::keccak_x8_available());
}

TEST(KeccakX8, EachLaneEqualsKeccak256AtEveryLengthAroundTheRate) {
  if (!storage::keccak_x8_available()) GTEST_SKIP() << "no AVX-512F on this CPU: the merkle code uses crypto::keccak256";
  for (std::size_t length = 0; length <= 2 * 136 + 3; ++length) {
    std::array<Bytes, 8> inputs;
    std::array<const std::uint8_t*, 8> pointers{};
    std::array<Hash256, 8> results{};
    std::array<Hash256*, 8> outputs{};
    for (std::size_t i = 0; i < 8; ++i) {
      inputs[i] = random_bytes(length + 1, static_cast<std::uint32_t>(length * 8 + i));  // +1: never a null pointer
      pointers[i] = inputs[i].data();
      outputs[i] = &results[i];
    }
    storage::keccak256_x8(pointers, length, outputs);
    for (std::size_t i = 0; i < 8; ++i) {
      ASSERT_EQ(to_hex(results[i]), to_hex(crypto::keccak256(ByteSpan(inputs[i]).first(length)))) << length << " lane " << i;
    }
  }
}

class ModelStream : public ::testing::Test {
 protected:
  const finetune::ModelKey key_ = make_key(1);
  const crypto::PrivateKey tee_ = crypto::PrivateKey::from_hex("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");
  const eth::Address tee_address_ = eth::Address::from_public_key(tee_.public_key());
  // Odd chunk size so that chunk ends, tags and the 16-byte block grid fall inside pieces.
  static constexpr std::size_t kChunk = 1000;

  static finetune::ModelKey make_key(std::uint32_t seed) {
    const auto bytes = random_bytes(32, seed);
    return finetune::ModelKey(std::span<const std::uint8_t, 32>(bytes.data(), 32));
  }

  // Feeds `file` in pieces of the given sizes (cycled), returns the plaintext.
  Bytes stream(ByteSpan file, const finetune::ModelKey& key, const std::vector<std::size_t>& pieces) const {
    Bytes plain;
    storage::ModelStreamDecryptor decryptor(key, tee_address_, file.size(), [&plain](std::uint64_t offset, ByteSpan bytes) {
      EXPECT_EQ(offset, plain.size());
      append(plain, bytes);
    }, kChunk);
    std::size_t at = 0;
    for (std::size_t i = 0; at < file.size(); ++i) {
      const auto take = std::min(pieces[i % pieces.size()], file.size() - at);
      decryptor.consume(file.subspan(at, take));
      at += take;
    }
    EXPECT_EQ(decryptor.finish(), plain.size());
    return plain;
  }
};

TEST_F(ModelStream, GivesTheSamePlaintextAsDecryptModelWhateverThePieces) {
  const finetune::Iv iv = fixed_from_hex<12>("0x0102030405060708090afffe");  // the counter carries
  for (const std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{999}, std::size_t{1000}, std::size_t{1001}, std::size_t{5555}}) {
    const auto plaintext = random_bytes(size, static_cast<std::uint32_t>(size) + 3);
    const auto file = finetune::encrypt_model(plaintext, key_, tee_, iv, kChunk);
    ASSERT_EQ(finetune::decrypt_model(file, key_, tee_address_, kChunk), plaintext);
    for (const auto& pieces : std::vector<std::vector<std::size_t>>{{1}, {7, 16, 33}, {77}, {262144}, {15, 1017}}) {
      EXPECT_EQ(stream(file, key_, pieces), plaintext) << size << " bytes, first piece " << pieces[0];
    }
  }
}

TEST_F(ModelStream, RefusesAFlippedByteAWrongKeyAWrongSignerAndAShortFile) {
  const auto plaintext = random_bytes(3500, 9);
  const auto file = finetune::encrypt_model(plaintext, key_, tee_, fixed_from_hex<12>("0x000000000000000000000001"), kChunk);
  auto flipped = file;
  flipped[finetune::kHeaderSize + 2 * (kChunk + 16) + 5] ^= 0x01;  // chunk 2's ciphertext
  try {
    (void)stream(flipped, key_, {4096});
    FAIL() << "a flipped byte was accepted";
  } catch (const crypto::AuthenticationError& e) {
    EXPECT_NE(std::string(e.what()).find("chunk 2: authentication tag mismatch"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)stream(file, make_key(2), {4096}), crypto::AuthenticationError);

  auto resigned = file;
  resigned[3] ^= 0x01;  // the tag signature's r: another signer (or none) recovers
  try {
    (void)stream(resigned, key_, {4096});
    FAIL() << "a wrong tag signature was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("signature"), std::string::npos) << e.what();
  }

  storage::ModelStreamDecryptor partial(key_, tee_address_, file.size(), [](std::uint64_t, ByteSpan) {}, kChunk);
  partial.consume(ByteSpan(file).first(file.size() - 1));
  EXPECT_THROW((void)partial.finish(), ParseError);
  EXPECT_THROW(partial.consume(ByteSpan(file).first(2)), UsageError);  // past the announced size
  EXPECT_THROW(storage::ModelStreamDecryptor(key_, tee_address_, 10, [](std::uint64_t, ByteSpan) {}, kChunk), ParseError);
}

}  // namespace
