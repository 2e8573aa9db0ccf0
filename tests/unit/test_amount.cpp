// Exact decimal amounts: "1.5" 0G <-> 1500000000000000000 neuron, and the inputs we refuse.
#include <gtest/gtest.h>

#include <string>

#include "common/error.hpp"
#include "eth/uint256.hpp"

namespace zg::eth {
namespace {

std::string usage_error_of(std::string_view text, unsigned decimals = 18) {
  try {
    parse_amount(text, decimals);
  } catch (const UsageError& error) {
    return error.what();
  }
  return "no error";
}

TEST(Amount, ParsesWholeAndFractionalAmounts) {
  EXPECT_EQ(parse_amount("1.5").to_dec(), "1500000000000000000");
  EXPECT_EQ(parse_amount("3").to_dec(), "3000000000000000000");
  EXPECT_EQ(parse_amount("0").to_dec(), "0");
  EXPECT_EQ(parse_amount("0.000000000000000001").to_dec(), "1");
  EXPECT_EQ(parse_amount("0.100").to_dec(), "100000000000000000");
  EXPECT_EQ(parse_amount("1.000000000000000000").to_dec(), "1000000000000000000");  // trailing zeros up to the limit
  EXPECT_EQ(parse_amount("123456789.123456789").to_dec(), "123456789123456789000000000");
  EXPECT_EQ(parse_amount("12.34", 2).to_dec(), "1234");
  EXPECT_EQ(parse_amount("7", 0).to_dec(), "7");
}

TEST(Amount, FormatsWithoutTrailingZeros) {
  EXPECT_EQ(format_amount(Uint256::from_dec("1500000000000000000")), "1.5");
  EXPECT_EQ(format_amount(Uint256::from_dec("3000000000000000000")), "3");
  EXPECT_EQ(format_amount(Uint256(1)), "0.000000000000000001");
  EXPECT_EQ(format_amount(Uint256()), "0");
  EXPECT_EQ(format_amount(Uint256(550000000000ULL)), "0.00000055");
  EXPECT_EQ(format_amount(Uint256(1234), 2), "12.34");
  EXPECT_EQ(format_amount(Uint256(1234), 0), "1234");
  EXPECT_EQ(format_amount(Uint256::from_hex("0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")),
            "115792089237316195423570985008687907853269984665640564039457.584007913129639935");
}

TEST(Amount, RoundTrips) {
  for (const char* text : {"0.5", "1", "2.000000000000000001", "100.25", "0.000000001"}) {
    EXPECT_EQ(format_amount(parse_amount(text)), text);
  }
}

TEST(Amount, RejectsWithReadableReasons) {
  EXPECT_NE(usage_error_of("-1").find("negative"), std::string::npos);
  EXPECT_NE(usage_error_of("+1").find("sign"), std::string::npos);
  EXPECT_NE(usage_error_of("1e18").find("exponent"), std::string::npos);
  EXPECT_NE(usage_error_of("").find("empty"), std::string::npos);
  // Decided: both sides of the point need digits, so "1." and ".5" are refused with a hint.
  EXPECT_NE(usage_error_of("1.").find("after the decimal point"), std::string::npos);
  EXPECT_NE(usage_error_of(".5").find("before the decimal point (e.g. 0.5)"), std::string::npos);
  EXPECT_NE(usage_error_of("1.0000000000000000001").find("more than 18 decimal places"), std::string::npos);
  EXPECT_NE(usage_error_of("1.2.3").find("more than one decimal point"), std::string::npos);
  EXPECT_NE(usage_error_of("1,000").find("separators"), std::string::npos);
  EXPECT_NE(usage_error_of(" 1").find("separators or spaces"), std::string::npos);
  EXPECT_NE(usage_error_of("0x10").find("'x' is not a digit"), std::string::npos);
  EXPECT_NE(usage_error_of("1.5", 0).find("more than 0 decimal places"), std::string::npos);
  // 2^256 / 10^18 is about 1.16e59, so a 60-digit whole number overflows.
  EXPECT_NE(usage_error_of(std::string(60, '9')).find("too large"), std::string::npos);
  EXPECT_THROW(parse_amount("1", 78), UsageError);
  EXPECT_EQ(usage_error_of("-1").rfind("amount \"-1\": ", 0), 0U);  // the message quotes the input
}

}  // namespace
}  // namespace zg::eth
