// The JSON-RPC client and transaction sender against a real anvil, plus the reply parsers on
// canned replies (no network).
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <exception>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/error.hpp"
#include "common/hex.hpp"
#include "devnet/anvil.hpp"
#include "eth/rpc_client.hpp"
#include "eth/tx_sender.hpp"

namespace zg::eth {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr std::string_view kDevKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
constexpr std::string_view kDevAddress = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
constexpr std::string_view kSecondAccount = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

// Hand-assembled contracts. Each init code is CODECOPY(runtime) + RETURN(runtime):
//   60 LEN 60 0c 60 00 39 60 LEN 60 00 f3 || runtime
// Runtime returning the constant 42: PUSH1 42 PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN.
constexpr std::string_view kConstantRuntime = "602a60005260206000f3";
constexpr std::string_view kConstantInit = "600a600c600039600a6000f3";
// Runtime that reverts with Error("nope"): CODECOPY the 100-byte revert data that follows, REVERT.
constexpr std::string_view kNopeRevertData =
    "08c379a0"
    "0000000000000000000000000000000000000000000000000000000000000020"
    "0000000000000000000000000000000000000000000000000000000000000004"
    "6e6f706500000000000000000000000000000000000000000000000000000000";
constexpr std::string_view kRevertInit = "6070600c60003960706000f3";
constexpr std::string_view kRevertRuntimeCode = "6064600c60003960646000fd";
// Runtime that emits LOG1(topic 0xaa..aa, calldata) and accepts value:
// CALLDATASIZE PUSH1 0 PUSH1 0 CALLDATACOPY PUSH32 topic CALLDATASIZE PUSH1 0 LOG1 STOP.
constexpr std::string_view kLogTopic = "0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
constexpr std::string_view kLoggerInit = "602c600c600039602c6000f3";

Bytes bytecode(std::initializer_list<std::string_view> parts) {
  std::string hex;
  for (const auto part : parts) hex += part.starts_with("0x") ? part.substr(2) : part;
  return from_hex(hex);
}

Bytes text_bytes(std::string_view text) {
  const ByteSpan bytes = as_bytes(text);
  return Bytes(bytes.begin(), bytes.end());
}

Bytes revert_runtime() { return bytecode({kRevertRuntimeCode, kNopeRevertData}); }
Bytes logger_runtime() { return bytecode({"3660006000377f", kLogTopic, "366000a100"}); }

// A port nothing listens on: bind to port 0, read the number, close.
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("cannot find a free port");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

class RpcAnvil : public ::testing::Test {
 protected:
  void SetUp() override {
    log_ = std::filesystem::temp_directory_path() / ("zg-test-rpc-anvil-" + std::to_string(::getpid()) + ".log");
    devnet::AnvilOptions options;
    options.log_file = log_;
    anvil_.emplace(devnet::Anvil::start(options));
    rpc_.emplace(anvil_->rpc_url(), RpcOptions{.connect_timeout = 2s, .read_timeout = 10s});
    sender_.emplace(*rpc_, key_, 31337, TxSenderOptions{.receipt_timeout = 20s, .poll_interval = 20ms});
  }
  void TearDown() override {
    sender_.reset();
    rpc_.reset();
    anvil_.reset();
    std::filesystem::remove(log_);
  }

  Address deploy(const Bytes& init_code) {
    const Receipt receipt = sender_->send_and_wait({.data = init_code});
    EXPECT_TRUE(receipt.contract_address.has_value());
    return receipt.contract_address.value();
  }

