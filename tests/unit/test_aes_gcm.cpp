// AES-256-GCM: the GCM specification's AES-256 test cases (12-byte IVs), 16-byte-nonce values from
// node's crypto (OpenSSL), the ECIES vector, streaming in uneven pieces, and tamper detection.
#include <gtest/gtest.h>

#include <string>

#include "common/hex.hpp"
#include "crypto/aes_gcm.hpp"
#include "vectors.hpp"

namespace zg::crypto {
namespace {

using Key = FixedBytes<32>;

Key key_from_hex(std::string_view text) { return fixed_from_hex<32>(text, "key"); }
GcmTag tag_from_hex(std::string_view text) { return fixed_from_hex<16>(text, "tag"); }

struct GcmCase {
  const char* name;
  const char* key;
  const char* nonce;
  const char* aad;
  const char* plaintext;
  const char* ciphertext;
  const char* tag;
};

const GcmCase kCases[] = {
    // "The Galois/Counter Mode of Operation", McGrew & Viega, test cases 13, 14 and 16.
    {"gcm-spec-13", "0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000", "", "",
     "", "530f8afbc74536b9a963b4f1c4cb738b"},
    {"gcm-spec-14", "0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000", "",
     "00000000000000000000000000000000", "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"},
    {"gcm-spec-16", "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
     "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
    // node crypto.createCipheriv('aes-256-gcm', key, 16-byte iv) with setAAD("0g-aad").
    {"node-16-byte-nonce-aad", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
     "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", "30672d616164",
     "54686520717569636b2062726f776e20666f78206a756d7073206f76657220746865206c617a7920646f672c20304721",
     "ec09790fe0f587a4c3c531b76259d48a148b389b92d59ce2dab4180e3fad7baca438a4f211a5347b20d905a89bc1515a",
     "41a8b913cb594eea0cb757731c0cb532"},
};

TEST(AesGcm, KnownAnswers) {
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.name);
    const auto key = key_from_hex(c.key);
    const auto sealed = aes256_gcm_encrypt(key, from_hex(c.nonce), from_hex(c.plaintext), from_hex(c.aad));
    EXPECT_EQ(to_hex(sealed.ciphertext, false), c.ciphertext);
    EXPECT_EQ(to_hex(sealed.tag, false), c.tag);
    const auto opened = aes256_gcm_decrypt(key, from_hex(c.nonce), from_hex(c.ciphertext), tag_from_hex(c.tag), from_hex(c.aad));
    EXPECT_EQ(to_hex(opened, false), c.plaintext);
  }
}

TEST(AesGcm, EciesVectorUsesA16ByteNonce) {
  const auto v = test::load_vectors("finetune-crypto-vectors.json")["encryptedSecret"];
  const auto key = key_from_hex(v["hkdfSha256Key"].get<std::string>());
  const auto nonce = from_hex(v["nonce16"].get<std::string>());
  const auto sealed = aes256_gcm_encrypt(key, nonce, from_hex(v["aesKey"].get<std::string>()));
  EXPECT_EQ(to_hex(sealed.ciphertext), v["ciphertext"].get<std::string>());
  EXPECT_EQ(to_hex(sealed.tag), v["gcmTag"].get<std::string>());
}

// node crypto, 100 bytes 00..63 under a 12-byte nonce: 100 is not a multiple of 16.
TEST(AesGcm, StreamingInPiecesMatchesOneShot) {
  const auto key = key_from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  const auto nonce = from_hex("f0f1f2f3f4f5f6f7f8f9fafb");
  Bytes plaintext(100);
  for (std::size_t i = 0; i < plaintext.size(); ++i) plaintext[i] = static_cast<std::uint8_t>(i);
  const std::string expected_ciphertext =
      "69074103783fd47397fefd9182476cb900f04bd12c12598f4e4f29bb452ecc183c3134a764a697beb071e4583b14dda0fb6d3547424126b772ef54e5"
      "6156d2984f7a30877f2c42307939672725ac971e0dd064115a70d4b3a17d5eeb26d07b08a6953de2";
  const std::string expected_tag = "d6d7f86b4785dc531d3c4a8123cec34d";

  AesGcm cipher(key);
  Bytes ciphertext(plaintext.size());
  cipher.begin(AesGcm::Direction::encrypt, nonce);
  const ByteSpan in(plaintext);
  const MutableByteSpan out(ciphertext);
  cipher.update(in.subspan(0, 32), out.subspan(0, 32));
  cipher.update(in.subspan(32, 48), out.subspan(32, 48));
  cipher.update(in.subspan(80), out.subspan(80));
  EXPECT_EQ(to_hex(ciphertext, false), expected_ciphertext);
  EXPECT_EQ(to_hex(cipher.finish_encrypt(), false), expected_tag);

  // The same context decrypts next, in different pieces.
  Bytes decrypted(ciphertext.size());
  cipher.begin(AesGcm::Direction::decrypt, nonce);
  cipher.update(ByteSpan(ciphertext).first(16), MutableByteSpan(decrypted).first(16));
  cipher.update(ByteSpan(ciphertext).subspan(16), MutableByteSpan(decrypted).subspan(16));
  EXPECT_NO_THROW(cipher.finish_decrypt(tag_from_hex(expected_tag)));
  EXPECT_EQ(decrypted, plaintext);
}

TEST(AesGcm, OnlyTheLastPieceMayBeUnaligned) {
  AesGcm cipher(Key{});
  Bytes in(40);
  Bytes out(40);
  cipher.begin(AesGcm::Direction::encrypt, FixedBytes<12>{});
  cipher.update(ByteSpan(in).first(20), MutableByteSpan(out).first(20));
  EXPECT_THROW(cipher.update(ByteSpan(in).subspan(20), MutableByteSpan(out).subspan(20)), UsageError);
}

TEST(AesGcm, AnyAlterationIsAnAuthenticationError) {
  const Key key = key_from_hex(kCases[2].key);
  const auto nonce = from_hex(kCases[2].nonce);
  const auto aad = from_hex(kCases[2].aad);
  const auto sealed = aes256_gcm_encrypt(key, nonce, from_hex(kCases[2].plaintext), aad);

  auto bad_tag = sealed.tag;
  bad_tag[15] ^= 0x01;
  EXPECT_THROW(aes256_gcm_decrypt(key, nonce, sealed.ciphertext, bad_tag, aad), AuthenticationError);

  auto bad_ciphertext = sealed.ciphertext;
  bad_ciphertext[7] ^= 0x80;
  EXPECT_THROW(aes256_gcm_decrypt(key, nonce, bad_ciphertext, sealed.tag, aad), AuthenticationError);

  auto bad_aad = aad;
  bad_aad[0] ^= 0x01;
  EXPECT_THROW(aes256_gcm_decrypt(key, nonce, sealed.ciphertext, sealed.tag, bad_aad), AuthenticationError);
  EXPECT_THROW(aes256_gcm_decrypt(key, nonce, sealed.ciphertext, sealed.tag), AuthenticationError);  // AAD dropped

  auto bad_key = key;
  bad_key[31] ^= 0x01;
  EXPECT_THROW(aes256_gcm_decrypt(bad_key, nonce, sealed.ciphertext, sealed.tag, aad), AuthenticationError);

  auto bad_nonce = nonce;
  bad_nonce[11] ^= 0x01;
  EXPECT_THROW(aes256_gcm_decrypt(key, bad_nonce, sealed.ciphertext, sealed.tag, aad), AuthenticationError);

  EXPECT_THROW(aes256_gcm_decrypt(key, nonce, ByteSpan(sealed.ciphertext).first(59), sealed.tag, aad), AuthenticationError);
}

TEST(AesGcm, RejectsNonceSizesOtherThan12Or16) {
  for (const std::size_t size : {0u, 8u, 11u, 13u, 15u, 17u, 32u}) {
    EXPECT_THROW(aes256_gcm_encrypt(Key{}, Bytes(size), as_bytes("x")), UsageError) << size;
  }
}

TEST(AesGcm, FillRandomProducesDifferentBytes) {
  FixedBytes<32> a{};
  FixedBytes<32> b{};
  fill_random(a);
  fill_random(b);
  EXPECT_NE(a, b);
  EXPECT_NE(a, FixedBytes<32>{});
}

}  // namespace
}  // namespace zg::crypto
