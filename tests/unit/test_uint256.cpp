// Uint256: parsing, formatting, byte conversions and checked arithmetic.
// Reference values were computed with Python's arbitrary-precision integers.
#include <gtest/gtest.h>

#include "common/error.hpp"
#include "common/hex.hpp"
#include "eth/uint256.hpp"

namespace zg::eth {
namespace {

const char* const kMaxDec = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
const char* const kMaxHex = "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";

Uint256 max_value() { return Uint256::from_hex(kMaxHex); }

TEST(Uint256, DecimalRoundTrip) {
  EXPECT_EQ(Uint256().to_dec(), "0");
  EXPECT_EQ(Uint256(42).to_dec(), "42");
  EXPECT_EQ(Uint256::from_dec("10000000000000000000").to_dec(), "10000000000000000000");  // 10^19: a chunk boundary
  EXPECT_EQ(Uint256::from_dec("1000000000000000000000000000000000000001").to_dec(),
            "1000000000000000000000000000000000000001");
  EXPECT_EQ(Uint256::from_dec(kMaxDec), max_value());
  EXPECT_EQ(max_value().to_dec(), kMaxDec);
  EXPECT_EQ(Uint256::from_dec("007").low_u64(), 7U);
}

TEST(Uint256, DecimalRejectsBadInput) {
  EXPECT_THROW(Uint256::from_dec(""), ParseError);
  EXPECT_THROW(Uint256::from_dec("12a"), ParseError);
  EXPECT_THROW(Uint256::from_dec("-1"), ParseError);
  EXPECT_THROW(Uint256::from_dec(" 1"), ParseError);
  // 2^256 exactly: one more than the maximum.
  EXPECT_THROW(Uint256::from_dec("115792089237316195423570985008687907853269984665640564039457584007913129639936"),
               ParseError);
}

TEST(Uint256, HexParseAndFormat) {
  EXPECT_EQ(Uint256::from_hex("0x").to_hex(), "0x0");
  EXPECT_EQ(Uint256::from_hex("0x0").to_hex(), "0x0");
  EXPECT_EQ(Uint256::from_hex("0x1A").to_hex(), "0x1a");
  EXPECT_EQ(Uint256::from_hex("ff").low_u64(), 255U);
  EXPECT_EQ(Uint256::from_hex("0x0000000000000000000000000000000000000000000000000000000000000000000001").low_u64(), 1U);
  EXPECT_EQ(max_value().to_hex(), kMaxHex);
  EXPECT_EQ(Uint256::from_hex("0xde0b6b3a7640000").to_dec(), "1000000000000000000");
  EXPECT_THROW(Uint256::from_hex(""), ParseError);
  EXPECT_THROW(Uint256::from_hex("0xg"), ParseError);
  EXPECT_THROW(Uint256::from_hex("0x1ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"), ParseError);
}

TEST(Uint256, ParseChoosesBase) {
  EXPECT_EQ(Uint256::parse("0x10").low_u64(), 16U);
  EXPECT_EQ(Uint256::parse("0X10").low_u64(), 16U);
  EXPECT_EQ(Uint256::parse("10").low_u64(), 10U);
}

TEST(Uint256, BigEndianBytes) {
  const auto value = Uint256::from_hex("0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20");
  const auto bytes = value.to_be_bytes();
  for (std::size_t i = 0; i < 32; ++i) EXPECT_EQ(bytes[i], i + 1);
  EXPECT_EQ(Uint256::from_be_bytes(bytes), value);
  EXPECT_EQ(Uint256::from_be_bytes(from_hex("0x0400")).low_u64(), 1024U);  // short input is left-padded
  EXPECT_EQ(Uint256::from_be_bytes({}), Uint256());
  EXPECT_THROW(Uint256::from_be_bytes(Bytes(33, 0)), ParseError);
}

TEST(Uint256, MinimalBytes) {
  EXPECT_TRUE(Uint256().to_minimal_be_bytes().empty());
  EXPECT_EQ(to_hex(Uint256(0x80).to_minimal_be_bytes()), "0x80");
  EXPECT_EQ(to_hex(Uint256(0x0400).to_minimal_be_bytes()), "0x0400");
  EXPECT_EQ(max_value().to_minimal_be_bytes().size(), 32U);
}

TEST(Uint256, BitLength) {
  EXPECT_EQ(Uint256().bit_length(), 0U);
  EXPECT_EQ(Uint256(1).bit_length(), 1U);
  EXPECT_EQ(Uint256(255).bit_length(), 8U);
  EXPECT_EQ(Uint256::from_hex("0x10000000000000000").bit_length(), 65U);
  EXPECT_EQ(max_value().bit_length(), 256U);
}

TEST(Uint256, AdditionAndSubtraction) {
  const auto carry_chain = Uint256::from_hex("0xffffffffffffffffffffffffffffffff") + Uint256(1);
  EXPECT_EQ(carry_chain.to_hex(), "0x100000000000000000000000000000000");
  EXPECT_EQ((carry_chain - Uint256(1)).to_hex(), "0xffffffffffffffffffffffffffffffff");
  EXPECT_EQ(max_value() - max_value(), Uint256());
  EXPECT_THROW(max_value() + Uint256(1), Error);
  EXPECT_THROW(Uint256(1) - Uint256(2), Error);
  Uint256 sum(5);
  sum += Uint256(7);
  sum -= Uint256(2);
  EXPECT_EQ(sum.low_u64(), 10U);
}

TEST(Uint256, Multiplication) {
  const auto c = Uint256::from_hex("0xdeadbeefcafebabe0123456789abcdef");
  EXPECT_EQ((c * c).to_hex(), "0xc1b1cd138292fa18b4906aaccea5e53efd6e5f50b0bcf170dca5e20890f2a521");
  EXPECT_EQ((max_value() * Uint256(1)), max_value());
  EXPECT_EQ((max_value() * Uint256()), Uint256());
  const auto a = Uint256::from_hex("0x123456789abcdef0fedcba9876543210ffeeddccbbaa99887766554433221100");
  EXPECT_THROW(a * Uint256::from_hex("0xfedcba98765432100123456789abcdef"), Error);
  EXPECT_THROW(Uint256::from_hex("0x10000000000000000000000000000000") *
                   Uint256::from_hex("0x10000000000000000000000000000000000"),
               Error);
}

TEST(Uint256, DivisionAndRemainder) {
  const auto a = Uint256::from_hex("0x123456789abcdef0fedcba9876543210ffeeddccbbaa99887766554433221100");
  const auto b = Uint256::from_hex("0xfedcba98765432100123456789abcdef");
  EXPECT_EQ((a / b).to_hex(), "0x1249249249249238ec5397829cbc14e8");
  EXPECT_EQ((a % b).to_hex(), "0x4284437adc08f72245e200a723d4c468");
  EXPECT_EQ((max_value() / Uint256(7)).to_hex(), "0x2492492492492492492492492492492492492492492492492492492492492492");
  EXPECT_EQ((max_value() % Uint256(7)).low_u64(), 1U);
  // A divisor above 2^255 exercises the carried bit of the long division.
  const auto big = Uint256::from_hex("0x8000000000000000000000000000000000000000000000000000000000003039");
  EXPECT_EQ((max_value() / big).low_u64(), 1U);
  EXPECT_EQ((max_value() % big).to_hex(), "0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffcfc6");
  EXPECT_EQ(Uint256(3) / Uint256(5), Uint256());
  EXPECT_EQ(Uint256(3) % Uint256(5), Uint256(3));
  EXPECT_THROW(a / Uint256(), Error);
  EXPECT_THROW(a % Uint256(), Error);
}

TEST(Uint256, Ordering) {
  EXPECT_LT(Uint256(1), Uint256(2));
  EXPECT_GT(Uint256::from_hex("0x10000000000000000"), Uint256(0xffffffffffffffffULL));
  EXPECT_EQ(Uint256(7), Uint256::from_dec("7"));
  EXPECT_TRUE(Uint256(5).fits_u64());
  EXPECT_FALSE(Uint256::from_hex("0x10000000000000000").fits_u64());
}

}  // namespace
}  // namespace zg::eth
