// zg::gateway::Gateway against a real devnet: anvil + the 0G contracts, the devnet's provider
// simulator (A) and three more simulator processes registered from other anvil accounts:
//   F  serves the same model cheaper but answers every chat with HTTP 500 (failover, circuit)
//   W  signs its answers with the wrong key (verification must say failed)
//   S  streams slowly (2 s between events), for cancellation mid-stream
//   D  serves "zg-drop" cheaply but cuts every stream after its first event; E serves it too, well
// The cases of GatewayTest share one devnet and one Gateway and run in order; what they assert is
// what a host of the plugin sees: the bytes its sink got, the head, the summary, the events.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include "broker/provider_client.hpp"
#include "common/hex.hpp"
#include "contracts/inference_serving.hpp"
#include "contracts/ledger_manager.hpp"
#include "crypto/sha256.hpp"
#include "devnet/devnet.hpp"
#include "devnet/provider_process.hpp"
#include "eth/rpc_client.hpp"
#include "eth/tx_sender.hpp"
#include "gateway/gateway.hpp"

namespace {

using namespace zg;
using namespace zg::gateway;
using nlohmann::json;
namespace fs = std::filesystem;

// Test-only keys of the extra providers (given gas money with anvil_setBalance).
constexpr const char* kFailingKey = "0x1111111111111111111111111111111111111111111111111111111111111111";
constexpr const char* kWrongKeyKey = "0x2222222222222222222222222222222222222222222222222222222222222222";
constexpr const char* kSlowKey = "0x3333333333333333333333333333333333333333333333333333333333333333";
constexpr const char* kDroppingKey = "0x4444444444444444444444444444444444444444444444444444444444444444";
constexpr const char* kSteadyKey = "0x5555555555555555555555555555555555555555555555555555555555555555";
constexpr const char* kKeyVariable = "ZG_GATEWAY_TEST_KEY";

eth::Address address_of(const char* key) {
  return eth::Address::from_public_key(crypto::PrivateKey::from_hex(key).public_key());
}

// What a host's sink saw.
struct Capture {
  std::vector<ResponseHead> heads;
  std::string bytes;
  std::size_t pieces = 0;
  ResponseSink sink() {
    return {[this](const ResponseHead& head) {
              heads.push_back(head);
              return true;
            },
            [this](std::string_view data) {
              bytes.append(data);
              ++pieces;
              return true;
            }};
  }
};

std::string chat_body(const std::string& model, const std::string& prompt, bool stream) {
  // Hand-written so the test also shows that odd spacing reaches the provider untouched.
  return "{\"model\": \"" + model + "\",  \"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]" +
         (stream ? ", \"stream\": true" : "") + "}";
}

class GatewayTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      set_up();
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }

  static void set_up() {
    dir_ = fs::temp_directory_path() / ("zg-gateway-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ::setenv("ZG_PROVIDER_SIM", ZG_PROVIDER_SIM_PATH, 0);
    devnet::DevnetOptions options;
    options.state_file = dir_ / "devnet.json";
    options.start_provider = true;
    options.provider_arguments = {"--settle-interval-ms", "500"};
    devnet_ = std::make_unique<devnet::Devnet>(devnet::Devnet::up(options));
    const auto& state = devnet_->state();
    provider_a_ = state.account("provider").address;

    start_extra_provider("failing", kFailingKey, {"--fail-with-5xx", "1000000", "--input-price", "1", "--output-price", "1"});
    start_extra_provider("wrong-key", kWrongKeyKey, {"--sign-with-wrong-key", "--model", "zg-wrong"});
    start_extra_provider("slow", kSlowKey, {"--stream-delay-ms", "2000", "--model", "zg-slow"});
    start_extra_provider("dropping", kDroppingKey,
                         {"--drop-stream-after", "1", "--model", "zg-drop", "--input-price", "1", "--output-price", "1"});
    start_extra_provider("steady", kSteadyKey, {"--model", "zg-drop"});

    // The user: a ledger, and a funded (so acknowledged) sub-account with every provider.
    eth::RpcClient rpc(state.rpc_url);
    const contracts::LedgerManager ledger(rpc, state.contracts.ledger);
    const auto user_key = crypto::PrivateKey::from_hex(state.account("user").private_key);
    eth::TxSender user(rpc, user_key, state.chain_id);
    const auto service_name = ledger.service_name(state.contracts.inference);
    ledger.add_ledger(user, eth::parse_amount("20"));
    for (const auto& provider : {provider_a_, address_of(kFailingKey), address_of(kWrongKeyKey), address_of(kSlowKey),
                                 address_of(kDroppingKey), address_of(kSteadyKey)}) {
      ledger.transfer_fund(user, provider, service_name, eth::parse_amount("3"));
    }
    const contracts::InferenceServing serving(rpc, state.contracts.inference);
    balance_a_before_ = serving.get_account(user.address(), provider_a_)->balance;

    const auto script = dir_ / "hook.sh";
    std::ofstream(script) << "#!/bin/sh\ncat >> '" << (dir_ / "hook-events.jsonl").string() << "'\necho >> '"
                          << (dir_ / "hook-events.jsonl").string() << "'\n";
    fs::permissions(script, fs::perms::owner_all);

    ::setenv(kKeyVariable, state.account("user").private_key.c_str(), 1);
    const json config = {{"devnet_state", options.state_file.string()},
                         {"key_env", kKeyVariable},
                         {"auto_fund", false},
                         {"hooks", {{{"event", "usage.accounted"}, {"command", {script.string()}}}}}};
    HostServices host;
    host.on_event = [](const json& event) {
      std::lock_guard lock(events_mutex_);
      events_.push_back(event);
    };
    gateway_ = std::make_unique<Gateway>(config, host);
  }

  static void start_extra_provider(const std::string& name, const char* key, std::vector<std::string> arguments) {
    auto state = devnet_->state();
    eth::RpcClient rpc(state.rpc_url);
    rpc.request("anvil_setBalance", json::array({address_of(key).checksummed(), "0x3635c9adc5dea00000"}));  // 1000 0G
    for (auto& account : state.accounts) {
      if (account.role == "provider") account = {"provider", address_of(key), key};
    }
    extra_.push_back(devnet::start_provider_simulator(state, dir_ / name, false, arguments).process);
  }

  static void TearDownTestSuite() {
    gateway_.reset();
    extra_.clear();  // stops each simulator by PID
    devnet_.reset();
    fs::remove_all(dir_);
    ::unsetenv(kKeyVariable);
  }

  void SetUp() override { ASSERT_EQ(setup_error_, "") << "devnet, providers or gateway did not start"; }

  static json run(std::uint64_t id, const std::string& body, Capture& capture,
                  const std::string& path = "/v1/chat/completions") {
    auto sink = capture.sink();
    return gateway_->handle(id, path, body, sink);
  }

  static std::vector<json> events_for(std::uint64_t request_id) {
    std::lock_guard lock(events_mutex_);
    std::vector<json> found;
    for (const auto& e : events_) {
      if (e.value("request_id", std::uint64_t{0}) == request_id) found.push_back(e);
    }
    return found;
  }

  // sha256 of the answer as the provider's TEE signed it (the second half of the signed text).
  static std::string signed_response_hash(const std::string& chat_id, const std::string& model) {
    broker::ProviderClient client(devnet_->state().provider_url);
    const auto record = client.signature(chat_id, model);
    return record.text.substr(record.text.find(':') + 1);
  }

  static void add_fee_of_a(const json& summary) {
    ASSERT_EQ(summary["provider"], provider_a_.checksummed());
    fees_a_ += eth::Uint256::from_dec(summary["fee_neuron"].get<std::string>());
  }

  static inline fs::path dir_;
  static inline std::string setup_error_;
  static inline std::unique_ptr<devnet::Devnet> devnet_;
  static inline std::vector<ChildProcess> extra_;
  static inline std::unique_ptr<Gateway> gateway_;
  static inline eth::Address provider_a_;
  static inline eth::Uint256 balance_a_before_;
  static inline eth::Uint256 fees_a_;
  static inline std::mutex events_mutex_;
  static inline std::vector<json> events_;
};