  crypto::PrivateKey key_ = crypto::PrivateKey::from_hex(kDevKey);
  Address dev_ = Address::from_hex(kDevAddress);
  std::filesystem::path log_;
  std::optional<devnet::Anvil> anvil_;
  std::optional<RpcClient> rpc_;
  std::optional<TxSender> sender_;
};

TEST_F(RpcAnvil, ReadsChainIdBalanceAndBlocks) {
  EXPECT_EQ(rpc_->chain_id(), 31337u);
  EXPECT_EQ(rpc_->get_balance(dev_), parse_amount("100000"));
  EXPECT_EQ(rpc_->block_number(), 0u);
  EXPECT_EQ(rpc_->get_transaction_count(dev_), 0u);
  EXPECT_TRUE(rpc_->get_code(dev_).empty());
  const auto block = rpc_->get_block_by_number(BlockTag::latest());
  ASSERT_TRUE(block.has_value());
  EXPECT_EQ(block->number, 0u);
  EXPECT_TRUE(block->base_fee_per_gas.has_value());
  EXPECT_FALSE(rpc_->get_block_by_number(BlockTag::number(1000)).has_value());
}

TEST_F(RpcAnvil, FeeDataFollowsEthers) {
  const FeeData fees = rpc_->fee_data();
  ASSERT_TRUE(fees.supports_eip1559());
  const auto block = rpc_->get_block_by_number(BlockTag::latest());
  EXPECT_EQ(*fees.max_fee_per_gas, *block->base_fee_per_gas * Uint256(2) + *fees.max_priority_fee_per_gas);
  EXPECT_EQ(*fees.gas_price, rpc_->gas_price());
  EXPECT_EQ(sender_->populate({.to = Address::from_hex(kSecondAccount), .value = 1}).type, TxType::eip1559);
  // A gas price alone becomes maxFee = maxPriorityFee = gasPrice, as ethers does for the SDK.
  const Transaction priced = sender_->populate({.to = Address::from_hex(kSecondAccount), .gas_price = Uint256(7000000000)});
  EXPECT_EQ(priced.max_fee_per_gas, Uint256(7000000000));
  EXPECT_EQ(priced.max_priority_fee_per_gas, Uint256(7000000000));
  // A plain transfer estimates 21000 gas; the sender adds 20%.
  EXPECT_EQ(sender_->populate({.to = Address::from_hex(kSecondAccount), .value = 1}).gas_limit, 25200u);
}

TEST_F(RpcAnvil, BackToBackTransfersGetConsecutiveNonces) {
  const Address recipient = Address::from_hex(kSecondAccount);
  const Uint256 before = rpc_->get_balance(recipient);
  std::vector<Hash256> hashes;
  for (std::uint64_t i = 1; i <= 5; ++i) hashes.push_back(sender_->send({.to = recipient, .value = i}));
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    const Receipt receipt = sender_->wait(hashes[i]);
    EXPECT_TRUE(receipt.succeeded);
    EXPECT_EQ(receipt.transaction_hash, hashes[i]);
    const json tx = rpc_->request("eth_getTransactionByHash", json::array({to_hex(hashes[i])}));
    EXPECT_EQ(parse_quantity_u64(tx.at("nonce"), "nonce"), i);
  }
  EXPECT_EQ(rpc_->get_transaction_count(dev_, BlockTag::latest()), 5u);
  EXPECT_EQ(rpc_->get_balance(recipient), before + Uint256(15));
}

TEST_F(RpcAnvil, SendsFromSeveralThreadsWithoutNonceClashes) {
  const Address recipient = Address::from_hex(kSecondAccount);
  std::vector<Hash256> hashes(6);
  std::vector<std::exception_ptr> failures(2);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      try {  // an exception escaping a thread would terminate the test and orphan anvil
        for (std::size_t i = 0; i < 3; ++i) hashes[t * 3 + i] = sender_->send({.to = recipient, .value = 1});
      } catch (...) {
        failures[t] = std::current_exception();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& failure : failures) {
    if (failure) std::rethrow_exception(failure);
  }
  for (const auto& hash : hashes) EXPECT_TRUE(sender_->wait(hash).succeeded);
  EXPECT_EQ(rpc_->get_transaction_count(dev_, BlockTag::latest()), 6u);
}

TEST_F(RpcAnvil, ResyncsWhenTheNonceWasUsedElsewhere) {
  const Address recipient = Address::from_hex(kSecondAccount);
  EXPECT_TRUE(sender_->send_and_wait({.to = recipient, .value = 1}).succeeded);
  TxSender other(*rpc_, key_, 31337, TxSenderOptions{.receipt_timeout = 20s, .poll_interval = 20ms});
  EXPECT_TRUE(other.send_and_wait({.to = recipient, .value = 2}).succeeded);  // takes nonce 1
  // Our sender still believes nonce 1 is next; the node says "nonce too low" and it resyncs.
  const Receipt receipt = sender_->send_and_wait({.to = recipient, .value = 3});
  EXPECT_TRUE(receipt.succeeded);
  EXPECT_EQ(rpc_->get_transaction_count(dev_, BlockTag::latest()), 3u);
}

