// EIP-712: values computed with ethers 6.13.1 TypedDataEncoder (hashDomain, from(types).hash,
// TypedDataEncoder.hash) for the 0G inference settlement, the fine-tuning verifier message, the
// EIP's own Mail example with nested structs and arrays, and a struct of signed ints, fixed arrays
// and bytesN with a salted domain; plus the rejections ethers also makes.
#include <gtest/gtest.h>

#include <string>

#include "common/error.hpp"
#include "common/hex.hpp"
#include "crypto/eip712.hpp"

namespace zg::crypto::eip712 {
namespace {

using Json = nlohmann::json;

std::string hex(const Hash256& hash) { return to_hex(hash); }

TypedData inference_settlement() {
  Types types{{"TEESettlement",
               {{"requestsHash", "bytes32"}, {"nonce", "uint256"}, {"provider", "address"}, {"user", "address"}, {"totalFee", "uint256"}}}};
  Domain domain;
  domain.name = "0G Inference Serving";
  domain.version = "1";
  domain.chain_id = eth::Uint256(31337);
  domain.verifying_contract = eth::Address::from_hex("0x5FbDB2315678afecb367f032d93F642f64180aa3");
  const Json message = {{"requestsHash", "0x7326bc0386c144375c6ec62d13ff8bbaad70c3bab31ecd667c3f86c12544e28d"},
                        {"nonce", 1700000000000},
                        {"provider", "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"},
                        {"user", "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"},
                        {"totalFee", "123456789012345678901234567890"}};
  return TypedData(types, "TEESettlement", domain, message);
}

TEST(Eip712, InferenceSettlementBuiltInCpp) {
  const auto typed = inference_settlement();
  EXPECT_EQ(encode_type(typed.types(), "TEESettlement"),
            "TEESettlement(bytes32 requestsHash,uint256 nonce,address provider,address user,uint256 totalFee)");
  EXPECT_EQ(hex(typed.domain_separator()), "0x5e9e221e5f8f7cbbe8af60d8d96a928129a96e678b65ea192079c1dbb5b0458a");
  EXPECT_EQ(hex(typed.struct_hash()), "0x885f847e8460b73465a8873b7ed7cb5dd36dd70ded2f530e8988f3e601bc5a77");
  EXPECT_EQ(hex(typed.digest()), "0xfc77bdad9f419221cc98aad36082666d3c898931c740d373b9ea1a7df8b83e7c");
}

TEST(Eip712, FineTuningVerifierMessageFromV4Json) {
  const auto typed = TypedData::parse(R"({
    "types": {
      "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                       {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
      "VerifierMessage": [{"name": "id", "type": "string"}, {"name": "encryptedSecret", "type": "bytes"},
                          {"name": "modelRootHash", "type": "bytes"}, {"name": "nonce", "type": "uint256"},
                          {"name": "taskFee", "type": "uint256"}, {"name": "user", "type": "address"}]
    },
    "primaryType": "VerifierMessage",
    "domain": {"name": "0G Fine-Tuning Serving", "version": "1", "chainId": "0x40d9",
               "verifyingContract": "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"},
    "message": {"id": "3f2504e0-4f89-41d3-9a0c-0305e82c3301", "encryptedSecret": "0x04fa3bb85698b948",
                "modelRootHash": "0x836caedc9ce4883e6bb6da2df33c19a54db01bd48dc4b7e53258e20a9fe15eb9",
                "nonce": "17000000000000040", "taskFee": 5000000000000000,
                "user": "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"}
  })");
  EXPECT_EQ(hex(typed.domain_separator()), "0x39bd8891d9024bb90197004eb950fe276cf9514fcc3676646f778a5f7c576d91");
  EXPECT_EQ(hex(typed.struct_hash()), "0x3c0dcf8ab1dc496401c555d3e2a06beb89ce8604c4f5cc45cc5b1e401161162b");
  EXPECT_EQ(hex(typed.digest()), "0x8ccbc5195070c840f5f36bd9d8f14993c427d20848baba18c5240fa38dd538ad");
}

Json mail_json() {
  return Json::parse(R"({
    "types": {
      "Person": [{"name": "name", "type": "string"}, {"name": "wallets", "type": "address[]"}],
      "Mail": [{"name": "from", "type": "Person"}, {"name": "to", "type": "Person[]"}, {"name": "contents", "type": "string"}]
    },
    "primaryType": "Mail",
    "domain": {"name": "Ether Mail", "version": "1", "chainId": 1,
               "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"},
    "message": {
      "from": {"name": "Cow", "wallets": ["0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826",
                                          "0xDeaDbeefdEAdbeefdEadbEEFdeadbeEFdEaDbeeF"]},
      "to": [{"name": "Bob", "wallets": ["0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB",
                                         "0xB0BdaBea57B0BDABeA57b0bdABEA57b0BDabEa57",
                                         "0xB0B0b0b0b0b0B000000000000000000000000000"]}],
      "contents": "Hello, Bob!"
    }
  })");
}

