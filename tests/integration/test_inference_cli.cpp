// `zg inference ...` end to end as a user drives it: a real devnet (anvil + the 0G contracts) with
// the provider simulator, the real zg binary, and only what a user sees (stdout, stderr, exit code,
// JSON). InferenceCliFlow shares one `zg devnet up` across its cases, which build on each other in
// order (refused, funded, acknowledged, chatted, verified). The other suites start a devnet whose
// provider misbehaves in one way each and check that the CLI tells the user.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cli_runner.hpp"
#include "devnet/devnet.hpp"
#include "eth/rpc_client.hpp"
#include "eth/uint256.hpp"

namespace {

using namespace zg;

constexpr const char* kUserKey = "ZG_PRIVATE_KEY=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
constexpr const char* kUserAddress = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";  // kUserKey's
constexpr const char* kProvider = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

std::filesystem::path fresh_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("zg-inference-cli-" + std::to_string(::getpid()) + "-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// ---------------------------------------------------------------------------------------------
// The whole flow against the devnet `zg devnet up` starts (its provider behaves).

class InferenceCliFlow : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fresh_dir("flow");
    file_ = "ZG_DEVNET_FILE=" + (dir_ / "devnet.json").string();
    const auto up = test::run_zg({"devnet", "up", "--json"}, {file_});
    up_ok_ = up.exit_code == 0;
    up_err_ = up.err;
  }
  static void TearDownTestSuite() {
    if (up_ok_) test::run_zg({"devnet", "down"}, {file_});
    std::filesystem::remove_all(dir_);
  }
  void SetUp() override { ASSERT_TRUE(up_ok_) << "zg devnet up failed:\n" << up_err_; }

  static test::CliResult zg(std::vector<std::string> args) { return test::run_zg(std::move(args), {file_, kUserKey}); }

  static inline std::filesystem::path dir_;
  static inline std::string file_;
  static inline bool up_ok_ = false;
  static inline std::string up_err_;
  static inline std::string chat_id_;  // from the --json chat, verified later
};