TEST_F(RpcAnvil, LegacyTransactionsWorkToo) {
  const Receipt receipt = sender_->send_and_wait({.to = Address::from_hex(kSecondAccount), .value = 5, .type = TxType::legacy});
  EXPECT_TRUE(receipt.succeeded);
  const json tx = rpc_->request("eth_getTransactionByHash", json::array({to_hex(receipt.transaction_hash)}));
  EXPECT_EQ(tx.at("type"), "0x0");
}

TEST_F(RpcAnvil, DeploysAndCallsAContract) {
  const Address contract = deploy(bytecode({kConstantInit, kConstantRuntime}));
  EXPECT_EQ(contract, contract_address(dev_, 0));
  EXPECT_EQ(rpc_->get_code(contract), from_hex(kConstantRuntime));
  const Bytes result = rpc_->call({.from = dev_, .to = contract});
  ASSERT_EQ(result.size(), 32u);
  EXPECT_EQ(Uint256::from_be_bytes(result), Uint256(42));
  // At block 0 the contract did not exist yet: the call returns nothing.
  EXPECT_TRUE(rpc_->call({.to = contract}, BlockTag::number(0)).empty());
}

TEST_F(RpcAnvil, RevertingCallsCarryTheRevertBytes) {
  const Address contract = deploy(bytecode({kRevertInit, kRevertRuntimeCode, kNopeRevertData}));
  EXPECT_EQ(rpc_->get_code(contract), revert_runtime());
  try {
    rpc_->call({.from = dev_, .to = contract, .value = Uint256(1)});
    FAIL() << "eth_call did not throw";
  } catch (const RpcError& error) {
    EXPECT_EQ(error.code(), 3);
    EXPECT_TRUE(error.is_revert());
    EXPECT_EQ(error.method(), "eth_call");
    EXPECT_NE(error.rpc_message().find("nope"), std::string::npos);
    ASSERT_TRUE(error.data().has_value());
    EXPECT_EQ(*error.data(), from_hex(kNopeRevertData));
  }
  EXPECT_THROW(sender_->send({.to = contract}), RpcError);  // eth_estimateGas reverts too
}

TEST_F(RpcAnvil, MinedRevertGivesTxFailedErrorWithHashAndRevertData) {
  const Address contract = deploy(bytecode({kRevertInit, kRevertRuntimeCode, kNopeRevertData}));
  const TxRequest request{.to = contract, .gas_limit = 100000};  // skip estimation so it gets mined
  try {
    sender_->send_and_wait(request);
    FAIL() << "a reverted transaction did not throw";
  } catch (const TxFailedError& error) {
    EXPECT_FALSE(error.receipt().succeeded);
    const std::string message = error.what();
    EXPECT_NE(message.find(to_hex(error.transaction_hash())), std::string::npos) << message;
    EXPECT_NE(message.find("execution reverted: nope"), std::string::npos) << message;
    ASSERT_TRUE(error.revert_data().has_value());
    EXPECT_EQ(*error.revert_data(), from_hex(kNopeRevertData));
  }
  // The failed transaction used its nonce; the next one goes through.
  EXPECT_TRUE(sender_->send_and_wait({.to = Address::from_hex(kSecondAccount), .value = 1}).succeeded);
}

TEST_F(RpcAnvil, ReceiptsAndLogsCarryEvents) {
  const Address contract = deploy(bytecode({kLoggerInit, "3660006000377f", kLogTopic, "366000a100"}));
  EXPECT_EQ(rpc_->get_code(contract), logger_runtime());
  const Receipt receipt = sender_->send_and_wait({.to = contract, .data = text_bytes("hello"), .value = 7});
  ASSERT_EQ(receipt.logs.size(), 1u);
  const Log& log = receipt.logs[0];
  EXPECT_EQ(log.address, contract);
  ASSERT_EQ(log.topics.size(), 1u);
  EXPECT_EQ(to_hex(log.topics[0]), kLogTopic);
  EXPECT_EQ(as_text(log.data), "hello");
  EXPECT_EQ(log.transaction_hash, receipt.transaction_hash);
  EXPECT_EQ(rpc_->get_balance(contract), Uint256(7));

  LogFilter filter{.address = contract, .topics = {std::vector<Hash256>{fixed_from_hex<32>(kLogTopic)}},
                   .from_block = BlockTag::number(0), .to_block = BlockTag::latest()};
  const auto logs = rpc_->get_logs(filter);
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0].block_number, receipt.block_number);
  filter.topics = {std::vector<Hash256>{Hash256{}}};
  EXPECT_TRUE(rpc_->get_logs(filter).empty());
  filter.topics = {std::nullopt};
  EXPECT_EQ(rpc_->get_logs(filter).size(), 1u);
}

