// The zg CLI's ledger and inference commands as a user drives them, against a devnet started with
// `zg devnet up`: funding a provider sub-account (with the local minimum checks), listing services,
// API keys and their revocation, retrieving funds across the lock time, refunding to the wallet.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "broker/session_token.hpp"
#include "common/hex.hpp"
#include "cli_runner.hpp"
#include "contracts/inference_serving.hpp"
#include "crypto/keccak.hpp"
#include "devnet/devnet_file.hpp"

namespace {

using namespace zg;
using eth::parse_amount;

class LedgerCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::filesystem::temp_directory_path() / ("zg-ledger-cli-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    env_ = {"ZG_DEVNET_FILE=" + (dir_ / "devnet.json").string()};
    // Without the provider simulator: this suite registers its own services with known prices.
    const auto up = test::run_zg({"devnet", "up", "--no-provider"}, env_);
    ASSERT_EQ(up.exit_code, 0) << up.err;
    state_ = devnet::DevnetState::load(dir_ / "devnet.json");
    key_file_ = dir_ / "user.key";
    std::ofstream(key_file_) << state_.account("user").private_key << "\n";
    std::filesystem::permissions(key_file_, std::filesystem::perms(0600));
    register_services();
  }
  static void TearDownTestSuite() {
    test::run_zg({"devnet", "down"}, env_);
    std::filesystem::remove_all(dir_);
  }

