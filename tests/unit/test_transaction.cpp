// Transaction signing and serialization, compared byte for byte with ethers v6
// (`new ethers.Wallet(key).signTransaction(tx)`, hash and unsignedHash from ethers.Transaction.from).
#include <gtest/gtest.h>

#include <string>

#include "common/error.hpp"
#include "common/hex.hpp"
#include "eth/rlp.hpp"
#include "eth/transaction.hpp"

namespace zg::eth {
namespace {

constexpr std::string_view kAnvilKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
constexpr std::string_view kAnvilAddress = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
constexpr std::string_view kRecipient = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
// Init code that deploys a runtime returning the constant 42.
constexpr std::string_view kInitCode = "0x600a600c600039600a6000f3602a60005260206000f3";

struct EthersVector {
  Transaction tx;
  std::string_view raw;
  std::string_view hash;
  std::string_view unsigned_hash;
};

Transaction eip1559_call() {
  Transaction tx;
  tx.type = TxType::eip1559;
  tx.chain_id = 31337;
  tx.nonce = 7;
  tx.max_priority_fee_per_gas = 1000000000;
  tx.max_fee_per_gas = 3000000000;
  tx.gas_limit = 100000;
  tx.to = Address::from_hex(kRecipient);
  tx.value = Uint256::from_dec("1234567890000000000");
  tx.data = from_hex("0xa9059cbb000000000000000000000000000000000000000000000000000000000000002a");
  return tx;
}

Transaction eip1559_create() {
  Transaction tx;
  tx.type = TxType::eip1559;
  tx.chain_id = 31337;
  tx.nonce = 0;
  tx.max_priority_fee_per_gas = 1;
  tx.max_fee_per_gas = 2000000000;
  tx.gas_limit = 60000;
  tx.data = from_hex(kInitCode);
  return tx;
}

Transaction legacy_transfer() {
  Transaction tx;
  tx.type = TxType::legacy;
  tx.chain_id = 31337;
  tx.nonce = 3;
  tx.gas_price = 2000000000;
  tx.gas_limit = 21000;
  tx.to = Address::from_hex(kRecipient);
  tx.value = Uint256::from_dec("1000000000000000000");
  return tx;
}

Transaction legacy_create() {
  Transaction tx;
  tx.type = TxType::legacy;
  tx.chain_id = 16661;
  tx.nonce = 300;
  tx.gas_price = 4000000000;
  tx.gas_limit = 90000;
  tx.value = 5;
  tx.data = from_hex(kInitCode);
  return tx;
}

const EthersVector kVectors[] = {
    {eip1559_call(),
     "0x02f899827a6907843b9aca0084b2d05e00830186a09470997970c51812dc3a010c7d01b50e0d17dc79c888112210f4768db400a4a9059cbb"
     "000000000000000000000000000000000000000000000000000000000000002ac001a0092e0226dc82139f3d9296c0089227012651e00009"
     "042e8fb2810e5e8907d68ba007f5285eebc965108dd56da24aac5ed832ccebd83a3c1ded31f38985961922b3",
     "0xaf38dbf6547c99657606cbbf4cbac33727cfafd4703d19633cb8f136dfcedc2e",
     "0x4d8425f6857a2bcd3b882a9d0dbacaef0e0a9749bd10458faad1ef550fe4c032"},
    {eip1559_create(),
     "0x02f86a827a698001847735940082ea60808096600a600c600039600a6000f3602a60005260206000f3c001a0e3503f1adb87af116042c5"
     "16e5795cb9b7b4ae00ce964d2caf65dc28ffa39332a06f0a4f7c050558fd4af9ecb8ef434d9f1b707cf922612d9a7a694415e5d126ad",
     "0xa1ccec68f5a891af79648900d8d1270e66bf11541695e59346e10759be27d660",
     "0xb828c8b5ecfac0a052e7f5546a8f938b69a4993bb224f58c287190d0e6442a37"},
    {legacy_transfer(),
     "0xf86d0384773594008252089470997970c51812dc3a010c7d01b50e0d17dc79c8880de0b6b3a76400008082f4f6a0ca20325b7b1e1c74f3"
     "53390bc0da01f04a64252dd1cc97ad2af08b2fddb225f3a05cd5e6d18129424e759b5134de6942c4eafb14f5f57e6e68f870b1c84e60abe2",
     "0xfd25d3206eae49b6af29f9e0e82c4c172791faba4b3573969239b88afe06e013",
     "0x87e41a952bc44492d9eab0917c8987bc6cfc5821bc36eae495426c553d2d9078"},
    {legacy_create(),
     "0xf86a82012c84ee6b280083015f90800596600a600c600039600a6000f3602a60005260206000f382824da01a1a975c723ae146099f6838"
     "eb0e10235067f7d9d3633e56acbc6ae6f75fb616a0247372c477d8950fd1d5bb8f8f2af9199595644290d8f299b5f637d53a1d31b4",
     "0xeab3d2b343d209ad9007d5560ed56a94952a7c1da4aac8e7dbf6bb1375346ba8",
     "0xe9e63ddc250f0af94835d3a08d79e0eef90d1762b125749a6122a7dfae5ea4f4"},
};

TEST(Transaction, SigningMatchesEthers) {
  const auto key = crypto::PrivateKey::from_hex(kAnvilKey);
  for (const auto& vector : kVectors) {
    SCOPED_TRACE(vector.hash);
    EXPECT_EQ(to_hex(vector.tx.signing_hash()), vector.unsigned_hash);
    const SignedTransaction signed_tx = sign_transaction(vector.tx, key);
    EXPECT_EQ(signed_tx.raw_hex(), vector.raw);
    EXPECT_EQ(to_hex(signed_tx.hash()), vector.hash);
    EXPECT_EQ(signed_tx.sender().checksummed(), kAnvilAddress);
  }
}

TEST(Transaction, DecodeRoundTripsEthersRawTransactions) {
  for (const auto& vector : kVectors) {
    SCOPED_TRACE(vector.hash);
    const SignedTransaction decoded = decode_signed_transaction(from_hex(vector.raw));
    EXPECT_EQ(decoded.raw_hex(), vector.raw);
    EXPECT_EQ(decoded.tx.type, vector.tx.type);
    EXPECT_EQ(decoded.tx.chain_id, vector.tx.chain_id);
    EXPECT_EQ(decoded.tx.nonce, vector.tx.nonce);
    EXPECT_EQ(decoded.tx.to, vector.tx.to);
    EXPECT_EQ(decoded.tx.value, vector.tx.value);
    EXPECT_EQ(decoded.tx.data, vector.tx.data);
    EXPECT_EQ(decoded.sender().checksummed(), kAnvilAddress);
  }
}

TEST(Transaction, DecodeRejectsMalformedRawTransactions) {
  EXPECT_THROW(decode_signed_transaction({}), ParseError);
  EXPECT_THROW(decode_signed_transaction(from_hex("0x01c0")), ParseError);  // EIP-2930 not supported
  EXPECT_THROW(decode_signed_transaction(from_hex("0x02c0")), ParseError);  // wrong field count
  // Pre-EIP-155 legacy (v = 27) carries no chain id: rejected.
  const Bytes pre155 = rlp::encode(rlp::Item::list({rlp::Item::uint(0), rlp::Item::uint(1), rlp::Item::uint(21000),
                                                    rlp::Item::bytes(Bytes(20, 0x11)), rlp::Item::uint(0),
                                                    rlp::Item::bytes(Bytes{}), rlp::Item::uint(27),
                                                    rlp::Item::uint(5), rlp::Item::uint(6)}));
  EXPECT_THROW(decode_signed_transaction(pre155), ParseError);
  Bytes raw = from_hex(kVectors[2].raw);
  raw.back() ^= 0x01;  // still well-formed, but the signature no longer belongs to the sender
  EXPECT_NE(decode_signed_transaction(raw).sender().checksummed(), kAnvilAddress);
  raw.pop_back();
  EXPECT_THROW(decode_signed_transaction(raw), ParseError);
  raw = from_hex(kVectors[0].raw);
  raw.push_back(0x00);
  EXPECT_THROW(decode_signed_transaction(raw), ParseError);
}

TEST(Transaction, ContractAddressMatchesEthersGetCreateAddress) {
  const auto deployer = Address::from_hex(kAnvilAddress);
  EXPECT_EQ(contract_address(deployer, 0).checksummed(), "0x5FbDB2315678afecb367f032d93F642f64180aa3");
  EXPECT_EQ(contract_address(deployer, 300).checksummed(), "0x9338CA7d556248055f5751d85cDA7aD6eF254433");
}

TEST(Transaction, MissingChainIdIsAUsageError) {
  Transaction tx = legacy_transfer();
  tx.chain_id = 0;
  EXPECT_THROW(tx.signing_hash(), UsageError);
}

}  // namespace
}  // namespace zg::eth