TEST_F(GatewayTest, ListModelsShowsEachModelWithItsProvidersAndPrices) {
  const auto models = gateway_->list_models();
  EXPECT_EQ(models["object"], "list");
  std::map<std::string, json> by_id;
  for (const auto& m : models["data"]) by_id[m["id"].get<std::string>()] = m;
  ASSERT_EQ(by_id.size(), 4u) << models.dump(2);
  EXPECT_EQ(by_id["0g/zg-drop"]["providers"].size(), 2u);
  const auto& sim = by_id["0g/zg-sim-1"];
  EXPECT_EQ(sim["object"], "model");
  EXPECT_EQ(sim["owned_by"], "0g");
  ASSERT_EQ(sim["providers"].size(), 2u);
  for (const auto& p : sim["providers"]) {
    if (p["address"] == provider_a_.checksummed()) {
      EXPECT_EQ(p["input_price"], "1000000000");
      EXPECT_EQ(p["output_price"], "2000000000");
      EXPECT_EQ(p["input_price_0g_per_million"], "0.001");
      EXPECT_EQ(p["output_price_0g_per_million"], "0.002");
      EXPECT_EQ(p["verifiability"], "TeeML");
    } else {
      EXPECT_EQ(p["address"], address_of(kFailingKey).checksummed());
      EXPECT_EQ(p["input_price"], "1");
    }
  }
  EXPECT_EQ(by_id["0g/zg-wrong"]["providers"][0]["address"], address_of(kWrongKeyKey).checksummed());
  EXPECT_EQ(by_id["0g/zg-slow"]["providers"][0]["address"], address_of(kSlowKey).checksummed());
}