TEST(Eip712, MailExampleWithNestedStructsAndArrays) {
  const auto typed = TypedData::from_json(mail_json());  // no EIP712Domain: derived from the keys
  EXPECT_EQ(encode_type(typed.types(), "Mail"), "Mail(Person from,Person[] to,string contents)Person(string name,address[] wallets)");
  EXPECT_EQ(hex(typed.domain_separator()), "0xf2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f");
  EXPECT_EQ(hex(typed.struct_hash()), "0xeb4221181ff3f1a83ea7313993ca9218496e424604ba9492bb4052c03d5c3df8");
  EXPECT_EQ(hex(typed.digest()), "0xa85c2e2b118698e88db68a8105b794a8cc7cec074e89ef991cb4f5f533819cc2");
}

TEST(Eip712, DependenciesAreSortedByNameAndIncludedOnce) {
  const Types types{{"Z", {{"a", "A"}, {"b", "B[2]"}}}, {"B", {{"a", "A"}, {"z", "Z[]"}}}, {"A", {{"x", "uint8"}}}};
  EXPECT_EQ(encode_type(types, "Z"), "Z(A a,B[2] b)A(uint8 x)B(A a,Z[] z)");
  EXPECT_EQ(encode_type(types, "B"), "B(A a,Z[] z)A(uint8 x)Z(A a,B[2] b)");  // cycles terminate
}

TEST(Eip712, SignedIntsFixedArraysBytesNAndSaltedDomain) {
  Types types{{"Box",
               {{"a", "int8"}, {"b", "int256"}, {"c", "uint8[2]"}, {"d", "bytes4"}, {"e", "bool"}, {"f", "int16"}, {"g", "bytes"},
                {"h", "string[]"}}}};
  Domain domain;
  domain.name = "Ints";
  domain.chain_id = eth::Uint256(5);
  domain.salt = fixed_from_hex<32>("0x1111111111111111111111111111111111111111111111111111111111111111");
  const Json message = {{"a", -128}, {"b", "-1"},   {"c", {255, 0}}, {"d", "0xdeadbeef"},
                        {"e", true}, {"f", 32767}, {"g", "0x"},     {"h", {"x", ""}}};
  const TypedData typed(types, "Box", domain, message);
  EXPECT_EQ(hex(typed.domain_separator()), "0x094168b589b8e88d2b7f397252f243d8baa29df3b0f6943854d07439041ef3b7");
  EXPECT_EQ(hex(typed.struct_hash()), "0xe193a33ff7fca394b5d888a0b65d8046ba5e728f29f4cd1152a19f68a66a56eb");
  EXPECT_EQ(hex(typed.digest()), "0xcf5dc35962324c2243e7132391dde9c93b8b198cd09f129f136a1eb3509ca294");
}

