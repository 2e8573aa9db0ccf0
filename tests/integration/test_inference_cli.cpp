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
#include "eth/uint256.hpp"

namespace {

using namespace zg;

constexpr const char* kUserKey = "ZG_PRIVATE_KEY=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
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

  // The provider reads sub-accounts through a cache (zg-provider-sim --account-refresh-ms, default
  // 3000, like the real broker), and it cached "account not exist" at the refused chat above: a
  // chat right now would still be refused. Wait out the refresh window before the chats below.
  std::this_thread::sleep_for(std::chrono::milliseconds(3500));
}

TEST_F(InferenceCliFlow, StreamedChatPrintsTheAnswerAndVerifiesIt) {
  const auto chat = zg({"inference", "chat", "--provider", kProvider, "What is 0G?"});
  ASSERT_EQ(chat.exit_code, 0) << chat.err;
  EXPECT_EQ(chat.out, "echo: What is 0G?\n");
  EXPECT_TRUE(contains(chat.err, "verification: verified (")) << chat.err;
  EXPECT_TRUE(contains(chat.err, "chat id: ")) << chat.err;
  EXPECT_FALSE(contains(chat.err, "chat id: (none)")) << chat.err;
  EXPECT_TRUE(contains(chat.err, "completion tokens; fee ")) << chat.err;
}

TEST_F(InferenceCliFlow, NonStreamedJsonChatHasContentVerdictUsageAndFee) {
  const auto services = zg({"--json", "inference", "list-services"});
  ASSERT_EQ(services.exit_code, 0) << services.err;
  const auto service = services.json()["services"][0];
  const auto input_price = eth::Uint256::from_dec(service["inputPrice"].get<std::string>());
  const auto output_price = eth::Uint256::from_dec(service["outputPrice"].get<std::string>());

  const auto chat = zg({"--json", "inference", "chat", "--provider", kProvider, "--no-stream", "Hello there"});
  ASSERT_EQ(chat.exit_code, 0) << chat.err;
  const auto j = chat.json();
  EXPECT_EQ(j["content"], "echo: Hello there");
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
  static void start(const std::string& name, std::vector<std::string> provider_arguments) {
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
    funded_ = fund();
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

}  // namespace