TEST_F(GatewayTest, ChatFailsOverFromA500ToTheNextProviderAndIsVerified) {
  Capture capture;
  const auto summary = run(101, chat_body("0g/zg-sim-1", "Hello there", false), capture);
  // The cheaper provider F answered 500 before any byte; the host never saw it.
  EXPECT_EQ(summary["status"], "ok");
  EXPECT_EQ(summary["attempts"], 2) << summary.dump();
  EXPECT_EQ(summary["provider"], provider_a_.checksummed());
  EXPECT_EQ(summary["model"], "zg-sim-1");
  ASSERT_EQ(capture.heads.size(), 1u);
  EXPECT_EQ(capture.heads[0].http_status, 200);
  EXPECT_EQ(capture.heads[0].meta["provider"], provider_a_.checksummed());
  EXPECT_EQ(capture.heads[0].meta["content_type"], "application/json");
  EXPECT_EQ(capture.heads[0].meta["chat_id"], summary["chat_id"]);

  const auto body = json::parse(capture.bytes);
  EXPECT_EQ(body["choices"][0]["message"]["content"], "echo: Hello there");
  EXPECT_EQ(summary["verification"]["outcome"], "verified") << summary.dump();
  // The bytes the host got are exactly the bytes the provider's TEE signed.
  EXPECT_EQ(signed_response_hash(summary["chat_id"], "zg-sim-1"), to_hex(crypto::sha256(as_bytes(capture.bytes)), false));
  ASSERT_TRUE(summary["usage"].is_object());
  EXPECT_EQ(summary["usage"]["prompt_tokens"], body["usage"]["prompt_tokens"]);
  add_fee_of_a(summary);

  // request.sending went to F and then to A; the response was received and verified once.
  std::vector<std::string> names;
  for (const auto& e : events_for(101)) names.push_back(e["event"]);
  EXPECT_EQ(std::count(names.begin(), names.end(), "request.sending"), 2);
  EXPECT_EQ(std::count(names.begin(), names.end(), "response.received"), 1);
  EXPECT_EQ(std::count(names.begin(), names.end(), "response.verified"), 1);
  EXPECT_EQ(std::count(names.begin(), names.end(), "usage.accounted"), 1);
}

