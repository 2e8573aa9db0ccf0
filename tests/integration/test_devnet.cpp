// The devnet end to end on a real anvil with the real 0G contracts: deployment through our own
// transactions, service registration read back, a ledger created and read back to the neuron,
// reverts decoded into their names, and the CLI's devnet lifecycle as a user drives it.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>

#include "cli_runner.hpp"
#include "common/error.hpp"
#include "contracts/ledger_manager.hpp"
#include "contracts/serving_contracts.hpp"
#include "devnet/devnet.hpp"

namespace {

using namespace zg;

std::filesystem::path fresh_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("zg-devnet-test-" + std::to_string(::getpid()) + "-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

class DevnetTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fresh_dir("core");
    devnet::DevnetOptions options;
    options.state_file = dir_ / "devnet.json";
    options.lock_time_seconds = 7200;
    options.penalty_percentage = 25;
    devnet_ = std::make_unique<devnet::Devnet>(devnet::Devnet::up(options));
  }
  static void TearDownTestSuite() {
    devnet_.reset();  // stops anvil
    std::filesystem::remove_all(dir_);
  }

  const devnet::DevnetState& state() const { return devnet_->state(); }
  crypto::PrivateKey key(const std::string& role) const {
    return crypto::PrivateKey::from_hex(state().account(role).private_key);
  }

  static inline std::filesystem::path dir_;
  static inline std::unique_ptr<devnet::Devnet> devnet_;
};

TEST_F(DevnetTest, StateFileDescribesTheRunningChain) {
  const auto loaded = devnet::DevnetState::load(devnet_->state_file());
  EXPECT_EQ(loaded.rpc_url, state().rpc_url);
  EXPECT_EQ(loaded.chain_id, 31337u);
  EXPECT_EQ(loaded.contracts.inference, state().contracts.inference);
  EXPECT_EQ(std::filesystem::status(devnet_->state_file()).permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none);
  eth::RpcClient rpc(state().rpc_url);
  EXPECT_EQ(rpc.chain_id(), 31337u);
  // Every proxy, beacon and implementation has code.
  for (const auto& a : {state().contracts.ledger, state().contracts.inference, state().contracts.finetune,
                        state().contracts.ledger_beacon, state().contracts.inference_impl}) {
    EXPECT_FALSE(rpc.get_code(a).empty()) << a.checksummed();
  }
}

TEST_F(DevnetTest, BothServicesAreRegisteredInTheLedgerManager) {
  eth::RpcClient rpc(state().rpc_url);
  const contracts::LedgerManager ledger(rpc, state().contracts.ledger);
  const auto inference = ledger.get_service_info(state().contracts.inference);
  EXPECT_EQ(inference.service_type, "inference");
  EXPECT_EQ(inference.version, "v1.0");
  EXPECT_EQ(inference.full_name, "inference-v1.0");
  EXPECT_EQ(inference.service_contract, state().contracts.inference);
  const auto finetune = ledger.get_service_info(state().contracts.finetune);
  EXPECT_EQ(finetune.service_type, "fine-tuning");
  EXPECT_EQ(finetune.full_name, "fine-tuning-v1.0");
  EXPECT_EQ(finetune.service_contract, state().contracts.finetune);
  // Initialized through the proxies with the options we gave.
  EXPECT_EQ(contracts::read_lock_time(rpc, state().contracts.inference), 7200u);
  EXPECT_EQ(contracts::read_lock_time(rpc, state().contracts.finetune), 7200u);
  EXPECT_EQ(contracts::read_penalty_percentage(rpc, state().contracts.finetune), 25u);
}

TEST_F(DevnetTest, AddLedgerThenReadItBackToTheNeuron) {
  eth::RpcClient rpc(state().rpc_url);
  const contracts::LedgerManager ledger(rpc, state().contracts.ledger);
  eth::TxSender user(rpc, key("provider"), state().chain_id);  // an account no other test funds
  ASSERT_FALSE(ledger.get_ledger(user.address()).has_value());

  const auto wallet_before = rpc.get_balance(user.address());
  const auto amount = eth::parse_amount("3.141592653589793238");
  const auto receipt = ledger.add_ledger(user, amount, "hello");
  ASSERT_TRUE(receipt.succeeded);

  const auto l = ledger.get_ledger(user.address());
  ASSERT_TRUE(l.has_value());
  EXPECT_EQ(l->user, user.address());
  EXPECT_EQ(l->available_balance.to_dec(), "3141592653589793238");
  EXPECT_EQ(l->total_balance, amount);
  EXPECT_EQ(l->additional_info, "hello");
  // The wallet paid exactly the deposit plus gas.
  ASSERT_TRUE(receipt.effective_gas_price.has_value());
  const auto gas_cost = *receipt.effective_gas_price * eth::Uint256(receipt.gas_used);
  EXPECT_EQ(rpc.get_balance(user.address()), wallet_before - amount - gas_cost);
}

