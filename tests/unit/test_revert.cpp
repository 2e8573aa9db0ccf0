// Revert data -> readable messages. The revert data hex values were produced with ethers v6
// (Interface.encodeErrorResult) for the 0G contract errors and for Error(string) / Panic(uint256).
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "common/hex.hpp"
#include "eth/revert.hpp"
#include "vectors.hpp"

namespace zg::eth {
namespace {

TEST(Revert, MinimumDepositRequired) {
  const auto data = from_hex(
      "0x54443ec40000000000000000000000000000000000000000000000000de0b6b3a764000000000000000000000000000000000000000000000000000029"
      "a2241af62c0000");
  const auto reason = decode_revert(data);
  EXPECT_EQ(reason.kind, RevertReason::Kind::kCustomError);
  EXPECT_EQ(reason.error_name, "MinimumDepositRequired");
  EXPECT_EQ(reason.message, "MinimumDepositRequired(provided=1000000000000000000, required=3000000000000000000)");
  EXPECT_EQ(reason.arguments["required"].as_uint().to_dec(), "3000000000000000000");
}

TEST(Revert, AccountNotExists) {
  const auto data = from_hex(
      "0x08ca03ac000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb9226600000000000000000000000070997970c51812dc3a010c7d01"
      "b50e0d17dc79c8");
  EXPECT_EQ(describe_revert(data),
            "AccountNotExists(user=0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266, provider=0x70997970C51812dc3A010C7d01b50e0d17dc79C8)");
}

TEST(Revert, CustomErrorWithString) {
  const auto data = from_hex(
      "0x6753c72200000000000000000000000000000000000000000000000000000000000000200000000000000000000000000000000000000000000000000000"
      "000000000005626f677573000000000000000000000000000000000000000000000000000000");
  EXPECT_EQ(describe_revert(data), "InvalidServiceType(serviceType=\"bogus\")");
}

TEST(Revert, ErrorString) {
  const auto data = from_hex(
      "0x08c379a0000000000000000000000000000000000000000000000000000000000000002000000000000000000000000000000000000000000000000000"
      "000000000000234c65646765724d616e616765723a20696e73756666696369656e742062616c616e636500000000000000000000000000000000000000"
      "00000000000000000000");
  const auto reason = decode_revert(data);
  EXPECT_EQ(reason.kind, RevertReason::Kind::kErrorString);
  EXPECT_EQ(reason.message, "LedgerManager: insufficient balance");
}

TEST(Revert, Panic) {
  const auto reason = decode_revert(from_hex("0x4e487b710000000000000000000000000000000000000000000000000000000000000011"));
  EXPECT_EQ(reason.kind, RevertReason::Kind::kPanic);
  EXPECT_EQ(reason.message, "panic 0x11 (arithmetic overflow or underflow)");
  EXPECT_EQ(describe_revert(from_hex("0x4e487b710000000000000000000000000000000000000000000000000000000000000012")),
            "panic 0x12 (division or modulo by zero)");
  EXPECT_EQ(describe_revert(from_hex("0x4e487b7100000000000000000000000000000000000000000000000000000000000000aa")), "panic 0xaa");
}

TEST(Revert, EmptyUnknownAndMalformed) {
  EXPECT_EQ(decode_revert({}).kind, RevertReason::Kind::kEmpty);
  EXPECT_EQ(describe_revert({}), "reverted without a reason");
  EXPECT_EQ(describe_revert(from_hex("0x12345678")), "unknown custom error 0x12345678");
  EXPECT_EQ(describe_revert(from_hex("0x12345678abcd")), "unknown custom error 0x12345678 with data 0xabcd");
  EXPECT_EQ(describe_revert(from_hex("0x1234")), "malformed revert data (data 0x1234)");
  // A known selector whose arguments are cut short.
  const auto truncated = decode_revert(from_hex("0x54443ec4000000"));
  EXPECT_EQ(truncated.kind, RevertReason::Kind::kMalformed);
  EXPECT_EQ(truncated.message, "MinimumDepositRequired with malformed arguments (data 0x54443ec4000000)");
  EXPECT_EQ(decode_revert(from_hex("0x08c379a0ff")).message, "Error with malformed arguments (data 0x08c379a0ff)");
  // Long data is shortened in the message.
  Bytes long_data(1000, 0x11);
  EXPECT_NE(describe_revert(long_data).find("... (996 bytes)"), std::string::npos);
}

TEST(Revert, ControlCharactersInReasonsAreEscaped) {
  const auto error = CustomError::parse("error Error(string)");
  EXPECT_EQ(describe_revert(error.encode({"line\nbreak\x1b[31m"})), "line\\x0abreak\\x1b[31m");
}

TEST(Revert, ExtraErrorsComeFirst) {
  const CustomError extra = CustomError::parse("error OnlyHere(uint8 code, bool fatal)");
  const auto data = extra.encode({7U, true});
  EXPECT_EQ(describe_revert(data), "unknown custom error " + to_hex(extra.selector()) + " with data " + to_hex(ByteSpan(data).subspan(4)));
  EXPECT_EQ(decode_revert(data, std::span(&extra, 1)).message, "OnlyHere(code=7, fatal=true)");
}

TEST(Revert, EveryErrorOfTheSdkListIsKnown) {
  std::ifstream in(test::vectors_path("inference-abi-signatures.txt"));
  int checked = 0;
  for (std::string line; std::getline(in, line);) {
    const auto error_at = line.find(" error ");
    if (line.rfind("0x", 0) != 0 || error_at == std::string::npos) continue;
    const auto selector = fixed_from_hex<4>(line.substr(0, error_at), "selector");
    const auto* known = find_known_error(selector);
    ASSERT_NE(known, nullptr) << line;
    EXPECT_EQ(known->name(), line.substr(error_at + 7, line.find('(') - error_at - 7));
    ++checked;
  }
  EXPECT_EQ(checked, 48);
  // Fine-tuning errors come from the FineTuningServing ABI, which the list above does not cover.
  const auto* deliverable = find_known_error(fixed_from_hex<4>("0xbd06bd96", "selector"));
  ASSERT_NE(deliverable, nullptr);
  EXPECT_EQ(deliverable->signature(), "DeliverableNotExists(string)");
  EXPECT_NE(find_known_error(fixed_from_hex<4>("0x2441e569", "selector")), nullptr);  // CallerNotLedger()
  EXPECT_EQ(known_errors().size(), 62U);  // 20 + 25 + 17 distinct selectors over the three contracts
}

}  // namespace
}  // namespace zg::eth