TEST_F(GatewayTest, StreamedChatPassesTheSseBytesThroughAndIsVerified) {
  Capture capture;
  const auto summary = run(102, chat_body("0g/zg-sim-1", "stream me please", true), capture);
  EXPECT_EQ(summary["provider"], provider_a_.checksummed());
  ASSERT_EQ(capture.heads.size(), 1u);
  EXPECT_EQ(capture.heads[0].meta["content_type"], "text/event-stream");
  EXPECT_EQ(capture.bytes.rfind("data: ", 0), 0u) << capture.bytes;
  EXPECT_NE(capture.bytes.find("data: [DONE]"), std::string::npos);
  EXPECT_GT(capture.pieces, 1u);  // it arrived as it was sent, not in one piece at the end
  EXPECT_EQ(summary["verification"]["outcome"], "verified") << summary.dump();
  EXPECT_EQ(signed_response_hash(summary["chat_id"], "zg-sim-1"), to_hex(crypto::sha256(as_bytes(capture.bytes)), false));
  ASSERT_TRUE(summary["usage"].is_object()) << summary.dump();  // from the last chunk
  EXPECT_GT(summary["usage"]["completion_tokens"].get<int>(), 0);
  add_fee_of_a(summary);
}

TEST_F(GatewayTest, FailingProviderCircuitOpensAndIsSkipped) {
  // Three consecutive 500s open F's circuit; the next request goes straight to A.
  Capture third;
  add_fee_of_a(run(103, chat_body("0g/zg-sim-1", "three", false), third));
  Capture skipped;
  const auto summary = run(104, chat_body("0g/zg-sim-1", "four", false), skipped);
  EXPECT_EQ(summary["attempts"], 1) << summary.dump();
  add_fee_of_a(summary);
  const auto health = gateway_->health();
  bool found = false;
  for (const auto& p : health["providers"]) {
    if (p["address"] != address_of(kFailingKey).checksummed()) continue;
    found = true;
    EXPECT_EQ(p["circuit"], "open") << p.dump();
    EXPECT_EQ(p["failures"], 3);
  }
  EXPECT_TRUE(found) << health.dump(2);
}