TEST_F(RpcAnvil, DevMethodsMoveTimeAndSetBalances) {
  const auto start = rpc_->get_block_by_number(BlockTag::latest());
  rpc_->evm_increase_time(3600);
  rpc_->evm_mine();
  const auto next = rpc_->get_block_by_number(BlockTag::latest());
  EXPECT_EQ(next->number, 1u);
  EXPECT_GE(next->timestamp, start->timestamp + 3600);
  const Address someone = Address::from_hex("0x000000000000000000000000000000000000beef");
  rpc_->anvil_set_balance(someone, parse_amount("12.5"));
  EXPECT_EQ(rpc_->get_balance(someone), parse_amount("12.5"));
}

TEST_F(RpcAnvil, WaitingForAnUnknownTransactionTimesOutNamingIt) {
  const Hash256 unknown = fixed_from_hex<32>("0x1111111111111111111111111111111111111111111111111111111111111111");
  EXPECT_FALSE(rpc_->get_transaction_receipt(unknown).has_value());
  const auto started = std::chrono::steady_clock::now();
  try {
    rpc_->wait_for_receipt(unknown, 300ms, 50ms);
    FAIL() << "no timeout";
  } catch (const ReceiptTimeout& error) {
    EXPECT_EQ(error.transaction_hash(), unknown);
    EXPECT_NE(std::string(error.what()).find(to_hex(unknown)), std::string::npos);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

TEST_F(RpcAnvil, UnknownMethodIsAnRpcError) {
  try {
    rpc_->request("eth_noSuchMethod");
    FAIL() << "no error";
  } catch (const RpcError& error) {
    EXPECT_EQ(error.code(), -32601);
    EXPECT_FALSE(error.data().has_value());
    EXPECT_NE(std::string(error.what()).find("eth_noSuchMethod"), std::string::npos);
  }
}

TEST(RpcClient, ConnectionRefusedIsAnIoErrorNamingTheEndpointButNoSecrets) {
  const std::string endpoint = "http://127.0.0.1:" + std::to_string(closed_port());
  RpcClient rpc(endpoint + "/v3/SECRET-API-KEY", RpcOptions{.connect_timeout = 1s, .read_timeout = 1s});
  try {
    rpc.chain_id();
    FAIL() << "no error";
  } catch (const IoError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("eth_chainId to " + endpoint + "/..."), std::string::npos) << message;
    EXPECT_NE(message.find("Connection"), std::string::npos) << message;
    EXPECT_EQ(message.find("SECRET"), std::string::npos) << message;
  }
}

TEST(RpcClient, UrlsAreCheckedAndDisplayedWithoutCredentials) {
  EXPECT_EQ(RpcClient("http://127.0.0.1:8545").display_url(), "http://127.0.0.1:8545");
  EXPECT_EQ(RpcClient("https://user:pass@rpc.example.org/key").display_url(), "https://rpc.example.org/...");
  EXPECT_THROW(RpcClient("ftp://example.org"), UsageError);
  EXPECT_THROW(RpcClient("127.0.0.1:8545"), UsageError);
  EXPECT_THROW(RpcClient("http:///path"), UsageError);
}

// ---- Parsers on canned replies (the shapes anvil sends) ----

std::string expect_parse_error(const std::function<void()>& parse) {
  try {
    parse();
  } catch (const ParseError& error) {
    return error.what();
  }
  ADD_FAILURE() << "no ParseError";
  return {};
}

const json kReceipt = json::parse(R"({
  "type":"0x2","status":"0x1","cumulativeGasUsed":"0x52d0","logs":[],"transactionHash":
  "0x0294ca6cb531ba83bc0047e975bdcd505df589249bc85c121a27900176964d23","transactionIndex":"0x0",
  "blockHash":"0xa4ac4a57a6e18f9f20d19028cd267fb345c26a14ca906dbea21ab49695c693b7","blockNumber":"0x2",
  "gasUsed":"0x52d0","effectiveGasPrice":"0x77359400","from":"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
  "to":"0x5fbdb2315678afecb367f032d93f642f64180aa3","contractAddress":null})");

