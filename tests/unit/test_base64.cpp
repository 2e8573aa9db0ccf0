// Base64: the RFC 4648 §10 vectors, round trips of every byte value, and strict rejection of
// everything that is not the one canonical padded encoding.
#include <gtest/gtest.h>

#include <string>

#include "common/base64.hpp"
#include "common/error.hpp"

namespace zg {
namespace {

TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(as_bytes(plain)), encoded);
    EXPECT_EQ(as_text(base64_decode(encoded)), plain);
  }
}

TEST(Base64, UsesTheStandardAlphabetIncludingPlusAndSlash) {
  const Bytes bytes{0xfb, 0xff, 0xbf};
  EXPECT_EQ(base64_encode(bytes), "+/+/");
  EXPECT_EQ(base64_decode("+/+/"), bytes);
}

TEST(Base64, RoundTripsEveryByteAtEveryLength) {
  Bytes all(256);
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::uint8_t>(255 - i);
  for (std::size_t length = 0; length <= all.size(); ++length) {
    const ByteSpan prefix = ByteSpan(all).first(length);
    const auto encoded = base64_encode(prefix);
    ASSERT_EQ(encoded.size(), (length + 2) / 3 * 4);
    const auto decoded = base64_decode(encoded);
    ASSERT_EQ(Bytes(prefix.begin(), prefix.end()), decoded) << length;
  }
}

std::string decode_error(std::string_view text) {
  try {
    (void)base64_decode(text);
  } catch (const ParseError& error) {
    return error.what();
  }
  return "accepted";
}

TEST(Base64, RejectsNonCanonicalOrMalformedInput) {
  EXPECT_NE(decode_error("Zg").find("multiple of 4"), std::string::npos);         // padding missing
  EXPECT_NE(decode_error("Zg=").find("multiple of 4"), std::string::npos);
  EXPECT_NE(decode_error("Z===").find("padding"), std::string::npos);             // three '='
  EXPECT_NE(decode_error("====").find("padding"), std::string::npos);
  EXPECT_NE(decode_error("Zh==").find("non-zero unused bits"), std::string::npos);  // 'h' leaves bits set
  EXPECT_NE(decode_error("Zm9=").find("non-zero unused bits"), std::string::npos);
  EXPECT_NE(decode_error("Zg==Zg==").find("invalid character at position 2"), std::string::npos);  // padding inside
  EXPECT_NE(decode_error("Zm-v").find("invalid character at position 2"), std::string::npos);      // URL alphabet
  EXPECT_NE(decode_error("Zm_v").find("invalid character"), std::string::npos);
  EXPECT_NE(decode_error("Zm 9").find("invalid character at position 2"), std::string::npos);      // whitespace
  EXPECT_NE(decode_error("Zm9v\n").find("multiple of 4"), std::string::npos);
  EXPECT_NE(decode_error(std::string_view("Zm\0v", 4)).find("invalid character at position 2"), std::string::npos);
  EXPECT_NE(decode_error("Zm9\xc3").find("invalid character at position 3"), std::string::npos);
  EXPECT_EQ(decode_error("Zm9v"), "accepted");
}

}  // namespace
}  // namespace zg