  // The provider side is not a CLI job: the acknowledged "provider" account, and one more service
  // whose TEE signer the owner never acknowledged (list-services must hide it).
  static void register_services() {
    eth::RpcClient rpc(state_.rpc_url);
    const contracts::InferenceServing serving(rpc, state_.contracts.inference);
    contracts::ServiceParams p;
    p.url = "http://127.0.0.1:1";
    p.model = "test-model";
    p.input_price = eth::Uint256(50'000'000'000ULL);
    p.output_price = eth::Uint256(123'456'789ULL);
    p.tee_signer_address = state_.account("tee-signer").address;
    eth::TxSender provider(rpc, crypto::PrivateKey::from_hex(state_.account("provider").private_key), state_.chain_id);
    serving.add_or_update_service(provider, p, parse_amount("100"));
    eth::TxSender owner(rpc, crypto::PrivateKey::from_hex(state_.account("owner").private_key), state_.chain_id);
    serving.acknowledge_tee_signer_by_owner(owner, provider.address());

    p.model = "unacknowledged-model";
    eth::TxSender other(rpc, crypto::PrivateKey::from_hex(state_.account("finetune-provider").private_key),
                        state_.chain_id);
    serving.add_or_update_service(other, p, parse_amount("100"));
  }

  static test::CliResult zg(std::vector<std::string> args) {
    args.insert(args.end(), {"--key-file", key_file_.string()});
    return test::run_zg(args, env_);
  }
  static std::string provider() { return state_.account("provider").address.checksummed(); }

  static broker::SessionToken token_of(const std::string& api_key) {
    return broker::parse_authorization_header("Bearer " + api_key).token;
  }

  static inline std::filesystem::path dir_;
  static inline std::filesystem::path key_file_;
  static inline std::vector<std::string> env_;
  static inline devnet::DevnetState state_;
};

TEST_F(LedgerCli, ListServicesHidesUnacknowledgedSignersAndPricesPerMillionTokens) {
  const auto list = zg({"inference", "list-services"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find(provider()), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("test-model"), std::string::npos);
  EXPECT_EQ(list.out.find("unacknowledged-model"), std::string::npos) << list.out;
  // 5e10 neuron/token = 0.05 0G per million; 123456789 neuron/token = 0.000123456789 0G per million.
  EXPECT_NE(list.out.find("0.05 "), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("0.000123456789 "), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("prices in 0G per million tokens"), std::string::npos);
  EXPECT_NE(list.out.find("1 service(s) hidden"), std::string::npos) << list.out;

  const auto all = zg({"inference", "list-services", "--all", "--json"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  const auto j = all.json();
  EXPECT_EQ(j["total"], 2);
  ASSERT_EQ(j["services"].size(), 2u);
  for (const auto& s : j["services"]) {
    if (s["model"] == "test-model") {
      EXPECT_EQ(s["inputPricePerMillion0G"], "0.05");
      EXPECT_EQ(s["outputPrice"], "123456789");
      EXPECT_EQ(s["teeSignerAcknowledged"], true);
    } else {
      EXPECT_EQ(s["teeSignerAcknowledged"], false);
    }
  }
}

TEST_F(LedgerCli, FundUseKeysRetrieveAndRefund) {
  ASSERT_EQ(zg({"ledger", "add", "--amount", "10"}).exit_code, 0);

  // A new sub-account needs 1 0G: refused before anything is sent.
  const auto small = zg({"ledger", "transfer", "--provider", provider(), "--amount", "0.5"});
  EXPECT_EQ(small.exit_code, 2);
  EXPECT_NE(small.err.find("needs at least 1 0G (asked for 0.5 0G)"), std::string::npos) << small.err;
  const auto too_much = zg({"ledger", "transfer", "--provider", provider(), "--amount", "11"});
  EXPECT_EQ(too_much.exit_code, 2);
  EXPECT_NE(too_much.err.find("10 0G available"), std::string::npos) << too_much.err;

  const auto transfer = zg({"ledger", "transfer", "--provider", provider(), "--amount", "2", "--json"});
  ASSERT_EQ(transfer.exit_code, 0) << transfer.err;
  auto j = transfer.json();
  EXPECT_EQ(j["service"], "inference-v1.0");
  EXPECT_EQ(j["newSubAccount"], true);
  EXPECT_EQ(j["account"]["balance"], "2000000000000000000");
  EXPECT_EQ(j["account"]["acknowledged"], true);
  EXPECT_EQ(j["ledger"]["availableBalance0G"], "8");
  EXPECT_EQ(j["ledger"]["totalBalance0G"], "10");

  const auto show = zg({"ledger", "show"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("available   8 0G"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("provider " + provider()), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("balance          2 0G"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("acknowledged     yes"), std::string::npos) << show.out;

  // API keys: lowest free id, chain generation, signed by the wallet.
  auto create = zg({"inference", "api-key", "create", "--provider", provider()});
  ASSERT_EQ(create.exit_code, 0) << create.err;
  ASSERT_EQ(create.out.rfind("app-sk-", 0), 0u) << create.out;
  auto token = token_of(create.out.substr(0, create.out.size() - 1));
  EXPECT_EQ(token.token_id, 0);
  EXPECT_EQ(token.generation, 0u);
  EXPECT_EQ(token.expires_at_ms, 0);
  EXPECT_EQ(token.address, state_.account("user").address.checksummed());
  EXPECT_EQ(token.provider, provider());

  create = zg({"inference", "api-key", "create", "--provider", provider(), "--token-id", "7", "--expires-in", "60", "--json"});
  ASSERT_EQ(create.exit_code, 0) << create.err;
  token = token_of(create.json()["apiKey"]);
  EXPECT_EQ(token.token_id, 7);
  EXPECT_EQ(token.expires_at_ms - token.timestamp_ms, 60'000);

  ASSERT_EQ(zg({"inference", "api-key", "revoke", "--provider", provider(), "--token-id", "0"}).exit_code, 0);
  auto list = zg({"inference", "api-key", "list", "--provider", provider(), "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(list.json()["revokedTokenIds"], nlohmann::json::array({0}));
  EXPECT_EQ(list.json()["nextFreeTokenId"], 1);
  const auto revoked = zg({"inference", "api-key", "create", "--provider", provider(), "--token-id", "0"});
  EXPECT_EQ(revoked.exit_code, 2);
  EXPECT_NE(revoked.err.find("token id 0 is revoked"), std::string::npos) << revoked.err;
  create = zg({"inference", "api-key", "create", "--provider", provider(), "--json"});
  EXPECT_EQ(token_of(create.json()["apiKey"]).token_id, 1);

  const auto revoke_all = zg({"inference", "api-key", "revoke-all", "--provider", provider()});
  ASSERT_EQ(revoke_all.exit_code, 0) << revoke_all.err;
  EXPECT_NE(revoke_all.out.find("generation       1"), std::string::npos) << revoke_all.out;
  list = zg({"inference", "api-key", "list", "--provider", provider()});
  EXPECT_NE(list.out.find("revoked ids      none"), std::string::npos) << list.out;
  create = zg({"inference", "api-key", "create", "--provider", provider(), "--json"});
  token = token_of(create.json()["apiKey"]);
  EXPECT_EQ(token.generation, 1u);
  EXPECT_EQ(token.token_id, 0);

  // Retrieve: requested now, unlocked after the devnet's lock time (3600 s).
  auto retrieve = zg({"ledger", "retrieve", "--all", "--json"});
  ASSERT_EQ(retrieve.exit_code, 0) << retrieve.err;
  j = retrieve.json();
  EXPECT_EQ(j["returnedToLedger"], "0");
  ASSERT_EQ(j["accounts"].size(), 1u);
  const auto& refund = j["accounts"][0]["refunds"][0];
  EXPECT_EQ(refund["amount0G"], "2");
  EXPECT_EQ(refund["unlocksAt"].get<std::uint64_t>(), std::stoull(refund["createdAt"].get<std::string>()) + 3600);
  EXPECT_EQ(refund["unlocked"], false);
  const auto shown = zg({"ledger", "show"});
  EXPECT_NE(shown.out.find("pending refund   2 0G"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("locked until " + refund["unlocksAtUtc"].get<std::string>() + " (in 60 min)"),
            std::string::npos)
      << shown.out;

  eth::RpcClient rpc(state_.rpc_url);
  rpc.evm_increase_time(3600);
  rpc.evm_mine();
  retrieve = zg({"ledger", "retrieve", "--provider", provider()});
  ASSERT_EQ(retrieve.exit_code, 0) << retrieve.err;
  EXPECT_NE(retrieve.out.find("2 0G of matured refunds returned to your ledger"), std::string::npos) << retrieve.out;
  EXPECT_NE(retrieve.out.find("available   10 0G"), std::string::npos) << retrieve.out;

  // Refund: must leave 0 or >= 3 0G; explained locally.
  const auto leaves_two = zg({"ledger", "refund", "--amount", "8"});
  EXPECT_EQ(leaves_two.exit_code, 2);
  EXPECT_NE(leaves_two.err.find("would leave 2 0G in your ledger; it must keep 0 or at least 3 0G"), std::string::npos)
      << leaves_two.err;
  const auto wallet = state_.account("user").address;
  const auto before = rpc.get_balance(wallet);
  const auto refunded = zg({"ledger", "refund", "--amount", "7", "--json"});
  ASSERT_EQ(refunded.exit_code, 0) << refunded.err;
  EXPECT_EQ(refunded.json()["availableBalance0G"], "3");
  const auto receipt = rpc.get_transaction_receipt(fixed_from_hex<32>(refunded.json()["transactionHash"].get<std::string>()));
  ASSERT_TRUE(receipt.has_value());
  EXPECT_EQ(rpc.get_balance(wallet), before + parse_amount("7") - *receipt->effective_gas_price * eth::Uint256(receipt->gas_used));
}

TEST_F(LedgerCli, FineTuningSubAccountsUseTheirOwnServiceName) {
  const std::vector<std::string> env{env_[0], "ZG_PRIVATE_KEY=" + state_.account("owner").private_key};
  ASSERT_EQ(test::run_zg({"ledger", "add", "--amount", "5"}, env).exit_code, 0);
  const auto provider = state_.account("finetune-provider").address.checksummed();
  const auto transfer = test::run_zg(
      {"ledger", "transfer", "--service", "fine-tuning", "--provider", provider, "--amount", "1", "--json"}, env);
  ASSERT_EQ(transfer.exit_code, 0) << transfer.err;
  EXPECT_EQ(transfer.json()["service"], "fine-tuning-v1.0");
  EXPECT_EQ(transfer.json()["ledger"]["availableBalance0G"], "4");
  EXPECT_EQ(transfer.json()["ledger"]["totalBalance0G"], "5");
  const auto retrieve = test::run_zg({"ledger", "retrieve", "--service", "fine-tuning", "--all"}, env);
  ASSERT_EQ(retrieve.exit_code, 0) << retrieve.err;
  EXPECT_NE(retrieve.out.find("refund requested from 1 fine-tuning provider(s)"), std::string::npos) << retrieve.out;
  // The inference view of the same wallet has no sub-accounts.
  const auto show = test::run_zg({"ledger", "show"}, env);
  EXPECT_NE(show.out.find("no inference provider sub-accounts"), std::string::npos) << show.out;
}

TEST_F(LedgerCli, ClearErrorsBeforeAnythingIsSent) {
  const auto bad_provider = zg({"ledger", "transfer", "--provider", "0x123", "--amount", "1"});
  EXPECT_EQ(bad_provider.exit_code, 2);
  EXPECT_NE(bad_provider.err.find("--provider '0x123' is not an address"), std::string::npos) << bad_provider.err;
  const auto nobody = zg({"ledger", "transfer", "--provider", state_.account("tee-signer").address.checksummed(),
                           "--amount", "1"});
  EXPECT_EQ(nobody.exit_code, 2);
  EXPECT_NE(nobody.err.find("has no inference service registered"), std::string::npos) << nobody.err;
  const auto both = zg({"ledger", "retrieve", "--all", "--provider", provider()});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("either --provider"), std::string::npos) << both.err;
  const auto service = zg({"ledger", "retrieve", "--all", "--service", "storage"});
  EXPECT_EQ(service.exit_code, 2);
  EXPECT_NE(service.err.find("--service must be 'inference' or 'fine-tuning'"), std::string::npos) << service.err;
  const auto token = zg({"inference", "api-key", "revoke", "--provider", provider(), "--token-id", "255"});
  EXPECT_EQ(token.exit_code, 2);
  EXPECT_NE(token.err.find("--token-id must be between 0 and 254"), std::string::npos) << token.err;

  // A wallet without a ledger is told how to make one.
  const auto no_ledger = test::run_zg({"ledger", "transfer", "--provider", provider(), "--amount", "1"},
                                      {env_[0], "ZG_PRIVATE_KEY=" + state_.account("tee-signer").private_key});
  EXPECT_EQ(no_ledger.exit_code, 2);
  EXPECT_NE(no_ledger.err.find("zg ledger add --amount 3"), std::string::npos) << no_ledger.err;

  const auto help = test::run_zg({"ledger", "retrieve", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("example: zg ledger retrieve --all"), std::string::npos) << help.out;
}

}  // namespace