TEST(RpcParsers, ReplyEnvelope) {
  EXPECT_EQ(parse_rpc_reply(R"({"jsonrpc":"2.0","id":7,"result":"0x7a69"})", "eth_chainId", 7), "0x7a69");
  EXPECT_TRUE(parse_rpc_reply(R"({"jsonrpc":"2.0","id":7,"result":null})", "eth_getTransactionReceipt", 7).is_null());
  EXPECT_NE(expect_parse_error([] { parse_rpc_reply(R"({"jsonrpc":"2.0","id":8,"result":1})", "eth_chainId", 7); })
                .find("eth_chainId: field 'id' is 8, expected 7"),
            std::string::npos);
  EXPECT_NE(expect_parse_error([] { parse_rpc_reply("<html>502 Bad Gateway</html>", "eth_call", 1); })
                .find("eth_call: reply is not JSON: <html>502"),
            std::string::npos);
  EXPECT_NE(expect_parse_error([] { parse_rpc_reply("[1,2]", "eth_call", 1); }).find("is a array"), std::string::npos);
  EXPECT_NE(expect_parse_error([] { parse_rpc_reply(R"({"jsonrpc":"2.0","id":1})", "eth_call", 1); })
                .find("neither 'result' nor 'error'"),
            std::string::npos);
  EXPECT_NE(expect_parse_error([] {
              parse_rpc_reply(R"({"jsonrpc":"2.0","id":1,"error":{"code":"x","message":"m"}})", "eth_call", 1);
            }).find("field 'error.code' is a string, expected an integer"),
            std::string::npos);
}

TEST(RpcParsers, ErrorObjectsBecomeRpcErrorsWithData) {
  try {
    parse_rpc_reply(R"({"jsonrpc":"2.0","id":1,"error":{"code":3,"message":"execution reverted","data":"0x08c379a0"}})",
                    "eth_estimateGas", 1);
    FAIL();
  } catch (const RpcError& error) {
    EXPECT_EQ(error.code(), 3);
    EXPECT_EQ(error.data(), from_hex("0x08c379a0"));
    EXPECT_EQ(std::string(error.what()), "eth_estimateGas: RPC error 3: execution reverted (data 0x08c379a0)");
  }
  // Nested {"data":{"data":...}} (hardhat style) and text data (no bytes).
  try {
    parse_rpc_reply(R"({"id":1,"error":{"code":-32000,"message":"reverted","data":{"data":"0xabcd"}}})", "eth_call", 1);
    FAIL();
  } catch (const RpcError& error) {
    EXPECT_EQ(error.data(), from_hex("0xabcd"));
  }
  try {
    parse_rpc_reply(R"({"id":1,"error":{"code":-32000,"message":"x","data":"not hex"}})", "eth_call", 1);
    FAIL();
  } catch (const RpcError& error) {
    EXPECT_FALSE(error.data().has_value());
  }
}

