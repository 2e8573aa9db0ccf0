// ABI codec: the type parser, every signature of the SDK's ABI list, the SDK calldata vectors,
// round trips against ethers-generated encodings, events, and hostile input.
// The *_HEX constants below were produced with ethers v6 (AbiCoder / Interface) from the values
// the tests build.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "common/error.hpp"
#include "common/hex.hpp"
#include "eth/abi.hpp"
#include "vectors.hpp"

namespace zg::eth {
namespace {

const Address kUser = Address::from_hex("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
const Address kProvider = Address::from_hex("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");

Uint256 ether(std::uint64_t whole) { return Uint256(whole) * Uint256(1'000'000'000'000'000'000ULL); }

std::string parse_error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const ParseError& error) {
    return error.what();
  }
  return "no ParseError";
}

// ---- the type model ----

TEST(AbiType, CanonicalFormsAndNames) {
  const auto type = AbiType::parse("(address provider, string serviceType, uint256[] prices, (uint256 index, bool processed)[] refunds)");
  EXPECT_EQ(type.canonical(), "(address,string,uint256[],(uint256,bool)[])");
  ASSERT_EQ(type.components().size(), 4U);
  EXPECT_EQ(type.components()[1].name, "serviceType");
  EXPECT_EQ(type.components()[3].type.element().components()[1].name, "processed");
  EXPECT_TRUE(type.is_dynamic());
  EXPECT_EQ(AbiType::parse("uint").canonical(), "uint256");
  EXPECT_EQ(AbiType::parse("int").canonical(), "int256");
  EXPECT_EQ(AbiType::parse("tuple(uint8,bytes32)[2][]").canonical(), "(uint8,bytes32)[2][]");
  EXPECT_EQ(AbiType::parse("  ( address , bool ) ").canonical(), "(address,bool)");
  EXPECT_EQ(AbiType::parse("()").canonical(), "()");
}

TEST(AbiType, StaticSizes) {
  EXPECT_EQ(AbiType::parse("uint8").head_size(), 32U);
  EXPECT_EQ(AbiType::parse("(uint256,bool)").head_size(), 64U);
  EXPECT_EQ(AbiType::parse("(uint256,bool)[3]").head_size(), 192U);
  EXPECT_FALSE(AbiType::parse("(uint256,bool)[3]").is_dynamic());
  EXPECT_TRUE(AbiType::parse("string[3]").is_dynamic());
  EXPECT_EQ(AbiType::parse("string[3]").head_size(), 32U);
}

TEST(AbiType, RejectsBadTypes) {
  for (const char* bad : {"uint7", "uint264", "int0", "bytes0", "bytes33", "float", "uint256[0]", "uint256[", "uint256[x]",
                          "(uint256", "(uint256,)", "uint256 extra words here", "", "tuple uint256", "uint08",
                          "uint256[65537]", "(uint256[65536][65536])"}) {
    EXPECT_THROW(AbiType::parse(bad), ParseError) << bad;
  }
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "(";
  deep += "uint256";
  for (int i = 0; i < 40; ++i) deep += ")";
  EXPECT_NE(parse_error_of([&] { AbiType::parse(deep); }).find("nested more than 32"), std::string::npos);
  std::string deep_arrays = "uint256";
  for (int i = 0; i < 40; ++i) deep_arrays += "[]";
  EXPECT_THROW(AbiType::parse(deep_arrays), ParseError);
  EXPECT_NE(parse_error_of([] { AbiType::parse("uint7"); }).find("uint7"), std::string::npos);
}

// ---- every line of the SDK's ABI list ----

struct SignatureLine {
  std::string contract;
  std::string expected;  // selector or topic0, 0x-hex
  std::string text;      // "function ...", "event ...", "error ..."
};

std::vector<SignatureLine> load_signature_lines() {
  std::ifstream in(test::vectors_path("inference-abi-signatures.txt"));
  std::vector<SignatureLine> lines;
  std::string contract;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("## ", 0) == 0) contract = line.substr(3, line.find(' ', 3) - 3);
    if (line.rfind("0x", 0) != 0) continue;
    const auto space = line.find(' ');
    lines.push_back({contract, line.substr(0, space), line.substr(space + 1)});
  }
  return lines;
}