TEST_F(GatewayTest, PinnedProviderIsTheOnlyOneAsked) {
  Capture capture;
  const auto summary = run(105, chat_body("0g/" + provider_a_.checksummed() + "/zg-sim-1", "pinned", false), capture);
  EXPECT_EQ(summary["provider"], provider_a_.checksummed());
  EXPECT_EQ(summary["attempts"], 1);
  add_fee_of_a(summary);

  Capture failing;
  try {
    run(106, chat_body("0g/" + address_of(kFailingKey).checksummed() + "/zg-sim-1", "pinned", false), failing);
    FAIL() << "a provider pinned with an open circuit answered";
  } catch (const GatewayError& e) {
    EXPECT_EQ(e.kind(), Failure::network) << e.what();
    EXPECT_NE(std::string(e.what()).find("circuit is open"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(failing.heads.empty());
  EXPECT_TRUE(failing.bytes.empty());
}

TEST_F(GatewayTest, WrongKeyProviderAnswerIsDeliveredButVerificationFails) {
  Capture capture;
  const auto summary = run(107, chat_body("0g/" + address_of(kWrongKeyKey).checksummed() + "/zg-wrong", "hi", false), capture);
  EXPECT_EQ(json::parse(capture.bytes)["choices"][0]["message"]["content"], "echo: hi");
  EXPECT_EQ(summary["verification"]["outcome"], "failed") << summary.dump();
  EXPECT_NE(summary["verification"]["reason"].get<std::string>().find("not by the expected signer"), std::string::npos);
}

TEST_F(GatewayTest, FeeInTheSummaryIsWhatTheProviderSettlesOnChain) {
  // Every answer from A so far, at A's prices, is exactly what A's settlements take from the
  // sub-account (A settles every 500 ms).
  ASSERT_FALSE(fees_a_.is_zero());
  const auto& state = devnet_->state();
  eth::RpcClient rpc(state.rpc_url);
  const contracts::InferenceServing serving(rpc, state.contracts.inference);
  const auto user = eth::Address::from_public_key(crypto::PrivateKey::from_hex(state.account("user").private_key).public_key());
  eth::Uint256 balance;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  do {
    balance = serving.get_account(user, provider_a_)->balance;
    if (balance_a_before_ - balance == fees_a_) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ((balance_a_before_ - balance).to_dec(), fees_a_.to_dec());
}

TEST_F(GatewayTest, CommandHookReceivesUsageAccounted) {
  Capture capture;
  const auto summary = run(108, chat_body("0g/zg-sim-1", "hook me", false), capture);
  const auto file = dir_ / "hook-events.jsonl";
  json event;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (event.is_null() && std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
      const auto parsed = json::parse(line, nullptr, false);
      if (!parsed.is_discarded() && parsed.value("request_id", 0) == 108) event = parsed;
    }
    if (event.is_null()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_FALSE(event.is_null()) << "no usage.accounted for request 108 in " << file;
  EXPECT_EQ(event["event"], "usage.accounted");
  EXPECT_EQ(event["provider"], provider_a_.checksummed());
  EXPECT_EQ(event["fee_neuron"], summary["fee_neuron"]);
  EXPECT_EQ(event["prompt_tokens"], summary["usage"]["prompt_tokens"]);
}

TEST_F(GatewayTest, ConcurrentRequestsAllSucceedOverPooledConnections) {
  constexpr int kThreads = 8;
  constexpr int kEach = 5;
  std::vector<std::future<int>> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.push_back(std::async(std::launch::async, [t] {
      int verified = 0;
      for (int i = 0; i < kEach; ++i) {
        Capture capture;
        const auto summary = run(1000 + static_cast<std::uint64_t>(t * kEach + i),
                                 chat_body("0g/" + provider_a_.checksummed() + "/zg-sim-1", "thread " + std::to_string(t), i % 2 == 0),
                                 capture);
        if (summary["verification"]["outcome"] == "verified" && !capture.bytes.empty()) ++verified;
      }
      return verified;
    }));
  }
  int verified = 0;
  for (auto& worker : workers) verified += worker.get();
  EXPECT_EQ(verified, kThreads * kEach);
  // Connections went back to A's pool for reuse, no more than ran at once.
  const auto health = gateway_->health();  // a named value: the loop must not walk a destroyed temporary
  for (const auto& p : health["providers"]) {
    if (p["address"] != provider_a_.checksummed()) continue;
    EXPECT_GE(p["idle_connections"].get<int>(), 1);
    EXPECT_LE(p["idle_connections"].get<int>(), kThreads + 1);
  }
}

TEST_F(GatewayTest, CancelMidStreamReturnsCancelledPromptly) {
  // S pauses 2 s between events: after the first piece arrives, cancel() from another thread must
  // end the request well before the next one would come.
  std::promise<void> first_piece;
  bool signalled = false;
  ResponseSink sink{[](const ResponseHead&) { return true; },
                    [&](std::string_view) {
                      if (!signalled) first_piece.set_value();
                      signalled = true;
                      return true;
                    }};
  auto request = std::async(std::launch::async, [&] {
    return gateway_->handle(109, "/v1/chat/completions", chat_body("0g/zg-slow", "a long slow answer with many words", true), sink);
  });
  ASSERT_EQ(first_piece.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  const auto cancelled_at = std::chrono::steady_clock::now();
  gateway_->cancel(109);
  try {
    request.get();
    FAIL() << "the cancelled request completed";
  } catch (const GatewayError& e) {
    EXPECT_EQ(e.kind(), Failure::cancelled) << e.what();
    EXPECT_EQ(e.summary()["status"], "cancelled");
  }
  EXPECT_LT(std::chrono::steady_clock::now() - cancelled_at, std::chrono::milliseconds(500));
}

TEST_F(GatewayTest, NoFailoverOnceTheFirstByteReachedTheSink) {
  // D is cheapest for zg-drop: its stream starts, then the connection is cut. E could have
  // answered, but the host already has part of D's answer, so the request fails instead.
  Capture capture;
  try {
    run(114, chat_body("0g/zg-drop", "cut me off after the first event", true), capture);
    FAIL() << "a broken stream was reported as complete";
  } catch (const GatewayError& e) {
    EXPECT_EQ(e.kind(), Failure::network) << e.what();
    EXPECT_EQ(e.http_status(), 502);
    EXPECT_NE(std::string(e.what()).find("broke off the answer"), std::string::npos) << e.what();
    EXPECT_EQ(e.summary()["attempts"], 1);
    EXPECT_EQ(e.summary()["provider"], address_of(kDroppingKey).checksummed());
  }
  ASSERT_EQ(capture.heads.size(), 1u);
  EXPECT_EQ(capture.heads[0].meta["provider"], address_of(kDroppingKey).checksummed());
  EXPECT_EQ(capture.bytes.rfind("data: ", 0), 0u);
  EXPECT_EQ(capture.bytes.find("[DONE]"), std::string::npos);
}

TEST_F(GatewayTest, SinkReturningFalseCancels) {
  ResponseSink sink{[](const ResponseHead&) { return false; }, [](std::string_view) { return true; }};
  try {
    gateway_->handle(110, "/v1/chat/completions", chat_body("0g/zg-sim-1", "no thanks", false), sink);
    FAIL();
  } catch (const GatewayError& e) {
    EXPECT_EQ(e.kind(), Failure::cancelled) << e.what();
  }
}

TEST_F(GatewayTest, UnknownModelsAndPathsSayWhy) {
  Capture capture;
  try {
    run(111, chat_body("0g/no-such-model", "x", false), capture);
    FAIL();
  } catch (const GatewayError& e) {
    EXPECT_EQ(e.kind(), Failure::not_found);
    EXPECT_EQ(e.http_status(), 404);
    EXPECT_NE(std::string(e.what()).find("no-such-model"), std::string::npos);
  }
  try {
    run(112, "{\"model\":\"0g/zg-sim-1\",\"input\":\"x\"}", capture, "/v1/embeddings");
    FAIL();
  } catch (const GatewayError& e) {
    EXPECT_EQ(e.kind(), Failure::unsupported);
    EXPECT_NE(std::string(e.what()).find("/v1/embeddings"), std::string::npos) << e.what();
  }
  try {
    run(113, "{\"model\":\"llama\"}", capture);
    FAIL();
  } catch (const GatewayError& e) {
    EXPECT_EQ(e.kind(), Failure::invalid);
    EXPECT_EQ(e.http_status(), 400);
  }
  EXPECT_TRUE(capture.heads.empty());
}

}  // namespace

namespace {

// A user who funded the provider thinly and later revokes their session tokens.
class GatewayTestFunding : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      dir_ = fs::temp_directory_path() / ("zg-gateway-funding-" + std::to_string(::getpid()));
      fs::remove_all(dir_);
      ::setenv("ZG_PROVIDER_SIM", ZG_PROVIDER_SIM_PATH, 0);
      devnet::DevnetOptions options;
      options.state_file = dir_ / "devnet.json";
      options.start_provider = true;
      options.provider_arguments = {"--settle-interval-ms", "600000"};
      devnet_ = std::make_unique<devnet::Devnet>(devnet::Devnet::up(options));
      const auto& state = devnet_->state();
      rpc_ = std::make_unique<eth::RpcClient>(state.rpc_url);
      user_ = std::make_unique<eth::TxSender>(*rpc_, crypto::PrivateKey::from_hex(state.account("user").private_key), state.chain_id);
      const contracts::LedgerManager ledger(*rpc_, state.contracts.ledger);
      ledger.add_ledger(*user_, eth::parse_amount("10"));
      // 1.5 0G: enough for the provider's gate (1 0G locked), below the SDK's 2 x 1 0G reserve.
      ledger.transfer_fund(*user_, state.account("provider").address, ledger.service_name(state.contracts.inference),
                           eth::parse_amount("1.5"));
      ::setenv(kKeyVariable, state.account("user").private_key.c_str(), 1);
      HostServices host;
      host.on_event = [](const json& event) {
        std::lock_guard lock(mutex_);
        events_.push_back(event);
      };
      gateway_ = std::make_unique<Gateway>(
          json{{"devnet_state", options.state_file.string()}, {"key_env", kKeyVariable}, {"verify", "async"}}, host);
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    gateway_.reset();
    user_.reset();
    rpc_.reset();
    devnet_.reset();
    fs::remove_all(dir_);
    ::unsetenv(kKeyVariable);
  }
  void SetUp() override { ASSERT_EQ(setup_error_, ""); }

  static json chat(std::uint64_t id, const std::string& prompt) {
    Capture capture;
    auto sink = capture.sink();
    return gateway_->handle(id, "/v1/chat/completions", chat_body("0g/zg-sim-1", prompt, false), sink);
  }
  static std::vector<json> events_named(const std::string& name) {
    std::lock_guard lock(mutex_);
    std::vector<json> found;
    for (const auto& e : events_) {
      if (e["event"] == name) found.push_back(e);
    }
    return found;
  }
  static eth::Uint256 sub_account_balance() {
    const contracts::InferenceServing serving(*rpc_, devnet_->state().contracts.inference);
    return serving.get_account(user_->address(), devnet_->state().account("provider").address)->balance;
  }

  static inline fs::path dir_;
  static inline std::string setup_error_;
  static inline std::unique_ptr<devnet::Devnet> devnet_;
  static inline std::unique_ptr<eth::RpcClient> rpc_;
  static inline std::unique_ptr<eth::TxSender> user_;
  static inline std::unique_ptr<Gateway> gateway_;
  static inline std::mutex mutex_;
  static inline std::vector<json> events_;
};

TEST_F(GatewayTestFunding, LowBalanceRaisesBalanceLowAndTheGatewayTopsUpInTheBackground) {
  const auto before = sub_account_balance();
  const auto summary = chat(201, "fund me");
  EXPECT_EQ(summary["status"], "ok");
  EXPECT_FALSE(summary.contains("verification"));  // async: only the event reports it

  const auto low = events_named("balance.low");
  ASSERT_EQ(low.size(), 1u);
  EXPECT_EQ(low[0]["request_id"], 201);
  EXPECT_EQ(low[0]["threshold_neuron"], eth::parse_amount("2").to_dec());
  const auto fee = eth::Uint256::from_dec(summary["fee_neuron"].get<std::string>());
  EXPECT_EQ(low[0]["balance_neuron"], (eth::parse_amount("1.5") - fee).to_dec());

  // The top-up is a chain transaction on the funding worker: wait for it, never on the request.
  eth::Uint256 after;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  do {
    after = sub_account_balance();
    if (after > before) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  } while (std::chrono::steady_clock::now() < deadline);
  ASSERT_GT(after, before) << "no top-up reached the chain";
  // SDK rule: required = unsettled fee + 2 0G; the deficit is moved (at least 1 0G).
  EXPECT_EQ(after - before, eth::parse_amount("2") + fee - eth::parse_amount("1.5") < eth::parse_amount("1")
                                ? eth::parse_amount("1")
                                : eth::parse_amount("2") + fee - eth::parse_amount("1.5"));
  const auto health = gateway_->health();
  EXPECT_EQ(health["providers"][0]["auto_funded_neuron"], (after - before).to_dec()) << health.dump(2);

  // Async verification reported through its event.
  const auto deadline2 = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (events_named("response.verified").empty() && std::chrono::steady_clock::now() < deadline2) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto verified = events_named("response.verified");
  ASSERT_EQ(verified.size(), 1u);
  EXPECT_EQ(verified[0]["outcome"], "verified");
  EXPECT_EQ(verified[0]["chat_id"], summary["chat_id"]);
}

TEST_F(GatewayTestFunding, RevokedTokensAreRenewedOnceAndTheRequestSucceeds) {
  const contracts::InferenceServing serving(*rpc_, devnet_->state().contracts.inference);
  serving.revoke_all_tokens(*user_, devnet_->state().account("provider").address);  // generation 0 -> 1
  // The provider reads accounts through a 3 s cache, like the upstream broker.
  std::this_thread::sleep_for(std::chrono::milliseconds(3500));
  const auto sending_before = events_named("request.sending").size();
  const auto summary = chat(202, "after revocation");
  EXPECT_EQ(summary["status"], "ok");
  EXPECT_EQ(summary["attempts"], 1);
  // The cached token (generation 0) was refused with 401; a new one was signed and sent once more.
  EXPECT_EQ(events_named("request.sending").size() - sending_before, 2u);
}

}  // namespace
