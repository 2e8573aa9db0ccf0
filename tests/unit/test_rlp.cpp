// RLP encoding against the reference examples of the Ethereum RLP specification, and strict decoding.
#include <gtest/gtest.h>

#include <string>

#include "common/error.hpp"
#include "common/hex.hpp"
#include "eth/rlp.hpp"

namespace zg::eth::rlp {
namespace {

Item text(std::string_view s) { return Item::bytes(as_bytes(s)); }
std::string encode_hex(const Item& item) { return to_hex(encode(item)); }

TEST(Rlp, EncodesSpecExamples) {
  EXPECT_EQ(encode_hex(text("dog")), "0x83646f67");
  EXPECT_EQ(encode_hex(Item::list({text("cat"), text("dog")})), "0xc88363617483646f67");
  EXPECT_EQ(encode_hex(text("")), "0x80");
  EXPECT_EQ(encode_hex(Item::list({})), "0xc0");
  EXPECT_EQ(encode_hex(Item::uint(0)), "0x80");
  EXPECT_EQ(encode_hex(Item::bytes(Bytes{0x00})), "0x00");
  EXPECT_EQ(encode_hex(Item::uint(15)), "0x0f");
  EXPECT_EQ(encode_hex(Item::uint(1024)), "0x820400");
  EXPECT_EQ(encode_hex(Item::uint(0x80)), "0x8180");
  // The set-theoretical representation of three: [ [], [[]], [ [], [[]] ] ].
  const Item three = Item::list({Item::list({}), Item::list({Item::list({})}),
                                 Item::list({Item::list({}), Item::list({Item::list({})})})});
  EXPECT_EQ(encode_hex(three), "0xc7c0c1c0c3c0c1c0");
}

TEST(Rlp, EncodesLongStringsAndLists) {
  const std::string lorem = "Lorem ipsum dolor sit amet, consectetur adipisicing elit";  // 56 bytes
  EXPECT_EQ(encode_hex(text(lorem)), "0xb838" + to_hex(as_bytes(lorem), false));
  const std::string exactly55(55, 'a');
  EXPECT_EQ(encode(text(exactly55))[0], 0xb7);
  const Bytes big(1024, 0x11);
  const Bytes encoded = encode(Item::bytes(ByteSpan(big)));
  ASSERT_EQ(encoded.size(), 1024u + 3);
  EXPECT_EQ(encoded[0], 0xb9);
  EXPECT_EQ(encoded[1], 0x04);
  EXPECT_EQ(encoded[2], 0x00);
  // A list whose payload is 56 bytes needs the long list form 0xf8 0x38.
  const Bytes list_encoded = encode(Item::list({text(std::string(55, 'b'))}));
  EXPECT_EQ(list_encoded[0], 0xf8);
  EXPECT_EQ(list_encoded[1], 56);
  EXPECT_EQ(encode_hex(Item::uint(Uint256::from_hex("0x0100000000000000000000000000000000"))),
            "0x910100000000000000000000000000000000");
}

TEST(Rlp, DecodeRoundTripsNestedItems) {
  const Item nested = Item::list({text("cat"), Item::list({Item::uint(1024), text(std::string(100, 'z'))}),
                                  Item::bytes(Bytes{}), Item::list({})});
  EXPECT_EQ(decode(encode(nested)), nested);
  const Item decoded = decode(from_hex("0xc88363617483646f67"));
  ASSERT_TRUE(decoded.is_list());
  ASSERT_EQ(decoded.as_list().size(), 2u);
  EXPECT_EQ(as_text(decoded.as_list()[1].as_bytes()), "dog");
  EXPECT_EQ(decode(from_hex("0x820400")).as_u64("n"), 1024u);
}

void expect_rejected(std::string_view hex, std::string_view reason) {
  try {
    decode(from_hex(hex));
    ADD_FAILURE() << hex << " was accepted";
  } catch (const ParseError& e) {
    EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << hex << ": " << e.what();
  }
}

TEST(Rlp, DecodeRejectsNonCanonicalAndTruncatedInput) {
  expect_rejected("0x", "empty input");
  expect_rejected("0x8100", "single byte below 0x80");
  expect_rejected("0x83646f", "runs past the end");
  expect_rejected("0x83646f6700", "1 trailing bytes");
  expect_rejected("0xb80100", "long form used");
  expect_rejected("0xb90001" + std::string(2, '0'), "leading zero");
  expect_rejected("0xc3646f", "runs past the end");
  expect_rejected("0xc28301", "runs past the end");  // child longer than its parent list
  expect_rejected("0xbfffffffffffffffff", "length field of 8 bytes");
  expect_rejected("0xbbffffffff", "runs past the end");
}

TEST(Rlp, DecodeBoundsDepthAndItemCount) {
  Item item = Item::list({});
  for (int i = 0; i < 20; ++i) item = Item::list({item});
  EXPECT_THROW(decode(encode(item)), ParseError);
  EXPECT_NO_THROW(decode(encode(item), DecodeLimits{.max_depth = 32, .max_items = 100}));
  const Item wide = Item::list(std::vector<Item>(50, Item::uint(1)));
  EXPECT_THROW(decode(encode(wide), DecodeLimits{.max_depth = 4, .max_items = 10}), ParseError);
}

TEST(Rlp, IntegerAccessorsRejectNonCanonicalValues) {
  EXPECT_THROW(Item::bytes(Bytes{0x00, 0x01}).as_u64("nonce"), ParseError);
  EXPECT_THROW(Item::bytes(Bytes(9, 0x01)).as_u64("nonce"), ParseError);
  EXPECT_THROW(Item::bytes(Bytes(33, 0x01)).as_uint256("value"), ParseError);
  EXPECT_THROW(Item::list({}).as_bytes(), ParseError);
  EXPECT_THROW(Item::uint(1).as_list(), ParseError);
  EXPECT_EQ(Item::uint(0xdeadbeef).as_u64("x"), 0xdeadbeefu);
}

}  // namespace
}  // namespace zg::eth::rlp