TEST(RpcParsers, ReceiptFieldsAndTypeErrors) {
  const Receipt receipt = parse_receipt(kReceipt);
  EXPECT_TRUE(receipt.succeeded);
  EXPECT_EQ(receipt.block_number, 2u);
  EXPECT_EQ(receipt.gas_used, 0x52d0u);
  EXPECT_FALSE(receipt.contract_address.has_value());
  EXPECT_EQ(receipt.to->lower_hex(), "0x5fbdb2315678afecb367f032d93f642f64180aa3");
  EXPECT_EQ(receipt.effective_gas_price, Uint256(2000000000));

  json bad = kReceipt;
  bad["status"] = 1;
  EXPECT_EQ(expect_parse_error([&] { parse_receipt(bad); }),
            "eth_getTransactionReceipt: field 'status' is a number, expected a hex string");
  bad = kReceipt;
  bad["status"] = "0x2";
  EXPECT_EQ(expect_parse_error([&] { parse_receipt(bad); }),
            "eth_getTransactionReceipt: field 'status' is 2, expected 0x0 or 0x1");
  bad = kReceipt;
  bad.erase("blockHash");
  EXPECT_EQ(expect_parse_error([&] { parse_receipt(bad); }), "eth_getTransactionReceipt: missing field 'blockHash'");
  bad = kReceipt;
  bad["from"] = "0x1234";
  EXPECT_EQ(expect_parse_error([&] { parse_receipt(bad); }),
            "eth_getTransactionReceipt: field 'from' has 2 bytes, expected 20");
  bad = kReceipt;
  bad["blockNumber"] = "0x10000000000000000";
  EXPECT_EQ(expect_parse_error([&] { parse_receipt(bad); }),
            "eth_getTransactionReceipt: field 'blockNumber' does not fit in 64 bits");
  bad = kReceipt;
  bad["logs"] = json::object();
  EXPECT_EQ(expect_parse_error([&] { parse_receipt(bad); }),
            "eth_getTransactionReceipt: field 'logs' is a object, expected an array");
  EXPECT_EQ(expect_parse_error([] { parse_receipt(json("0x1")); }),
            "eth_getTransactionReceipt: result is a string, expected an object");
}

TEST(RpcParsers, LogsBlocksAndFees) {
  const json logs = json::parse(R"([{"address":"0x5fbdb2315678afecb367f032d93f642f64180aa3","topics":
    ["0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"],"data":"0x68656c6c6f",
    "blockHash":"0xa4ac4a57a6e18f9f20d19028cd267fb345c26a14ca906dbea21ab49695c693b7","blockNumber":"0x2",
    "transactionHash":"0x0294ca6cb531ba83bc0047e975bdcd505df589249bc85c121a27900176964d23",
    "transactionIndex":"0x0","logIndex":"0x3","removed":false}])");
  const auto parsed = parse_logs(logs);
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_EQ(parsed[0].log_index, 3u);
  EXPECT_EQ(as_text(parsed[0].data), "hello");
  json five_topics = logs;
  five_topics[0]["topics"] = json::array({kLogTopic, kLogTopic, kLogTopic, kLogTopic, kLogTopic});
  EXPECT_NE(expect_parse_error([&] { parse_logs(five_topics); }).find("at most 4"), std::string::npos);

  const json block = json::parse(R"({"number":"0x5","hash":"0x3d2eb5eda3bdcb8fbaa1f9580a5940e1717172e5b477b514e10eca2cde309f3f",
    "parentHash":"0x49f3fd7761eef39e8766c93cb718a9c95b232a7bfe9c9e910885f210b02ef3b3","timestamp":"0x6b060aa0",
    "gasLimit":"0x1c9c380","gasUsed":"0x0","baseFeePerGas":"0x3b9aca00","transactions":[]})");
  EXPECT_EQ(parse_block(block).number, 5u);
  const FeeData fees = parse_fee_data(json("0x77359400"), json("0x3b9aca00"), block);
  EXPECT_EQ(fees.gas_price, Uint256(2000000000));
  EXPECT_EQ(fees.max_priority_fee_per_gas, Uint256(1000000000));
  EXPECT_EQ(fees.max_fee_per_gas, Uint256(3000000000));
  // No eth_maxPriorityFeePerGas: ethers' 1 gwei default.
  EXPECT_EQ(parse_fee_data(json("0x1"), std::nullopt, block).max_priority_fee_per_gas, Uint256(1000000000));
  // No baseFeePerGas: a legacy chain.
  json legacy_block = block;
  legacy_block.erase("baseFeePerGas");
  EXPECT_FALSE(parse_fee_data(json("0x1"), json("0x1"), legacy_block).supports_eip1559());
  json huge = block;
  huge["baseFeePerGas"] = "0x" + std::string(64, 'f');
  EXPECT_THROW(parse_fee_data(json("0x1"), json("0x1"), huge), ParseError);
}

}  // namespace
}  // namespace zg::eth