TEST(AbiSignatures, EveryLineOfTheSdkListMatchesItsSelectorOrTopic) {
  const auto lines = load_signature_lines();
  ASSERT_EQ(lines.size(), 140U);  // 69 functions, 23 events, 48 errors
  int functions = 0, events = 0, errors = 0;
  for (const auto& line : lines) {
    SCOPED_TRACE(line.text);
    if (line.text.rfind("function ", 0) == 0) {
      EXPECT_EQ(to_hex(Function::parse(line.text).selector()), line.expected);
      ++functions;
    } else if (line.text.rfind("event ", 0) == 0) {
      EXPECT_EQ(to_hex(Event::parse(line.text).topic0()), line.expected);
      ++events;
    } else {
      ASSERT_EQ(line.text.rfind("error ", 0), 0U);
      EXPECT_EQ(to_hex(CustomError::parse(line.text).selector()), line.expected);
      ++errors;
    }
  }
  EXPECT_EQ(functions, 69);
  EXPECT_EQ(events, 23);
  EXPECT_EQ(errors, 48);
}

TEST(AbiSignatures, FunctionPartsAreUnderstood) {
  const auto get_account = Function::parse(
      "function getAccount(address user, address provider) view returns ((address user, address provider, uint256 nonce, "
      "uint256 balance, uint256 pendingRefund, (uint256 index, uint256 amount, uint256 createdAt, bool processed)[] refunds, "
      "string additionalInfo, bool acknowledged, uint256 validRefundsLength, uint256 generation, uint256 revokedBitmap))");
  EXPECT_EQ(get_account.name(), "getAccount");
  EXPECT_EQ(get_account.signature(), "getAccount(address,address)");
  EXPECT_EQ(get_account.mutability(), StateMutability::kView);
  EXPECT_EQ(get_account.outputs().components().size(), 1U);
  EXPECT_EQ(Function::parse("function depositFund() payable").mutability(), StateMutability::kPayable);
  EXPECT_EQ(Function::parse("refund(uint256)").signature(), "refund(uint256)");  // keyword and names optional
  EXPECT_EQ(Function::parse("function addLedger(string additionalInfo) payable returns (uint256, uint256)").outputs().canonical(),
            "(uint256,uint256)");
  EXPECT_EQ(Function::parse("function f(uint[] memory xs) external pure returns (bytes32)").signature(), "f(uint256[])");
  for (const char* bad : {"function (uint256)", "function f(uint256", "function f() view returns", "function f() sometimes",
                          "function f() returns (uint256) returns (uint256)", "function f(uint256 indexed x)", "function 1f()"}) {
    EXPECT_THROW(Function::parse(bad), ParseError) << bad;
  }
}

// ---- the SDK's calldata vectors ----

const std::map<std::string, std::string>& function_signatures() {
  static const auto table = [] {
    std::map<std::string, std::string> out;
    for (const auto& line : load_signature_lines()) {
      if (line.text.rfind("function ", 0) != 0) continue;
      const auto function = Function::parse(line.text);
      out[line.contract + "." + function.name()] = line.text;
    }
    return out;
  }();
  return table;
}

