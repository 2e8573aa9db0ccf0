// Ethereum addresses: EIP-55 checksums (the vectors listed in the EIP), parsing strictness and
// derivation from public keys (SDK vectors in inference-vectors.json).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>

#include "common/error.hpp"
#include "common/hex.hpp"
#include "crypto/secp256k1.hpp"
#include "eth/address.hpp"
#include "vectors.hpp"

namespace zg::eth {
namespace {

// From EIP-55 itself: all-caps, all-lower and mixed-case examples, each a valid checksum.
const char* const kEip55Vectors[] = {
    "0x52908400098527886E0F7030069857D2E4169EE7", "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
    "0xde709f2102306220921060314715629080e2fb77", "0x27b1fdb04752bbc536007a920d24acb045561c26",
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
};

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string uppercase_digits(std::string text) {
  std::transform(text.begin() + 2, text.end(), text.begin() + 2,
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

std::string parse_error(std::string_view text) {
  try {
    (void)Address::from_hex(text);
  } catch (const ParseError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Address, Eip55VectorsRoundTrip) {
  for (const char* vector : kEip55Vectors) {
    const Address address = Address::from_hex(vector);
    EXPECT_EQ(address.checksummed(), vector);
    EXPECT_EQ(address.lower_hex(), lowercase(vector));
  }
}

TEST(Address, AllLowerAndAllUpperAreTakenAsIs) {
  for (const char* vector : kEip55Vectors) {
    const Address expected = Address::from_hex(vector);
    EXPECT_EQ(Address::from_hex(lowercase(vector)), expected) << vector;
    EXPECT_EQ(Address::from_hex(uppercase_digits(vector)), expected) << vector;
  }
}

TEST(Address, MixedCaseWithAWrongChecksumIsRejected) {
  // Flip the case of one letter of a valid checksummed address.
  std::string text = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
  text[3] = 'A';
  EXPECT_EQ(parse_error(text), "address 0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed: bad EIP-55 checksum");
  text = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359";
  text.back() = '9';
  text[text.size() - 2] = 'A';  // ...5A59: the same bytes as ...5a59 would be, wrong case
  EXPECT_NE(parse_error(text).find("bad EIP-55 checksum"), std::string::npos);
}

TEST(Address, RejectsMalformedText) {
  EXPECT_NE(parse_error("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed").find("expected 0x followed by 40 hex digits"),
            std::string::npos);
  EXPECT_NE(parse_error("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae").find("got 41 characters"), std::string::npos);
  EXPECT_NE(parse_error("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed00").find("got 44 characters"), std::string::npos);
  EXPECT_NE(parse_error("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beagd").find("invalid hex character"), std::string::npos);
  EXPECT_NE(parse_error("").find("expected 0x"), std::string::npos);
  EXPECT_NE(parse_error("0x 5aaeb6053f3e94c9b9a09f33669435e7ef1beae").find("invalid hex character"), std::string::npos);
}

TEST(Address, FromPublicKeyMatchesTheSdkSigners) {
  const auto vectors = test::load_vectors("inference-vectors.json");
  const auto& session = vectors.at("sessionToken").at("inputs");
  const auto user = crypto::PrivateKey::from_hex(session.at("userPrivateKey").get<std::string>());
  EXPECT_EQ(Address::from_public_key(user.public_key()).checksummed(), "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
  const auto& response = vectors.at("responseSignature");
  const auto tee = crypto::PrivateKey::from_hex(response.at("teePrivateKey").get<std::string>());
  EXPECT_EQ(Address::from_public_key(tee.public_key()).checksummed(),
            response.at("teeSignerAddress").get<std::string>());
}

TEST(Address, ZeroAndOrdering) {
  EXPECT_TRUE(Address().is_zero());
  EXPECT_EQ(Address().lower_hex(), "0x0000000000000000000000000000000000000000");
  EXPECT_EQ(Address().checksummed(), "0x0000000000000000000000000000000000000000");
  const Address a = Address::from_hex("0x27b1fdb04752bbc536007a920d24acb045561c26");
  const Address b = Address::from_hex("0xde709f2102306220921060314715629080e2fb77");
  EXPECT_FALSE(a.is_zero());
  EXPECT_LT(a, b);
  EXPECT_EQ(std::set<Address>({b, a, b}).size(), 2u);
}

}  // namespace
}  // namespace zg::eth
