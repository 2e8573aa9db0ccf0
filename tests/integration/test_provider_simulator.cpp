// zg-provider-sim on a real devnet: it registers itself, the owner acknowledges its TEE signer, a
// funded user chats (plain and streamed) with a session token and verifies the TEE signature and
// the content hash; bad tokens, a user without an account and a short balance get the broker's
// errors; and on shutdown the provider settles, moving the user's on-chain balance by exactly the
// fees of the usage it reported. The simulator runs as a child process (ZG_PROVIDER_SIM or
// <build>/simulators/provider/zg-provider-sim next to this test's build dir).
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "broker/fee.hpp"
#include "broker/quote.hpp"
#include "broker/response_signature.hpp"
#include "broker/session_token.hpp"
#include "common/hex.hpp"
#include "common/process.hpp"
#include "contracts/inference_serving.hpp"
#include "contracts/ledger_manager.hpp"
#include "crypto/sha256.hpp"
#include "cli_runner.hpp"
#include "devnet/devnet.hpp"
#include "devnet/provider_process.hpp"

namespace {

using namespace zg;
using nlohmann::json;

// Anvil's standard accounts 5 and 6: users with no sub-account / a minimal one (public test keys).
constexpr const char* kStrangerKey = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";
constexpr const char* kPoorUserKey = "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e";
const eth::Uint256 kInputPrice{1'000'000'000};
const eth::Uint256 kOutputPrice{3'000'000'000};

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string sha256_hex(std::string_view bytes) { return to_hex(crypto::sha256(as_bytes(bytes)), false); }

class ProviderSimulatorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::filesystem::temp_directory_path() / ("zg-provider-sim-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    devnet::DevnetOptions options;
    options.state_file = dir_ / "devnet.json";
    devnet_ = std::make_unique<devnet::Devnet>(devnet::Devnet::up(options));
    fund_users();
    start_provider();
  }
  static void TearDownTestSuite() {
    provider_.reset();  // stops the simulator (if a test did not already)
    devnet_.reset();
    std::filesystem::remove_all(dir_);
  }

  static const devnet::DevnetState& state() { return devnet_->state(); }
  static crypto::PrivateKey key(const std::string& role) {
    return crypto::PrivateKey::from_hex(state().account(role).private_key);
  }
  static eth::Address provider_address() { return state().account("provider").address; }

  static void fund(const crypto::PrivateKey& user, const eth::Uint256& ledger, const eth::Uint256& sub_account) {
    eth::RpcClient rpc(state().rpc_url);
    eth::TxSender sender(rpc, user, state().chain_id);
    const contracts::LedgerManager manager(rpc, state().contracts.ledger);
    manager.add_ledger(sender, ledger);
    manager.transfer_fund(sender, provider_address(), manager.service_name(state().contracts.inference), sub_account);
  }
  static void fund_users() {
    fund(key("user"), eth::parse_amount("10"), eth::parse_amount("5"));
    fund(crypto::PrivateKey::from_hex(kPoorUserKey), eth::parse_amount("3"), eth::parse_amount("1"));
  }

  static void start_provider() {
    zg::test::write_private_file(dir_ / "provider.key", state().account("provider").private_key);
    zg::test::write_private_file(dir_ / "tee.key", state().account("tee-signer").private_key);
    zg::test::write_private_file(dir_ / "owner.key", state().account("owner").private_key);
    log_ = dir_ / "provider.log";
    ProcessOptions options;
    options.argv = {devnet::provider_simulator_binary().string(), "--rpc", state().rpc_url, "--inference-contract",
                    state().contracts.inference.checksummed(), "--provider-key-file", (dir_ / "provider.key").string(),
                    "--tee-key-file", (dir_ / "tee.key").string(), "--owner-key-file", (dir_ / "owner.key").string(),
                    "--register", "--input-price", kInputPrice.to_dec(), "--output-price", kOutputPrice.to_dec(),
                    "--settle-interval-ms", "600000", "--account-refresh-ms", "200"};
    options.output_file = log_;
    provider_ = std::make_unique<ChildProcess>(ChildProcess::spawn(options));
    const std::regex listening(R"(listening on 127\.0\.0\.1:(\d+))");
    std::smatch match;
    const bool up = wait_until(
        [&] {
          const std::string text = read_file(log_);
          if (!std::regex_search(text, match, listening)) return false;
          port_ = std::stoi(match[1]);
          return true;
        },
        std::chrono::seconds(60));
    ASSERT_TRUE(up) << "the simulator did not start:\n" << read_file(log_);
  }

  static httplib::Client client() {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(30, 0);
    return c;
  }
  static std::string header_for(const crypto::PrivateKey& user, const std::string& provider, std::int64_t issued_ms) {
    const auto address = eth::Address::from_public_key(user.public_key()).checksummed();
    const auto token = broker::ephemeral_token(address, provider, issued_ms, broker::generate_nonce(issued_ms), 0);
    return broker::sign_session_token(token, user).authorization_header();
  }
  static std::string user_header() { return header_for(key("user"), provider_address().checksummed(), now_ms()); }

  static httplib::Result chat(const std::string& authorization, const std::string& body) {
    return client().Post("/v1/proxy/chat/completions", {{"Authorization", authorization}}, body, "application/json");
  }
  static std::string error_of(const httplib::Result& result) {
    return json::parse(result->body).value("error", std::string("<no error field>"));
  }

  // Fetches the signature for the chat and checks it recovers to the on-chain TEE signer and covers
  // these exact request and response bytes.
  static void expect_signed(const std::string& chat_id, const std::string& request_body,
                            const std::string& response_bytes) {
    const auto signature = client().Get("/v1/proxy/signature/" + chat_id + "?model=zg-sim-1");
    ASSERT_TRUE(signature);
    ASSERT_EQ(signature->status, 200) << signature->body;
    const auto body = json::parse(signature->body);
    EXPECT_EQ(body["signing_algo"], "ecdsa");
    const std::string tee = state().account("tee-signer").address.checksummed();
    EXPECT_EQ(body["signing_address"], tee);
    const auto text = body["text"].get<std::string>();
    EXPECT_EQ(text, sha256_hex(request_body) + ":" + sha256_hex(response_bytes));
    const auto verdict = broker::verify_response(text, body["signature"].get<std::string>(), tee,
                                                 as_bytes(response_bytes));
    EXPECT_EQ(verdict.verdict, broker::ResponseVerdict::verified) << verdict.reason;
  }

  static inline std::filesystem::path dir_;
  static inline std::filesystem::path log_;
  static inline int port_ = 0;
  static inline std::unique_ptr<devnet::Devnet> devnet_;
  static inline std::unique_ptr<ChildProcess> provider_;
  static inline eth::Uint256 billed_;  // the fees of every answered chat, from the usage the user saw
};

TEST_F(ProviderSimulatorTest, RegisteredAndAcknowledgedOnChain) {
  eth::RpcClient rpc(state().rpc_url);
  const contracts::InferenceServing inference(rpc, state().contracts.inference);
  const auto service = inference.get_service(provider_address());
  ASSERT_TRUE(service);
  EXPECT_EQ(service->url, "http://127.0.0.1:" + std::to_string(port_));
  EXPECT_EQ(service->model, "zg-sim-1");
  EXPECT_EQ(service->input_price, kInputPrice);
  EXPECT_EQ(service->tee_signer_address, state().account("tee-signer").address);
  EXPECT_TRUE(service->tee_signer_acknowledged);

  // The quote attests the same signer, and its compose hash is consistent.
  const auto quote = client().Get("/v1/quote");
  ASSERT_TRUE(quote);
  const auto check = broker::check_quote(broker::parse_quote(quote->body), service->tee_signer_address);
  EXPECT_TRUE(check.signer_matches) << check.summary();
  EXPECT_EQ(check.compose_hash, broker::ComposeHashCheck::matches) << check.summary();
}

TEST_F(ProviderSimulatorTest, ChatIsAnsweredAndSignedByTheTeeSigner) {
  const std::string body =
      R"({"model":"zg-sim-1","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hello there provider"}]})";
  const auto result = chat(user_header(), body);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body;
  const std::string chat_id = result->get_header_value("ZG-Res-Key");
  EXPECT_TRUE(std::regex_match(chat_id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << chat_id;
  EXPECT_EQ(result->get_header_value("provider"), provider_address().checksummed());
  const auto answer = json::parse(result->body);
  EXPECT_EQ(answer["choices"][0]["message"]["content"], "echo: hello there provider");
  EXPECT_EQ(answer["usage"]["prompt_tokens"], 5u);
  EXPECT_EQ(answer["usage"]["completion_tokens"], 4u);
  billed_ += broker::fee_for_usage({5, 4}, kInputPrice, kOutputPrice);
  expect_signed(chat_id, body, result->body);
}

TEST_F(ProviderSimulatorTest, StreamEndsWithUsageThenDoneAndTheSignatureCoversTheWholeStream) {
  const std::string body = R"({"messages":[{"role":"user","content":"stream me three words"}],"stream":true})";
  const auto result =
      client().Post("/v1/proxy/v1/chat/completions", {{"Authorization", user_header()}}, body, "application/json");
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body;
  EXPECT_NE(result->get_header_value("Content-Type").find("text/event-stream"), std::string::npos);
  const std::string& stream = result->body;
  ASSERT_TRUE(stream.ends_with("data: [DONE]\n\n")) << stream;
  // Several content chunks, and the last data chunk before [DONE] carries usage.
  std::vector<json> chunks;
  std::string content;
  std::istringstream lines(stream);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("data: {", 0) != 0) continue;
    chunks.push_back(json::parse(line.substr(6)));
    const auto& choices = chunks.back()["choices"];
    if (!choices.empty() && choices[0]["delta"].contains("content")) content += choices[0]["delta"]["content"];
  }
  ASSERT_GE(chunks.size(), 4u);
  EXPECT_EQ(content, "echo: stream me three words");
  const auto& usage = chunks.back()["usage"];
  EXPECT_EQ(usage["prompt_tokens"], 4u);
  EXPECT_EQ(usage["completion_tokens"], 5u);
  billed_ += broker::fee_for_usage({4, 5}, kInputPrice, kOutputPrice);
  // The provider forced include_usage, so it signed the rewritten request, and the stream bytes as sent.
  const auto signature = json::parse(client().Get("/v1/proxy/signature/" + result->get_header_value("ZG-Res-Key"))->body);
  const auto hashes = broker::split_signed_text(signature["text"].get<std::string>());
  ASSERT_TRUE(hashes);
  EXPECT_EQ(hashes->response_sha256, sha256_hex(stream));
  EXPECT_NE(hashes->request_sha256, sha256_hex(body));
  expect_signed(result->get_header_value("ZG-Res-Key"),
                R"({"messages":[{"content":"stream me three words","role":"user"}],"model":"zg-sim-1","stream":true,"stream_options":{"include_usage":true}})",
                stream);
}

TEST_F(ProviderSimulatorTest, BadTokensGetTheBrokersErrors) {
  const std::string body = R"({"messages":[{"role":"user","content":"hi"}]})";
  auto missing = client().Post("/v1/proxy/chat/completions", body, "application/json");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 400);
  EXPECT_EQ(error_of(missing),
            "missing or invalid Authorization header, must be Bearer app-sk-<base64(rawMessage:signature)>");

  const auto wrong_provider = chat(header_for(key("user"), state().account("owner").address.checksummed(), now_ms()), body);
  EXPECT_EQ(error_of(wrong_provider), "session token is for different provider");

  const auto expired = chat(header_for(key("user"), provider_address().checksummed(), now_ms() - 2 * 86'400'000), body);
  EXPECT_EQ(error_of(expired), "session token expired");

  // A token that names the user but is signed by someone else.
  const auto user_address = state().account("user").address.checksummed();
  const auto token = broker::ephemeral_token(user_address, provider_address().checksummed(), now_ms(),
                                             broker::generate_nonce(now_ms()), 0);
  const auto forged = chat(broker::sign_session_token(token, key("owner")).authorization_header(), body);
  EXPECT_EQ(forged->status, 400);
  EXPECT_EQ(error_of(forged), "signature verification failed: address mismatch");
}

TEST_F(ProviderSimulatorTest, AUserWithoutAnAccountIsRefused) {
  const auto stranger = crypto::PrivateKey::from_hex(kStrangerKey);
  const auto result = chat(header_for(stranger, provider_address().checksummed(), now_ms()),
                           R"({"messages":[{"role":"user","content":"hi"}]})");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400);
  EXPECT_EQ(error_of(result), "get account from contract, account not exist");
}