TEST(AbiCalldata, MatchesEverySdkVector) {
  const AbiValue inference_v1 = "inference-v1.0";
  const std::map<std::string, AbiValue::List> arguments = {
      {"LedgerManager.depositFund() [msg.value=3e18]", {}},
      {"LedgerManager.addLedger(\"\") [msg.value=3e18]", {""}},
      {"LedgerManager.getLedger(user)", {kUser}},
      {"LedgerManager.getServiceInfo(testnetInference)", {Address::from_hex("0xa79f4c8311ff93c06b8cfb403690cc987c93f91e")}},
      {"LedgerManager.transferFund(provider,\"inference-v1.0\",1e18)", {kProvider, inference_v1, ether(1)}},
      {"LedgerManager.retrieveFund([provider],\"inference-v1.0\")", {AbiValue::List{kProvider}, inference_v1}},
      {"LedgerManager.refund(1e18)", {ether(1)}},
      {"LedgerManager.getLedgerProviders(user,\"inference-v1.0\")", {kUser, inference_v1}},
      {"InferenceServing.getService(provider)", {kProvider}},
      {"InferenceServing.getAllServices(0,50)", {0U, 50U}},
      {"InferenceServing.getAccount(user,provider)", {kUser, kProvider}},
      {"InferenceServing.acknowledgeTEESigner(provider,true)", {kProvider, true}},
      {"InferenceServing.revokeToken(provider,3)", {kProvider, 3U}},
      {"InferenceServing.revokeAllTokens(provider)", {kProvider}},
      {"InferenceServing.lockTime()", {}},
  };
  const auto vectors = test::load_vectors("inference-vectors.json")["abi"]["calldata"];
  ASSERT_EQ(vectors.size(), arguments.size());
  for (const auto& [key, expected] : vectors.items()) {
    SCOPED_TRACE(key);
    ASSERT_TRUE(arguments.count(key)) << "no arguments written for this vector";
    const auto function = Function::parse(function_signatures().at(key.substr(0, key.find('('))));
    const auto calldata = function.encode_call(arguments.at(key));
    EXPECT_EQ(to_hex(calldata), expected.get<std::string>());
    EXPECT_EQ(function.decode_call(calldata), AbiValue(arguments.at(key)));  // and back
  }
}