TEST_F(DevnetTest, RevertsReachTheCallerDecoded) {
  eth::RpcClient rpc(state().rpc_url);
  const contracts::LedgerManager ledger(rpc, state().contracts.ledger);
  eth::TxSender user(rpc, key("tee-signer"), state().chain_id);
  const auto nonce_before = rpc.get_transaction_count(user.address());
  try {
    ledger.add_ledger(user, eth::parse_amount("1"));
    FAIL() << "addLedger with 1 0G was accepted";
  } catch (const contracts::ContractRevert& e) {
    EXPECT_EQ(e.error_name(), "MinimumDepositRequired");
    EXPECT_STREQ(e.what(),
                 "LedgerManager.addLedger reverted: MinimumDepositRequired(provided=1000000000000000000, "
                 "required=3000000000000000000)");
  }
  // Refused at gas estimation: nothing was sent.
  EXPECT_EQ(rpc.get_transaction_count(user.address()), nonce_before);

  ledger.add_ledger(user, eth::parse_amount("3"));
  try {
    ledger.add_ledger(user, eth::parse_amount("3"));
    FAIL() << "a second addLedger was accepted";
  } catch (const contracts::ContractRevert& e) {
    EXPECT_EQ(e.error_name(), "LedgerExists");
  }
  // refund must leave 0 or at least 3 0G.
  try {
    ledger.refund(user, eth::parse_amount("1"));
    FAIL() << "refund leaving 2 0G was accepted";
  } catch (const contracts::ContractRevert& e) {
    EXPECT_EQ(e.error_name(), "MinimumDepositRequired");
  }
  // Only the owner may register services.
  try {
    ledger.register_service(user, "inference", "v9.9", state().contracts.inference, "x");
    FAIL() << "a non-owner registered a service";
  } catch (const contracts::ContractRevert& e) {
    EXPECT_NE(std::string(e.what()).find("Ownable: caller is not the owner"), std::string::npos) << e.what();
  }
}

TEST(DevnetLifecycle, FailedStartLeavesNoStateFile) {
  const auto dir = fresh_dir("nofile");
  devnet::DevnetOptions options;
  options.state_file = dir / "devnet.json";
  ::setenv("ZG_ANVIL", "/nonexistent/anvil", 1);
  EXPECT_THROW(devnet::Devnet::up(options), Error);
  ::unsetenv("ZG_ANVIL");
  EXPECT_FALSE(std::filesystem::exists(options.state_file));
  std::filesystem::remove_all(dir);
}

// The CLI as a user drives it: up, ledger, show, down; and nothing left running.
TEST(DevnetCli, UpLedgerShowDown) {
  const auto dir = fresh_dir("cli");
  const std::string file = "ZG_DEVNET_FILE=" + (dir / "devnet.json").string();
  const auto key_file = dir / "user.key";
  std::ofstream(key_file) << "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80\n";
  std::filesystem::permissions(key_file, std::filesystem::perms(0600));

  const auto up = test::run_zg({"devnet", "up", "--json"}, {file});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  const auto state = up.json();
  const int anvil_pid = state["anvilPid"];
  EXPECT_EQ(::kill(anvil_pid, 0), 0);
  EXPECT_NE(up.err.find("registering inference/v1.0"), std::string::npos) << up.err;
  // The whole devnet by default: both providers and the 0G Storage node run, each by its recorded PID.
  for (const char* part : {"provider", "finetuneProvider", "storage"}) {
    ASSERT_TRUE(state[part].is_object()) << part << " missing from " << state.dump();
    EXPECT_EQ(::kill(state[part]["pid"].get<int>(), 0), 0) << part;
    EXPECT_EQ(state[part]["url"].get<std::string>().rfind("http://127.0.0.1:", 0), 0u) << part;
  }
  EXPECT_NE(state["contracts"]["flow"], "0x0000000000000000000000000000000000000000");
  EXPECT_TRUE(state["embeddingProvider"].is_null()) << "only with --embedding-provider";

  const auto again = test::run_zg({"devnet", "up"}, {file});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("already recorded"), std::string::npos);

  const auto small = test::run_zg({"ledger", "add", "--amount", "1", "--key-file", key_file.string()}, {file});
  EXPECT_EQ(small.exit_code, 2);
  EXPECT_NE(small.err.find("at least 3 0G"), std::string::npos) << small.err;

  const auto add = test::run_zg({"ledger", "add", "--amount", "3", "--key-file", key_file.string(), "--json"}, {file});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  EXPECT_EQ(add.json()["availableBalance"], "3000000000000000000");

  const auto show = test::run_zg({"ledger", "show", "--key-file", key_file.string()}, {file});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("available   3 0G"), std::string::npos) << show.out;
  const auto by_address = test::run_zg({"--json", "ledger", "show", "--address", "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"}, {file});
  ASSERT_EQ(by_address.exit_code, 0) << by_address.err;
  EXPECT_EQ(by_address.json()["totalBalance0G"], "3");

  const auto deposit = test::run_zg({"ledger", "deposit", "--amount", "0.5", "--json"},
                                    {file, "ZG_PRIVATE_KEY=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"});
  ASSERT_EQ(deposit.exit_code, 0) << deposit.err;
  EXPECT_EQ(deposit.json()["totalBalance"], "3500000000000000000");

  const auto down = test::run_zg({"devnet", "down"}, {file});
  ASSERT_EQ(down.exit_code, 0) << down.err;
  EXPECT_EQ(down.out, "devnet stopped\n");
  EXPECT_FALSE(std::filesystem::exists(dir / "devnet.json"));
  EXPECT_TRUE(zg::wait_until([&] { return ::kill(anvil_pid, 0) != 0; }, std::chrono::seconds(5)));

  const auto status = test::run_zg({"devnet", "status"}, {file});
  EXPECT_EQ(status.exit_code, 2);
  EXPECT_NE(status.err.find("zg devnet up"), std::string::npos);
  std::filesystem::remove_all(dir);
}