TEST(Eip712, IntegerEncodingAtTheBounds) {
  const Types types{{"T", {{"v", "int8"}}}, {"U", {{"v", "uint8"}}}};
  const auto word = [&](const char* type, const Json& value) { return to_hex(ByteSpan(encode_data(types, type, {{"v", value}})).subspan(32), false); };
  EXPECT_EQ(word("T", -1), std::string(64, 'f'));
  EXPECT_EQ(word("T", "-128"), std::string(62, 'f') + "80");
  EXPECT_EQ(word("T", 127), std::string(62, '0') + "7f");
  EXPECT_EQ(word("T", "-0"), std::string(64, '0'));
  EXPECT_EQ(word("U", "0xff"), std::string(62, '0') + "ff");
  EXPECT_THROW(word("T", 128), ParseError);
  EXPECT_THROW(word("T", -129), ParseError);
  EXPECT_THROW(word("U", 256), ParseError);
  EXPECT_THROW(word("U", -1), ParseError);
  EXPECT_THROW(word("U", 1.5), ParseError);
  EXPECT_THROW(word("U", "12a"), ParseError);
  EXPECT_THROW(word("U", true), ParseError);
}

std::string error_of(const Json& typed_data) {
  try {
    (void)TypedData::from_json(typed_data).digest();
  } catch (const ParseError& error) {
    return error.what();
  }
  return "accepted";
}

TEST(Eip712, RejectsWhatEthersRejects) {
  auto bad_checksum = mail_json();
  bad_checksum["message"]["from"]["wallets"][0] = "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD827";
  EXPECT_NE(error_of(bad_checksum).find("invalid address"), std::string::npos);

  auto missing_field = mail_json();
  missing_field["message"].erase("contents");
  EXPECT_NE(error_of(missing_field).find("has no field 'contents'"), std::string::npos);

  auto unknown_type = mail_json();
  unknown_type["types"]["Mail"][2]["type"] = "strin";
  EXPECT_NE(error_of(unknown_type).find("unknown type 'strin'"), std::string::npos);

  auto bad_width = mail_json();
  bad_width["types"]["Mail"][2]["type"] = "uint7";
  EXPECT_NE(error_of(bad_width).find("unknown type 'uint7'"), std::string::npos);

  auto unknown_domain_key = mail_json();
  unknown_domain_key["domain"]["extra"] = "x";
  EXPECT_NE(error_of(unknown_domain_key).find("unknown domain field 'extra'"), std::string::npos);

  auto not_an_array = mail_json();
  not_an_array["message"]["to"] = "Bob";
  EXPECT_NE(error_of(not_an_array).find("expected an array"), std::string::npos);

  const Types fixed{{"F", {{"b", "bytes4"}, {"n", "uint8[2]"}}}};
  EXPECT_THROW(hash_struct(fixed, "F", {{"b", "0xdeadbe"}, {"n", {1, 2}}}), ParseError);    // 3 bytes for bytes4
  EXPECT_THROW(hash_struct(fixed, "F", {{"b", "0xdeadbeef"}, {"n", {1, 2, 3}}}), ParseError);  // 3 for [2]
  EXPECT_NO_THROW(hash_struct(fixed, "F", {{"b", "0xdeadbeef"}, {"n", {1, 2}}, {"extra", 1}}));  // extras ignored

  EXPECT_THROW(TypedData::parse("{not json"), ParseError);
  EXPECT_THROW(TypedData::parse(R"({"types": {}, "domain": {}, "message": {}})"), ParseError);  // no primaryType
}

TEST(Eip712, ChangingAnyValueChangesTheDigest) {
  const auto base = TypedData::from_json(mail_json()).digest();
  auto other = mail_json();
  other["message"]["contents"] = "Hello, Bob?";
  EXPECT_NE(TypedData::from_json(other).digest(), base);
  other = mail_json();
  other["domain"]["chainId"] = 2;
  EXPECT_NE(TypedData::from_json(other).digest(), base);
}

}  // namespace
}  // namespace zg::crypto::eip712