TEST_F(InferenceCliFlow, ListServicesShowsTheSimulatedProvider) {
  const auto status = test::run_zg({"--json", "devnet", "status"}, {file_});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  ASSERT_TRUE(status.json()["provider"].is_object()) << status.out;
  EXPECT_EQ(status.json()["provider"]["address"], kProvider);
  const std::string url = status.json()["provider"]["url"];

  const auto text = zg({"inference", "list-services"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_TRUE(contains(text.out, kProvider)) << text.out;
  EXPECT_TRUE(contains(text.out, "zg-sim-1")) << text.out;
  EXPECT_TRUE(contains(text.out, url)) << text.out;

  const auto json = zg({"--json", "inference", "list-services"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto services = json.json()["services"];
  ASSERT_EQ(services.size(), 1u) << json.out;
  EXPECT_EQ(services[0]["provider"], kProvider);
  EXPECT_EQ(services[0]["model"], "zg-sim-1");
  EXPECT_EQ(services[0]["url"], url);
  EXPECT_EQ(services[0]["teeSignerAcknowledged"], true);
}

TEST_F(InferenceCliFlow, ChatWithoutAnAccountIsRefusedByTheProvider) {
  const auto chat = zg({"inference", "chat", "--provider", kProvider, "hello"});
  EXPECT_EQ(chat.exit_code, 1) << chat.err;
  // The provider's own words reach the user, with the HTTP status; no answer was printed.
  EXPECT_TRUE(contains(chat.err, "HTTP 400")) << chat.err;
  EXPECT_TRUE(contains(chat.err, "account not exist")) << chat.err;
  // ... and what to do about it; auto-funding never creates a sub-account, so it sent nothing.
  EXPECT_TRUE(contains(chat.err, "zg ledger transfer --provider " + std::string(kProvider) + " --amount 1")) << chat.err;
  EXPECT_FALSE(contains(chat.err, "auto-funding")) << chat.err;
  EXPECT_EQ(chat.out, "");
}

TEST_F(InferenceCliFlow, AcknowledgeBeforeFundingSaysToTransfer) {
  const auto add = zg({"ledger", "add", "--amount", "3"});
  ASSERT_EQ(add.exit_code, 0) << add.err;

  const auto ack = zg({"inference", "acknowledge", "--provider", kProvider});
  ASSERT_EQ(ack.exit_code, 0) << ack.err;
  EXPECT_TRUE(contains(ack.out, "zg ledger transfer --provider " + std::string(kProvider))) << ack.out;

  const auto json = zg({"--json", "inference", "acknowledge", "--provider", kProvider});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(json.json()["action"], "fund-first");
  EXPECT_EQ(json.json()["quote"]["signerMatches"], true);
  EXPECT_EQ(json.json()["quote"]["composeHash"], "matches");
  EXPECT_FALSE(json.json().contains("transactionHash"));
}

TEST_F(InferenceCliFlow, TransferAcknowledgesSoAcknowledgeSendsNothing) {
  const auto transfer = zg({"ledger", "transfer", "--provider", kProvider, "--amount", "2"});
  ASSERT_EQ(transfer.exit_code, 0) << transfer.err;
  EXPECT_TRUE(contains(transfer.out, "transferred 2 0G to " + std::string(kProvider))) << transfer.out;

  const auto ack = zg({"inference", "acknowledge", "--provider", kProvider});
  ASSERT_EQ(ack.exit_code, 0) << ack.err;
  EXPECT_TRUE(contains(ack.out, "already acknowledged; nothing sent")) << ack.out;
  EXPECT_FALSE(contains(ack.err, "sending acknowledgeTEESigner")) << ack.err;

  const auto json = zg({"--json", "inference", "acknowledge", "--provider", kProvider});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(json.json()["action"], "none");
  EXPECT_FALSE(json.json().contains("transactionHash"));

  // No waiting here: the provider may still have "account not exist" cached from the refused chat
  // (zg-provider-sim --account-refresh-ms, 3 s), and the next chat must cope with that itself.
}

TEST_F(InferenceCliFlow, StreamedChatPrintsTheAnswerAndVerifiesIt) {
  const auto chat = zg({"inference", "chat", "--provider", kProvider, "What is 0G?"});
  ASSERT_EQ(chat.exit_code, 0) << chat.err;
  EXPECT_EQ(chat.out, "echo: What is 0G?\n");
  EXPECT_TRUE(contains(chat.err, "verification: verified (")) << chat.err;
  EXPECT_TRUE(contains(chat.err, "chat id: ")) << chat.err;
  EXPECT_FALSE(contains(chat.err, "chat id: (none)")) << chat.err;
  EXPECT_TRUE(contains(chat.err, "completion tokens; fee ")) << chat.err;
  // 2 0G covers nothing unsettled + 2 x 1 0G: no top-up. If the provider had the missing account
  // cached, the CLI waited for it (and said so) instead of failing.
  EXPECT_FALSE(contains(chat.err, "auto-funding")) << chat.err;
  if (contains(chat.err, "the provider is behind the chain")) {
    EXPECT_TRUE(contains(chat.err, "the provider has not seen it yet); it caches accounts for a few seconds: retrying in 1 s"))
        << chat.err;
  }
}

TEST_F(InferenceCliFlow, NonStreamedJsonChatHasContentVerdictUsageAndFee) {
  const auto services = zg({"--json", "inference", "list-services"});
  ASSERT_EQ(services.exit_code, 0) << services.err;
  const auto service = services.json()["services"][0];
  const auto input_price = eth::Uint256::from_dec(service["inputPrice"].get<std::string>());
  const auto output_price = eth::Uint256::from_dec(service["outputPrice"].get<std::string>());

  const auto ledger_before = zg({"--json", "ledger", "show"});
  ASSERT_EQ(ledger_before.exit_code, 0) << ledger_before.err;

  const auto chat = zg({"--json", "inference", "chat", "--provider", kProvider, "--no-stream", "Hello there"});
  ASSERT_EQ(chat.exit_code, 0) << chat.err;
  const auto j = chat.json();
  EXPECT_EQ(j["content"], "echo: Hello there");

  // The first chat left a fee, settled or not: 2 0G - fee < fee + 2 x 1 0G, so the SDK's rule tops
  // up max(deficit, 1 0G) = exactly 1 0G from the ledger before asking.
  EXPECT_EQ(j["autoFunding"]["action"], "transferred") << j.dump();
  EXPECT_EQ(j["autoFunding"]["amount"], "1000000000000000000") << j.dump();
  EXPECT_TRUE(contains(chat.err, "auto-funding: your sub-account has ")) << chat.err;
  EXPECT_TRUE(contains(chat.err, ": transferred 1 0G from your ledger (transaction 0x")) << chat.err;
  const auto ledger_after = zg({"--json", "ledger", "show"});
  ASSERT_EQ(ledger_after.exit_code, 0) << ledger_after.err;
  EXPECT_EQ(eth::Uint256::from_dec(ledger_before.json()["availableBalance"].get<std::string>()) -
                eth::Uint256::from_dec(ledger_after.json()["availableBalance"].get<std::string>()),
            eth::parse_amount("1"));
  EXPECT_EQ(j["verification"]["verdict"], "verified") << j.dump();
  ASSERT_TRUE(j["chatId"].is_string());
  chat_id_ = j["chatId"].get<std::string>();
  EXPECT_FALSE(chat_id_.empty());

  ASSERT_TRUE(j["usage"].is_object()) << j.dump();
  const auto prompt = j["usage"]["prompt_tokens"].get<std::uint64_t>();
  const auto completion = j["usage"]["completion_tokens"].get<std::uint64_t>();
  EXPECT_GT(prompt, 0u);
  EXPECT_GT(completion, 0u);
  ASSERT_TRUE(j["fee"].is_object()) << j.dump();
  const auto expected = eth::Uint256(prompt) * input_price + eth::Uint256(completion) * output_price;
  EXPECT_EQ(j["fee"]["neuron"], expected.to_dec()) << j.dump();
  EXPECT_EQ(j["fee"]["0G"], eth::format_amount(expected)) << j.dump();
}

TEST_F(InferenceCliFlow, VerifyAPastChatById) {
  ASSERT_FALSE(chat_id_.empty()) << "the --json chat case did not run or failed";
  const auto verify = zg({"inference", "verify", "--provider", kProvider, "--chat-id", chat_id_});
  ASSERT_EQ(verify.exit_code, 0) << verify.err;
  // signature-only, not verified: without --response-file the CLI has no response bytes to hash,
  // so it can check who signed, not that the signed response hash is the answer we got.
  EXPECT_TRUE(contains(verify.out, "signature-only: ")) << verify.out;
  EXPECT_TRUE(contains(verify.out, "response bytes are not available")) << verify.out;

  const auto json = zg({"--json", "inference", "verify", "--provider", kProvider, "--chat-id", chat_id_});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(json.json()["verdict"], "signature-only");

  const auto unknown = zg({"--json", "inference", "verify", "--provider", kProvider, "--chat-id", "no-such-chat"});
  EXPECT_NE(unknown.exit_code, 0);
}

// ---------------------------------------------------------------------------------------------
// Devnets whose provider misbehaves (started in C++; the CLI reaches them through ZG_DEVNET_FILE).

class MisbehavingProvider : public ::testing::Test {
 protected:
  // `fund_user`: a ledger of 3 0G and a 2 0G sub-account before the first case; otherwise none.
  static void start(const std::string& name, std::vector<std::string> provider_arguments, bool fund_user = true) {
    dir_ = fresh_dir(name);
    ::setenv("ZG_PROVIDER_SIM", ZG_PROVIDER_SIM_PATH, 0);
    devnet::DevnetOptions options;
    options.state_file = dir_ / "devnet.json";
    options.start_provider = true;
    options.provider_arguments = std::move(provider_arguments);
    try {
      devnet_ = std::make_unique<devnet::Devnet>(devnet::Devnet::up(options));
    } catch (const std::exception& e) {
      up_error_ = e.what();
      return;
    }
    file_ = "ZG_DEVNET_FILE=" + options.state_file.string();
    if (fund_user) funded_ = fund();
  }
  static void stop() {
    devnet_.reset();
    std::filesystem::remove_all(dir_);
    up_error_.clear();
    funded_.clear();
  }
  // Empty when the user has a ledger and a funded, acknowledged sub-account.
  static std::string fund() {
    const auto add = zg({"ledger", "add", "--amount", "3"});
    if (add.exit_code != 0) return "ledger add: " + add.err;
    const auto transfer = zg({"ledger", "transfer", "--provider", kProvider, "--amount", "2"});
    if (transfer.exit_code != 0) return "ledger transfer: " + transfer.err;
    return "";
  }
  void SetUp() override {
    ASSERT_TRUE(devnet_) << "devnet up failed: " << up_error_;
    ASSERT_EQ(funded_, "");
  }
  static test::CliResult zg(std::vector<std::string> args) { return test::run_zg(std::move(args), {file_, kUserKey}); }

  static inline std::filesystem::path dir_;
  static inline std::string file_;
  static inline std::unique_ptr<devnet::Devnet> devnet_;
  static inline std::string up_error_;
  static inline std::string funded_;
};

class InferenceCliWrongKey : public MisbehavingProvider {
 protected:
  static void SetUpTestSuite() { start("wrong-key", {"--sign-with-wrong-key"}); }
  static void TearDownTestSuite() { stop(); }
};

TEST_F(InferenceCliWrongKey, StreamedChatPrintsTheAnswerButExitsThreeWithFailed) {
  const auto chat = zg({"inference", "chat", "--provider", kProvider, "hi"});
  EXPECT_EQ(chat.exit_code, 3) << chat.err;
  EXPECT_EQ(chat.out, "echo: hi\n");  // the answer is shown; the verdict says not to trust it
  EXPECT_TRUE(contains(chat.err, "verification: failed (signed by 0x")) << chat.err;
  EXPECT_TRUE(contains(chat.err, "not by the expected signer 0x")) << chat.err;
}

TEST_F(InferenceCliWrongKey, JsonChatNamesTheSignerMismatch) {
  const auto chat = zg({"--json", "inference", "chat", "--provider", kProvider, "--no-stream", "hi"});
  EXPECT_EQ(chat.exit_code, 3) << chat.err;
  const auto j = chat.json();
  EXPECT_EQ(j["content"], "echo: hi");
  EXPECT_EQ(j["verification"]["verdict"], "failed");
  const std::string reason = j["verification"]["reason"];
  EXPECT_TRUE(contains(reason, "not by the expected signer")) << reason;
  // The expected signer is the TEE signer on chain, and the actual one is someone else.
  const auto services = zg({"--json", "inference", "list-services"});
  ASSERT_EQ(services.exit_code, 0) << services.err;
  const std::string tee_signer = services.json()["services"][0]["teeSignerAddress"];
  EXPECT_TRUE(contains(reason, "expected signer " + tee_signer)) << reason;
  EXPECT_FALSE(contains(reason, "signed by " + tee_signer)) << reason;
}

class InferenceCliTampered : public MisbehavingProvider {
 protected:
  static void SetUpTestSuite() { start("tampered", {"--tamper-response"}); }
  static void TearDownTestSuite() { stop(); }
};

TEST_F(InferenceCliTampered, ContentHashMismatchIsSignatureOnlyNotAFailure) {
  const auto chat = zg({"--json", "inference", "chat", "--provider", kProvider, "--no-stream", "hi"});
  // The CLI reports a hash mismatch as signature-only (newer brokers may rewrite bodies after
  // signing) and exits 0: only a wrong or missing signer is a failure.
  EXPECT_EQ(chat.exit_code, 0) << chat.err;
  const auto j = chat.json();
  EXPECT_EQ(j["content"], "echo: hi");
  EXPECT_EQ(j["verification"]["verdict"], "signature-only");
  const std::string reason = j["verification"]["reason"];
  EXPECT_TRUE(contains(reason, "signed response hash")) << reason;
  EXPECT_TRUE(contains(reason, "differs from sha256 of the received bytes")) << reason;
}

TEST_F(InferenceCliTampered, StreamedChatSaysSignatureOnly) {
  const auto chat = zg({"inference", "chat", "--provider", kProvider, "hi"});
  EXPECT_EQ(chat.exit_code, 0) << chat.err;
  EXPECT_EQ(chat.out, "echo: hi\n");
  EXPECT_TRUE(contains(chat.err, "verification: signature-only (signature ok; the signed response hash")) << chat.err;
}

class InferenceCliProvider5xx : public MisbehavingProvider {
 protected:
  static void SetUpTestSuite() { start("5xx", {"--fail-with-5xx", "1"}); }
  static void TearDownTestSuite() { stop(); }
};

TEST_F(InferenceCliProvider5xx, FirstChatShowsTheProviderErrorSecondSucceeds) {
  const auto first = zg({"inference", "chat", "--provider", kProvider, "--no-stream", "hi"});
  EXPECT_EQ(first.exit_code, 1) << first.err;
  EXPECT_EQ(first.out, "");
  EXPECT_TRUE(contains(first.err, "HTTP 500")) << first.err;
  EXPECT_TRUE(contains(first.err, "simulated provider failure")) << first.err;

  const auto second = zg({"inference", "chat", "--provider", kProvider, "--no-stream", "hi"});
  EXPECT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.out, "echo: hi\n");
  EXPECT_TRUE(contains(second.err, "verification: verified (")) << second.err;
}

// A provider whose /v1/quote attests another signer and whose compose-hash event does not match
// its app_compose: acknowledging it is refused, with both reasons.
class InferenceCliForgedQuote : public MisbehavingProvider {
 protected:
  static void SetUpTestSuite() { start("forged-quote", {"--quote-wrong-signer", "--quote-wrong-compose-hash"}, false); }
  static void TearDownTestSuite() { stop(); }
};

TEST_F(InferenceCliForgedQuote, AcknowledgeRefusesWithBothReasons) {
  const auto ack = zg({"inference", "acknowledge", "--provider", kProvider});
  EXPECT_EQ(ack.exit_code, 1) << ack.err;
  EXPECT_TRUE(contains(ack.err, "refusing to acknowledge " + std::string(kProvider))) << ack.err;
  EXPECT_TRUE(contains(ack.err, "which is NOT the contract's teeSignerAddress")) << ack.err;
  EXPECT_TRUE(contains(ack.err, "compose hash MISMATCH: sha256(app_compose) = ")) << ack.err;
  EXPECT_EQ(ack.out, "");
}

// ---------------------------------------------------------------------------------------------
// Providers that see the chain late (their account cache) and auto-funding on the request path.

std::string available_in_ledger(const test::CliResult& show) { return show.json()["availableBalance"].get<std::string>(); }

// A provider that reads a sub-account once and then keeps it for 10 minutes: whatever changes on
// chain afterwards, it does not see within a test.
class InferenceCliLaggingProvider : public MisbehavingProvider {
 protected:
  static void SetUpTestSuite() { start("lagging", {"--account-refresh-ms", "600000"}, false); }
  static void TearDownTestSuite() { stop(); }
};

TEST_F(InferenceCliLaggingProvider, NoSubAccountIsRefusedWithTheWayToFundOne) {
  ASSERT_EQ(zg({"ledger", "add", "--amount", "5"}).exit_code, 0);
  const auto chat = zg({"inference", "chat", "--provider", kProvider, "--provider-wait", "1", "hi"});
  EXPECT_EQ(chat.exit_code, 1) << chat.err;
  EXPECT_TRUE(contains(chat.err, "HTTP 400: get account from contract, account not exist")) << chat.err;
  EXPECT_TRUE(contains(chat.err, "fund a sub-account with this provider first: `zg ledger transfer --provider " +
                                     std::string(kProvider) + " --amount 1`"))
      << chat.err;
  EXPECT_FALSE(contains(chat.err, "behind the chain")) << chat.err;  // the chain agrees: no account
}

TEST_F(InferenceCliLaggingProvider, FundingTheProviderHasNotSeenIsWaitedForThenExplained) {
  ASSERT_EQ(zg({"ledger", "transfer", "--provider", kProvider, "--amount", "2"}).exit_code, 0);
  const auto started = std::chrono::steady_clock::now();
  const auto chat = zg({"inference", "chat", "--provider", kProvider, "--provider-wait", "1", "hi"});
  EXPECT_EQ(chat.exit_code, 1) << chat.err;
  EXPECT_EQ(chat.out, "");
  // It retried for the second it was given, saying why, then gave up with the provider's words, what
  // the chain says, and what to do.
  EXPECT_TRUE(contains(chat.err, "the provider is behind the chain (the chain has your sub-account (2 0G) but the "
                                 "provider has not seen it yet); it caches accounts for a few seconds: retrying in 1 s ..."))
      << chat.err;
  EXPECT_TRUE(contains(chat.err, "HTTP 400: get account from contract, account not exist")) << chat.err;
  EXPECT_TRUE(contains(chat.err, "providers read accounts through a cache and see chain changes only after a while "
                                 "(seconds to minutes); retry in a few seconds"))
      << chat.err;
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));
}

// A provider whose cache lets chain changes through after 2.5 s.
class InferenceCliAutoFunding : public MisbehavingProvider {
 protected:
  static void SetUpTestSuite() { start("auto-funding", {"--account-refresh-ms", "2500"}, false); }
  static void TearDownTestSuite() { stop(); }

  // Transactions the user's wallet has sent so far (a transfer is one).
  static std::uint64_t wallet_nonce() {
    eth::RpcClient rpc(devnet_->state().rpc_url);
    return rpc.get_transaction_count(eth::Address::from_hex(kUserAddress));
  }
  static inline std::chrono::steady_clock::time_point refused_at_{};
};

TEST_F(InferenceCliAutoFunding, WithoutAutoFundingAOneZeroGAccountIsShortAndTheChainAgrees) {
  ASSERT_EQ(zg({"ledger", "add", "--amount", "5"}).exit_code, 0);
  ASSERT_EQ(zg({"ledger", "transfer", "--provider", kProvider, "--amount", "1"}).exit_code, 0);
  // 1 0G does not cover the provider's 1 0G reserve plus this request's estimate.
  const auto chat = zg({"inference", "chat", "--provider", kProvider, "--no-auto-fund", "hi"});
  EXPECT_EQ(chat.exit_code, 1) << chat.err;
  EXPECT_TRUE(contains(chat.err, "insufficient balance: your locked balance is 1.000000 0G")) << chat.err;
  EXPECT_TRUE(contains(chat.err, "top up the sub-account: `zg ledger transfer --provider " + std::string(kProvider) +
                                     " --amount 1` (or let `zg inference chat` do it: leave out --no-auto-fund)"))
      << chat.err;
  EXPECT_FALSE(contains(chat.err, "behind the chain")) << chat.err;
  EXPECT_FALSE(contains(chat.err, "auto-funding")) << chat.err;
  refused_at_ = std::chrono::steady_clock::now();
}

TEST_F(InferenceCliAutoFunding, ChatTopsUpByTheSdkRuleThenWaitsForTheProviderToSeeIt) {
  const auto before = zg({"--json", "ledger", "show"});
  ASSERT_EQ(before.exit_code, 0) << before.err;
  const auto since_refusal = std::chrono::steady_clock::now() - refused_at_;
  const auto chat = zg({"inference", "chat", "--provider", kProvider, "hi"});
  ASSERT_EQ(chat.exit_code, 0) << chat.err;
  EXPECT_EQ(chat.out, "echo: hi\n");
  // balance 1 0G < 0 unsettled + 2 x 1 0G: the deficit is 1 0G, and that is what moved.
  EXPECT_TRUE(contains(chat.err, "auto-funding: your sub-account has 1 0G (pending refund 0 0G), below unsettled fees 0 0G "
                                 "+ 2 x 1 0G reserve = 2 0G: transferred 1 0G from your ledger (transaction 0x"))
      << chat.err;
  const auto after = zg({"--json", "ledger", "show"});
  EXPECT_EQ(eth::Uint256::from_dec(available_in_ledger(before)) - eth::Uint256::from_dec(available_in_ledger(after)),
            eth::parse_amount("1"));
  // The provider still had the 1 0G account cached from the refusal (2.5 s): the CLI waited instead of failing.
  if (since_refusal < std::chrono::milliseconds(1500)) {
    EXPECT_TRUE(contains(chat.err, "the provider is behind the chain (the chain shows 2 0G available in your "
                                   "sub-account but the provider still counts 1 0G)"))
        << chat.err;
  }
  EXPECT_TRUE(contains(chat.err, "verification: verified (")) << chat.err;
}

TEST_F(InferenceCliAutoFunding, NoTransactionWhenTheBalanceIsFine) {
  const auto before = zg({"--json", "ledger", "show"});
  ASSERT_EQ(before.exit_code, 0) << before.err;
  const auto nonce_before = wallet_nonce();
  // 2 0G - one small fee (settled or unsettled) + ... : the rule asks for unsettled + 2 0G. Top it up
  // by hand first so the balance is clearly above that, then chat.
  ASSERT_EQ(zg({"ledger", "transfer", "--provider", kProvider, "--amount", "1"}).exit_code, 0);
  const auto chat = zg({"--json", "inference", "chat", "--provider", kProvider, "--no-stream", "hi"});
  ASSERT_EQ(chat.exit_code, 0) << chat.err;
  const auto j = chat.json();
  EXPECT_EQ(j["autoFunding"]["action"], "none") << j.dump();
  EXPECT_EQ(j["autoFunding"]["required"].get<std::string>(),
            (eth::Uint256::from_dec(j["autoFunding"]["unsettledFee"].get<std::string>()) + eth::parse_amount("2")).to_dec());
  EXPECT_FALSE(j["autoFunding"].contains("transactionHash"));
  EXPECT_FALSE(contains(chat.err, "auto-funding")) << chat.err;
  EXPECT_EQ(wallet_nonce(), nonce_before + 1);  // only the hand-made transfer above
  const auto after = zg({"--json", "ledger", "show"});
  EXPECT_EQ(eth::Uint256::from_dec(available_in_ledger(before)) - eth::Uint256::from_dec(available_in_ledger(after)),
            eth::parse_amount("1"));

  const auto without = zg({"--json", "inference", "chat", "--provider", kProvider, "--no-stream", "--no-auto-fund", "hi"});
  ASSERT_EQ(without.exit_code, 0) << without.err;
  EXPECT_EQ(without.json()["autoFunding"]["action"], "off");
  EXPECT_EQ(wallet_nonce(), nonce_before + 1);
}

}  // namespace