// --embedding-provider adds a provider of service type "embedding", recorded and stopped like the others.
TEST(DevnetCli, EmbeddingProviderOnRequest) {
  const auto dir = fresh_dir("cli-embedding");
  const std::string file = "ZG_DEVNET_FILE=" + (dir / "devnet.json").string();
  const auto up = test::run_zg({"devnet", "up", "--embedding-provider", "--no-finetune-provider", "--json"}, {file});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  const auto state = up.json();
  ASSERT_TRUE(state["embeddingProvider"].is_object()) << state.dump();
  const int pid = state["embeddingProvider"]["pid"];
  EXPECT_EQ(::kill(pid, 0), 0);
  EXPECT_EQ(state["embeddingProvider"]["address"], "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955");
  EXPECT_TRUE(state["finetuneProvider"].is_null());

  const auto services = test::run_zg({"inference", "list-services", "--json"}, {file});
  ASSERT_EQ(services.exit_code, 0) << services.err;
  EXPECT_NE(services.out.find("zg-embed-1"), std::string::npos) << services.out;
  EXPECT_NE(services.out.find("\"embedding\""), std::string::npos) << services.out;

  const auto down = test::run_zg({"devnet", "down"}, {file});
  ASSERT_EQ(down.exit_code, 0) << down.err;
  EXPECT_TRUE(zg::wait_until([&] { return ::kill(pid, 0) != 0; }, std::chrono::seconds(10)));
  std::filesystem::remove_all(dir);
}

TEST(DevnetCli, DemoRunsTheMainJobAndStopsEverything) {
  const auto demo = test::run_zg({"demo", "--json"});
  ASSERT_EQ(demo.exit_code, 0) << demo.err;
  const auto result = demo.json();
  EXPECT_EQ(result["ledger"]["availableBalance0G"], "3");
  EXPECT_NE(result["refusedSmallLedger"].get<std::string>().find("MinimumDepositRequired"), std::string::npos);
  EXPECT_EQ(result["services"], nlohmann::json({"inference-v1.0", "fine-tuning-v1.0"}));
  // The inference half: a verified streamed chat and a settlement that moved exactly the fee.
  const auto& inference = result["inference"];
  EXPECT_EQ(inference["verification"], "verified");
  EXPECT_EQ(inference["content"], "echo: What is 0G Compute?");
  const auto fee = eth::Uint256::from_dec(inference["fee"].get<std::string>());
  EXPECT_FALSE(fee.is_zero());
  EXPECT_EQ(inference["subAccountBalance"], (eth::parse_amount("2") - fee).to_dec());
  EXPECT_EQ(inference["ledger"]["totalBalance"], (eth::parse_amount("3") - fee).to_dec());
  EXPECT_NE(demo.err.find("quote checked"), std::string::npos) << demo.err;
  // The demo's anvil is gone: the port in its log no longer answers.
  const auto pos = demo.err.find("listening on http://127.0.0.1:");
  ASSERT_NE(pos, std::string::npos);
  const auto url = demo.err.substr(pos + 13, demo.err.find('\n', pos) - pos - 13);
  EXPECT_THROW(eth::RpcClient(url).chain_id(), IoError);
}

}  // namespace