TEST(AbiCalldata, StructArgumentAndSmallIntArray) {
  const auto add_or_update = Function::parse(function_signatures().at("InferenceServing.addOrUpdateService"));
  const AbiValue::List params{"chatbot", "https://p.example", "qwen", "TeeML", Uint256(50'000'000'000ULL),
                              Uint256(100'000'000'000ULL), "{}", kProvider};
  EXPECT_EQ(to_hex(add_or_update.encode_call({AbiValue(params)})),
            "0x398c8e4e0000000000000000000000000000000000000000000000000000000000000020000000000000000000000000000000000000"
            "00000000000000000000000001000000000000000000000000000000000000000000000000000000000000000140000000000000000000"
            "000000000000000000000000000000000000000000018000000000000000000000000000000000000000000000000000000000000001c0"
            "0000000000000000000000000000000000000000000000000000000ba43b74000000000000000000000000000000000000000000000000"
            "00000000174876e80000000000000000000000000000000000000000000000000000000000000002000000000000000000000000007099"
            "7970c51812dc3a010c7d01b50e0d17dc79c800000000000000000000000000000000000000000000000000000000000000076368617462"
            "6f740000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
            "0000001168747470733a2f2f702e6578616d706c6500000000000000000000000000000000000000000000000000000000000000000000"
            "000000000000000000000000047177656e0000000000000000000000000000000000000000000000000000000000000000000000000000"
            "000000000000000000000000000000000000000000055465654d4c00000000000000000000000000000000000000000000000000000000"
            "000000000000000000000000000000000000000000000000000000000000027b7d00000000000000000000000000000000000000000000"
            "0000000000000000");
  try {
    add_or_update.encode_call({params});  // a braced List is copied, not nested: the message explains
    ADD_FAILURE() << "a bare List was taken as the struct";
  } catch (const UsageError& error) {
    EXPECT_NE(std::string(error.what()).find("pass a struct argument as AbiValue(list)"), std::string::npos);
  }
  const auto revoke = Function::parse(function_signatures().at("InferenceServing.revokeTokens"));
  EXPECT_EQ(to_hex(revoke.encode_call({kProvider, AbiValue::List{1U, 2U, 255U}})),
            "0x17c30a0300000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c8000000000000000000000000000000000000"
            "00000000000000000000000000400000000000000000000000000000000000000000000000000000000000000003000000000000000000"
            "00000000000000000000000000000000000000000000010000000000000000000000000000000000000000000000000000000000000002"
            "00000000000000000000000000000000000000000000000000000000000000ff");
}

TEST(AbiCalldata, WrongArgumentsAreUsageErrors) {
  const auto transfer = Function::parse(function_signatures().at("LedgerManager.transferFund"));
  EXPECT_THROW(transfer.encode_call({kProvider, "inference"}), UsageError);           // too few
  EXPECT_THROW(transfer.encode_call({kProvider, 5U, ether(1)}), UsageError);          // uint for string
  const auto revoke = Function::parse(function_signatures().at("InferenceServing.revokeToken"));
  try {
    revoke.encode_call({kProvider, 256U});  // uint8
    ADD_FAILURE() << "256 fitted uint8";
  } catch (const UsageError& error) {
    EXPECT_NE(std::string(error.what()).find("tokenId (uint8) value 256 does not fit 8 bits"), std::string::npos) << error.what();
  }
  EXPECT_THROW(AbiValue(-1), UsageError);  // negative numbers need from_int
}

// ---- the SDK's getService return value ----

TEST(AbiDecode, GetServiceReturnValueByFieldName) {
  const auto vector = test::load_vectors("inference-vectors.json")["abi"]["getServiceReturn"];
  const auto get_service = Function::parse(function_signatures().at("InferenceServing.getService"));
  const auto encoded = from_hex(vector["encoded"].get<std::string>());
  const auto result = get_service.decode_output(encoded);
  const auto& service = result["service"];
  const auto& expected = vector["tuple"];
  EXPECT_EQ(service["provider"].as_address().checksummed(), expected[0].get<std::string>());
  EXPECT_EQ(service["serviceType"].as_string(), expected[1].get<std::string>());
  EXPECT_EQ(service["url"].as_string(), expected[2].get<std::string>());
  EXPECT_EQ(service["inputPrice"].as_uint().to_dec(), expected[3].get<std::string>());
  EXPECT_EQ(service["outputPrice"].as_uint().to_dec(), expected[4].get<std::string>());
  EXPECT_EQ(service["updatedAt"].as_uint().to_dec(), expected[5].get<std::string>());
  EXPECT_EQ(service["model"].as_string(), expected[6].get<std::string>());
  EXPECT_EQ(service["verifiability"].as_string(), expected[7].get<std::string>());
  EXPECT_EQ(service["additionalInfo"].as_string(), expected[8].get<std::string>());
  EXPECT_EQ(service["teeSignerAddress"].as_address().checksummed(), expected[9].get<std::string>());
  EXPECT_EQ(service["teeSignerAcknowledged"].as_bool() ? "true" : "false", expected[10].get<std::string>());
  EXPECT_EQ(result[0][1].as_string(), "chatbot");  // by position too
  EXPECT_TRUE(service.has_field("model"));
  EXPECT_FALSE(service.has_field("nonsense"));
  EXPECT_THROW(service["nonsense"], Error);
  // Our encoder produces the SDK's bytes from the decoded value.
  EXPECT_EQ(get_service.encode_output({service}), encoded);
}

// ---- round trips against ethers ----

struct RoundTrip {
  const char* type;
  AbiValue::List values;
  const char* ethers_hex;
};

void expect_round_trip(const RoundTrip& test) {
  SCOPED_TRACE(test.type);
  const auto type = AbiType::parse(test.type);
  const auto encoded = abi_encode(type, AbiValue(test.values));
  EXPECT_EQ(to_hex(encoded), test.ethers_hex);
  EXPECT_EQ(abi_decode(type, encoded), AbiValue(test.values));
}

TEST(AbiRoundTrip, NestedTupleWithDynamicMembers) {
  expect_round_trip(
      {"(address,string,uint256[],(uint256,bool)[])",
       {kProvider, "hello, 0G", AbiValue::List{1U, 2U, 3U}, AbiValue::List{AbiValue::List{7U, true}, AbiValue::List{8U, false}}},
       "0x00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c800000000000000000000000000000000000000000000"
       "0000000000000000008000000000000000000000000000000000000000000000000000000000000000c000000000000000000000000000"
       "00000000000000000000000000000000000140000000000000000000000000000000000000000000000000000000000000000968656c6c"
       "6f2c2030470000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
       "00000000030000000000000000000000000000000000000000000000000000000000000001000000000000000000000000000000000000"
       "00000000000000000000000000020000000000000000000000000000000000000000000000000000000000000003000000000000000000"
       "00000000000000000000000000000000000000000000020000000000000000000000000000000000000000000000000000000000000007"
       "00000000000000000000000000000000000000000000000000000000000000010000000000000000000000000000000000000000000000"
       "0000000000000000080000000000000000000000000000000000000000000000000000000000000000"});
}

TEST(AbiRoundTrip, BytesAndStringArray) {
  expect_round_trip(
      {"(bytes,string[],uint256)",
       {Bytes{0xde, 0xad, 0xbe, 0xef}, AbiValue::List{"a", "", "a longer string that spans more than thirty-two bytes"}, 42U},
       "0x000000000000000000000000000000000000000000000000000000000000006000000000000000000000000000000000000000000000"
       "000000000000000000a0000000000000000000000000000000000000000000000000000000000000002a00000000000000000000000000"
       "00000000000000000000000000000000000004deadbeef0000000000000000000000000000000000000000000000000000000000000000"
       "00000000000000000000000000000000000000000000000000000003000000000000000000000000000000000000000000000000000000"
       "000000006000000000000000000000000000000000000000000000000000000000000000a0000000000000000000000000000000000000"
       "00000000000000000000000000c00000000000000000000000000000000000000000000000000000000000000001610000000000000000"
       "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
       "000000000000000000000000000000000000000000000000000000000000003561206c6f6e67657220737472696e672074686174207370"
       "616e73206d6f7265207468616e207468697274792d74776f2062797465730000000000000000000000"});
}

TEST(AbiRoundTrip, SignedIntsAndFixedBytes) {
  expect_round_trip(
      {"(int8,int256,uint8,bytes32,bytes3,bool,int64)",
       {AbiValue::from_int(-1), AbiValue::from_int(-123456789), 255U, Bytes(32, 0xab), Bytes{1, 2, 3}, true,
        AbiValue::from_int(INT64_MIN)},
       "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
       "fffffffffffff8a432eb00000000000000000000000000000000000000000000000000000000000000ffababababababababababababab"
       "ababababababababababababababababababab010203000000000000000000000000000000000000000000000000000000000000000000"
       "00000000000000000000000000000000000000000000000000000001ffffffffffffffffffffffffffffffffffffffffffffffff800000"
       "0000000000"});
  const auto decoded = abi_decode(AbiType::parse("(int8,int256)"),
                                  abi_encode(AbiType::parse("(int8,int256)"), AbiValue::List{AbiValue::from_int(-128), AbiValue::from_int(77)}));
  EXPECT_EQ(decoded[0].as_int64(), -128);
  EXPECT_EQ(decoded[1].as_int64(), 77);
  EXPECT_EQ(abi_format(AbiType::parse("int8"), decoded[0]), "-128");
  EXPECT_THROW(abi_encode(AbiType::parse("(int8)"), AbiValue::List{AbiValue::from_int(-129)}), UsageError);
  EXPECT_THROW(abi_encode(AbiType::parse("(int8)"), AbiValue::List{128U}), UsageError);
  EXPECT_THROW(abi_encode(AbiType::parse("(bytes3)"), AbiValue::List{Bytes{1, 2}}), UsageError);
}

TEST(AbiRoundTrip, FixedArrays) {
  expect_round_trip(
      {"(string[2],uint256[2][],(string,uint256)[2])",
       {AbiValue::List{"x", "yz"}, AbiValue::List{AbiValue::List{1U, 2U}, AbiValue::List{3U, 4U}},
        AbiValue::List{AbiValue::List{"p", 5U}, AbiValue::List{"q", 6U}}},
       "0x000000000000000000000000000000000000000000000000000000000000006000000000000000000000000000000000000000000000"
       "0000000000000000012000000000000000000000000000000000000000000000000000000000000001c000000000000000000000000000"
       "00000000000000000000000000000000000040000000000000000000000000000000000000000000000000000000000000008000000000"
       "00000000000000000000000000000000000000000000000000000001780000000000000000000000000000000000000000000000000000"
       "00000000000000000000000000000000000000000000000000000000000000000000000002797a00000000000000000000000000000000"
       "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000002000000000000000000"
       "00000000000000000000000000000000000000000000010000000000000000000000000000000000000000000000000000000000000002"
       "00000000000000000000000000000000000000000000000000000000000000030000000000000000000000000000000000000000000000"
       "00000000000000000400000000000000000000000000000000000000000000000000000000000000400000000000000000000000000000"
       "0000000000000000000000000000000000c000000000000000000000000000000000000000000000000000000000000000400000000000"
       "00000000000000000000000000000000000000000000000000000500000000000000000000000000000000000000000000000000000000"
       "00000001700000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
       "00000000000000000000000040000000000000000000000000000000000000000000000000000000000000000600000000000000000000"
       "000000000000000000000000000000000000000000017100000000000000000000000000000000000000000000000000000000000000"});
  EXPECT_THROW(abi_encode(AbiType::parse("(uint256[2])"), AbiValue::List{AbiValue::List{1U}}), UsageError);
}

const char* const kAccountHex =
    "0x0000000000000000000000000000000000000000000000000000000000000020000000000000000000000000f39fd6e51aad88f6f4ce"
    "6ab8827279cfffb9226600000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c800000000000000000000000000"
    "0000000000000000000000000000000000000500000000000000000000000000000000000000000000000029a2241af62c000000000000"
    "000000000000000000000000000000000000000000000000000003e8000000000000000000000000000000000000000000000000000000"
    "00000001600000000000000000000000000000000000000000000000000000000000000280000000000000000000000000000000000000"
    "00000000000000000000000000010000000000000000000000000000000000000000000000000000000000000001000000000000000000"
    "00000000000000000000000000000000000000000000020000000000000000000000000000000000000000000000000000000000000005"
    "00000000000000000000000000000000000000000000000000000000000000020000000000000000000000000000000000000000000000"
    "00000000000000000000000000000000000000000000000000000000000000000000000000000003e80000000000000000000000000000"
    "00000000000000000000000000006553f10000000000000000000000000000000000000000000000000000000000000000000000000000"
    "00000000000000000000000000000000000000000000000000000100000000000000000000000000000000000000000000000000000000"
    "000007d0000000000000000000000000000000000000000000000000000000006553f16400000000000000000000000000000000000000"
    "000000000000000000000000010000000000000000000000000000000000000000000000000000000000000004696e666f000000000000"
    "00000000000000000000000000000000000000000000";

TEST(AbiDecode, GetAccountWithRefunds) {
  const auto get_account = Function::parse(function_signatures().at("InferenceServing.getAccount"));
  const auto account = get_account.decode_output(from_hex(kAccountHex))[0];
  EXPECT_EQ(account["user"].as_address(), kUser);
  EXPECT_EQ(account["balance"].as_uint(), ether(3));
  EXPECT_EQ(account["refunds"].size(), 2U);
  EXPECT_EQ(account["refunds"][1]["amount"].as_u64(), 2000U);
  EXPECT_TRUE(account["refunds"][1]["processed"].as_bool());
  EXPECT_EQ(account["additionalInfo"].as_string(), "info");
  EXPECT_EQ(account["revokedBitmap"].as_u64(), 5U);
  EXPECT_EQ(to_hex(get_account.encode_output({account})), kAccountHex);
}

// ---- events ----

Hash256 topic(std::string_view hex) { return fixed_from_hex<32>(hex, "topic"); }

TEST(AbiEvent, DecodesIndexedAndDataParameters) {
  const auto event = Event::parse(
      "event BalanceUpdated(address indexed user, address indexed provider, uint256 amount, uint256 pendingRefund)");
  const std::vector<Hash256> topics{topic("0x526824944047da5b81071fb6349412005c5da81380b336103fbe5dd34556c776"),
                                    topic("0x000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb92266"),
                                    topic("0x00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c8")};
  const auto data = from_hex("0x000000000000000000000000000000000000000000000000000000000000303900000000000000000000000000000000000000000000"
      "000000000000000002a6");
  const auto log = event.decode_log(topics, data);
  EXPECT_EQ(log["user"].as_address(), kUser);
  EXPECT_EQ(log["provider"].as_address(), kProvider);
  EXPECT_EQ(log["amount"].as_u64(), 12345U);
  EXPECT_EQ(log["pendingRefund"].as_u64(), 678U);
  EXPECT_THROW(event.decode_log(std::span(topics).first(2), data), ParseError);  // a topic missing
  auto wrong = topics;
  wrong[0][0] ^= 1;
  EXPECT_THROW(event.decode_log(wrong, data), ParseError);
  wrong = topics;
  wrong[1][0] = 1;  // address topic with dirty padding
  EXPECT_THROW(event.decode_log(wrong, data), ParseError);
}

TEST(AbiEvent, DynamicDataAndIndexedHashes) {
  const auto updated = Event::parse(
      "event ServiceUpdated(address indexed service, string serviceType, string url, uint256 inputPrice, uint256 outputPrice, "
      "uint256 updatedAt, string model, string verifiability)");
  const auto log = updated.decode_log(
      std::vector<Hash256>{topic("0x30ecc203691b2d18e17ee75d47caf34a3fb9f86e855f7e0414d3cec26d0c424b"),
                           topic("0x00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c8")},
      from_hex("0x00000000000000000000000000000000000000000000000000000000000000e000000000000000000000000000000000000000000000"
               "00000000000000000120000000000000000000000000000000000000000000000000000000000000000100000000000000000000000000"
               "00000000000000000000000000000000000002000000000000000000000000000000000000000000000000000000000000000300000000"
               "00000000000000000000000000000000000000000000000000000160000000000000000000000000000000000000000000000000000000"
               "00000001a0000000000000000000000000000000000000000000000000000000000000000763686174626f740000000000000000000000"
               "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001168747470733a2f2f70"
               "2e6578616d706c650000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001"
               "6d000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
               "0000000000000000055465654d4c000000000000000000000000000000000000000000000000000000"));
  EXPECT_EQ(log["service"].as_address(), kProvider);
  EXPECT_EQ(log["serviceType"].as_string(), "chatbot");
  EXPECT_EQ(log["url"].as_string(), "https://p.example");
  EXPECT_EQ(log["updatedAt"].as_u64(), 3U);
  EXPECT_EQ(log["model"].as_string(), "m");
  const auto with_string_topic = Event::parse("event Named(string indexed name, uint256 value)");
  const auto hash = topic("0x1111111111111111111111111111111111111111111111111111111111111111");
  const auto named = with_string_topic.decode_log(std::vector<Hash256>{with_string_topic.topic0(), hash}, Uint256(9).to_be_bytes());
  EXPECT_EQ(named["name"].as_bytes(), Bytes(hash.begin(), hash.end()));  // only the hash is in the log
  EXPECT_EQ(named["value"].as_u64(), 9U);
}

// ---- hostile input ----

Bytes word(std::uint64_t value) {
  const auto bytes = Uint256(value).to_be_bytes();
  return Bytes(bytes.begin(), bytes.end());
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& part : parts) append(out, part);
  return out;
}

std::string decode_error(const char* type, const Bytes& data) {
  return parse_error_of([&] { abi_decode(AbiType::parse(type), data); });
}

TEST(AbiHostile, TruncatedData) {
  const auto encoded = from_hex(test::load_vectors("inference-vectors.json")["abi"]["getServiceReturn"]["encoded"].get<std::string>());
  const auto get_service = Function::parse(function_signatures().at("InferenceServing.getService"));
  for (std::size_t size = 0; size < encoded.size(); size += 1) {
    EXPECT_THROW(get_service.decode_output(ByteSpan(encoded).first(size)), ParseError) << size;
  }
  EXPECT_NE(decode_error("(uint256,uint256)", word(1)).find("field 1 (uint256) needs 32 bytes at byte 32 but the data ends at byte 32"),
            std::string::npos);
}

TEST(AbiHostile, OffsetsOutOfRange) {
  const auto message = decode_error("(uint256,uint256,uint256,string)", concat({word(1), word(2), word(3), word(0x1234)}));
  EXPECT_NE(message.find("ABI: offset 0x1234 of field 3 points past the end of 128 bytes of data"), std::string::npos) << message;
  EXPECT_NE(decode_error("(string)", concat({word(64), word(0)})).find("offset 0x40 of field 0 points past the end of 64 bytes"),
            std::string::npos);
  // An offset above 64 bits.
  Bytes huge(32, 0xff);
  EXPECT_THROW(abi_decode(AbiType::parse("(bytes)"), huge), ParseError);
  // Nested: the inner offset of a tuple is relative to the tuple and must stay inside.
  const auto nested = concat({word(32), word(0x400)});
  EXPECT_NE(decode_error("((string name) service)", nested).find("offset 0x400 of service.name"), std::string::npos);
}

TEST(AbiHostile, HugeLengthsAndCounts) {
  const auto long_string = decode_error("(string)", concat({word(32), word(1000)}));
  EXPECT_NE(long_string.find("length 0x3e8 of field 0 (string) at byte 32 runs past the end"), std::string::npos) << long_string;
  const auto many = decode_error("(uint256[])", concat({word(32), word(1'000'000), word(1)}));
  EXPECT_NE(many.find("element count 0xf4240 of field 0 (uint256[])"), std::string::npos) << many;
  // Count of dynamic elements: each needs at least an offset word.
  EXPECT_THROW(abi_decode(AbiType::parse("(string[])"), concat({word(32), word(2), word(64)})), ParseError);
  // Count of static tuples: each needs its whole static size.
  EXPECT_THROW(abi_decode(AbiType::parse("((uint256,uint256)[])"), concat({word(32), word(2), word(1), word(2), word(3)})),
               ParseError);
  // Missing padding after the bytes.
  EXPECT_THROW(abi_decode(AbiType::parse("(bytes)"), concat({word(32), word(1), Bytes{0xaa}})), ParseError);
}

TEST(AbiHostile, NonCanonicalPadding) {
  const auto bad_bool = decode_error("(bool)", word(2));
  EXPECT_NE(bad_bool.find("field 0 (bool) at byte 0 is 0x00"), std::string::npos) << bad_bool;
  EXPECT_NE(bad_bool.find("not 0 or 1"), std::string::npos);
  auto dirty_address = word(1);
  dirty_address[0] = 1;
  EXPECT_NE(decode_error("(address)", dirty_address).find("non-zero padding"), std::string::npos);
  EXPECT_NE(decode_error("(uint8)", word(256)).find("out of range"), std::string::npos);
  EXPECT_THROW(abi_decode(AbiType::parse("(int8)"), word(128)), ParseError);  // +128 is not a sign-extended int8
  auto dirty_bytes4 = word(0);
  dirty_bytes4[4] = 1;
  EXPECT_THROW(abi_decode(AbiType::parse("(bytes4)"), dirty_bytes4), ParseError);
  auto dirty_string = concat({word(32), word(1), word(0)});
  dirty_string[64] = 'a';
  dirty_string[95] = 1;  // a byte in the padding
  EXPECT_NE(decode_error("(string)", dirty_string).find("non-zero padding after its 1 bytes"), std::string::npos);
  EXPECT_EQ(abi_decode(AbiType::parse("(bool)"), word(1))[0].as_bool(), true);  // the valid forms still pass
}

TEST(AbiHostile, AliasingOffsetsHitTheReadBudget) {
  // 2000 offsets all pointing at the same 1000-byte string: 2 MB of output from 66 KB of input.
  Bytes data = concat({word(32), word(2000)});
  const std::size_t string_at = 2000 * 32;
  for (int i = 0; i < 2000; ++i) append(data, word(string_at));
  append(data, word(1000));
  data.resize(data.size() + 1024, 'z');
  for (std::size_t i = data.size() - 24; i < data.size(); ++i) data[i] = 0;
  EXPECT_NE(decode_error("(string[])", data).find("more than 16 times"), std::string::npos);
  // The same array with distinct strings decodes.
  Bytes honest = concat({word(32), word(2), word(64), word(128), word(1), word(0), word(1), word(0)});
  honest[160] = 'a';  // the first string's content: its length word sits at 64 + 64
  honest[224] = 'b';
  const auto decoded = abi_decode(AbiType::parse("(string[])"), honest);
  EXPECT_EQ(decoded[0][1].as_string(), "b");
}

TEST(AbiFormat, ReadableValues) {
  const auto type = AbiType::parse("(address who, uint256 amount, string note, bytes data, bool ok, uint8[] ids)");
  const AbiValue value(AbiValue::List{kUser, ether(1), "say \"hi\"\n", Bytes{0x01, 0xff}, true, AbiValue::List{1U, 2U}});
  EXPECT_EQ(abi_format(type, value),
            "(who=0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266, amount=1000000000000000000, note=\"say \\\"hi\\\"\\x0a\", "
            "data=0x01ff, ok=true, ids=[1, 2])");
}

}  // namespace
}  // namespace zg::eth