TEST_F(ProviderSimulatorTest, AShortBalanceGetsTheBreakdown) {
  const auto poor = crypto::PrivateKey::from_hex(kPoorUserKey);
  const std::string messages = R"([{"role":"user","content":"hi"}])";
  const auto result =
      chat(header_for(poor, provider_address().checksummed(), now_ms()), R"({"messages":)" + messages + "}");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400);
  // 1 0G locked; the estimate is the byte length of json(messages) times the input price.
  const auto estimate = eth::Uint256{json::parse(messages).dump().size()} * kInputPrice;
  EXPECT_EQ(estimate, eth::Uint256{32'000'000'000});  // {"content":"hi","role":"user"} in brackets
  EXPECT_EQ(error_of(result),
            "insufficient balance: your locked balance is 1.000000 0G, but the required minimum is 1.000000 0G "
            "(breakdown: minimum reserve 1.000000 0G + unsettled fees 0.000000 0G + current request fee 0.000000 0G)");
}

TEST_F(ProviderSimulatorTest, FreeRoutesAndRefusals) {
  const auto unknown = client().Get("/v1/proxy/signature/00000000-0000-4000-8000-000000000000");
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(error_of(unknown), "Chat id not found or expired, chat_id_not_found");

  const auto unsupported = client().Post("/v1/proxy/completions/legacy", "{}", "application/json");
  EXPECT_EQ(unsupported->status, 400);
  EXPECT_EQ(error_of(unsupported), "endpoint not supported");

  const auto models = json::parse(client().Get("/v1/models")->body);
  EXPECT_EQ(models["data"][0]["id"], "zg-sim-1");
  EXPECT_EQ(models["data"][0]["pricing"]["prompt"], kInputPrice.to_dec());

  const auto other = client().Get("/v1/user/" + state().account("owner").address.checksummed() + "/unsettledfee",
                                  {{"Authorization", user_header()}});
  EXPECT_EQ(other->status, 403);
}

// Last: stops the provider, which settles on the way out.
TEST_F(ProviderSimulatorTest, SettlementMovesTheOnChainBalanceByExactlyTheFees) {
  ASSERT_FALSE(billed_.is_zero()) << "run the whole suite: the chat tests produce the usage";
  const auto user = state().account("user").address;
  const auto fee = client().Get("/v1/user/" + user.lower_hex() + "/unsettledfee", {{"Authorization", user_header()}});
  ASSERT_EQ(fee->status, 200) << fee->body;
  EXPECT_EQ(json::parse(fee->body)["unsettledFee"], billed_.to_dec());

  eth::RpcClient rpc(state().rpc_url);
  const contracts::InferenceServing inference(rpc, state().contracts.inference);
  const auto before = inference.get_account(user, provider_address());
  ASSERT_TRUE(before);
  EXPECT_EQ(before->balance, eth::parse_amount("5"));

  provider_->stop(std::chrono::seconds(30));
  const auto after = inference.get_account(user, provider_address());
  ASSERT_TRUE(after);
  EXPECT_EQ(after->balance, eth::parse_amount("5") - billed_) << read_file(log_);
  EXPECT_GT(after->nonce, before->nonce);
  const contracts::LedgerManager manager(rpc, state().contracts.ledger);
  EXPECT_EQ(manager.get_ledger(user)->total_balance, eth::parse_amount("10") - billed_);
}

}  // namespace
