// zg-provider-sim's HTTP behaviour without a chain: the real ProviderServer, request gate and
// signatures in this process, with the chain's answers (the user's sub-account, the service)
// coming from fixed values instead of a node. It covers what a devnet test cannot do quickly:
// --upstream streaming from a loopback OpenAI-style server (a tiny cpp-httplib upstream written
// here), the faults (--delay-ms, --stream-delay-ms, --drop-stream-after, --fail-with-5xx), the 413
// body limit with the broker's text, and a session token renewed once after "generation expired".
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "account_cache.hpp"
#include "broker/fee.hpp"
#include "broker/session_cache.hpp"
#include "broker/session_renewal.hpp"
#include "broker/session_token.hpp"
#include "broker/verifier.hpp"
#include "chat_signature.hpp"
#include "common/error.hpp"
#include "common/hex.hpp"
#include "crypto/sha256.hpp"
#include "fee_ledger.hpp"
#include "provider_config.hpp"
#include "provider_server.hpp"
#include "rate_limiter.hpp"
#include "request_gate.hpp"
#include "simulated_provider.hpp"
#include "upstream_model.hpp"

namespace {

using namespace zg;
using namespace zg::provider;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

// The simulated provider's parties (public anvil dev keys).
const auto& kUserKey = test::kSimUserKey;
const auto& kProvider = test::kSimProvider;
const auto& kTeeSigner = test::kSimTeeSigner;

std::string sha256_hex(std::string_view bytes) { return to_hex(crypto::sha256(as_bytes(bytes)), false); }

// A small OpenAI-compatible model server: a streamed answer is four SSE events written `gap` apart
// (the last data chunk with usage, as include_usage asks), then [DONE].
class OpenAiUpstream {
 public:
  static constexpr std::chrono::milliseconds kGap = 150ms;

  OpenAiUpstream() {
    server_.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard lock(mutex_);
        received_body_ = req.body;
      }
      if (failing_) {
        res.status = 503;
        res.set_content(R"({"error":{"message":"model is still loading","type":"unavailable"}})", "application/json");
        return;
      }
      if (!json::parse(req.body).value("stream", false)) {
        res.set_content(kCompletion, "application/json");
        return;
      }
      res.set_chunked_content_provider("text/event-stream", [this](std::size_t, httplib::DataSink& sink) {
        for (std::size_t i = 0; i < events().size(); ++i) {
          if (i > 0) std::this_thread::sleep_for(kGap);
          if (!sink.write(events()[i].data(), events()[i].size())) return false;
        }
        finished_at_ = Clock::now();
        sink.done();
        return true;
      });
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(1ms);
  }
  ~OpenAiUpstream() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  void fail() { failing_ = true; }
  std::string received_body() {
    std::lock_guard lock(mutex_);
    return received_body_;
  }
  Clock::time_point finished_at() const { return finished_at_; }

  static const std::vector<std::string>& events() {
    static const std::vector<std::string> list = {
        "data: {\"id\":\"up-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"}}]}\n\n",
        "data: {\"id\":\"up-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" world\"}}]}\n\n",
        "data: {\"id\":\"up-1\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2,\"total_tokens\":9}}\n\n",
        "data: [DONE]\n\n"};
    return list;
  }
  static std::string stream_bytes() {
    std::string all;
    for (const auto& e : events()) all += e;
    return all;
  }
  static constexpr const char* kCompletion =
      R"({"id":"up-2","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"}}],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}})";

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> failing_{false};
  std::atomic<Clock::time_point> finished_at_{};
  std::mutex mutex_;
  std::string received_body_;
};

using test::SimulatedProvider;

const std::string kStreamRequest = R"({"messages":[{"role":"user","content":"hi there"}],"stream":true})";
const std::string kPlainRequest = R"({"messages":[{"role":"user","content":"hi there"}]})";

// A streamed POST that records when each piece arrived; `keep_reading(received)` may stop early.
struct StreamRead {
  httplib::Error error = httplib::Error::Success;
  int status = 0;
  std::string body;
  std::string res_key;
  std::vector<Clock::time_point> arrivals;
};
StreamRead read_stream(const SimulatedProvider& provider, const std::string& body,
                       const std::function<bool(const std::string&)>& keep_reading = {}) {
  StreamRead out;
  httplib::Request request;
  request.method = "POST";
  request.path = "/v1/proxy/chat/completions";
  request.body = body;
  request.set_header("Content-Type", "application/json");
  request.set_header("Authorization", SimulatedProvider::header());
  request.response_handler = [&](const httplib::Response& response) {
    out.status = response.status;
    out.res_key = response.get_header_value("ZG-Res-Key");
    return true;
  };
  request.content_receiver = [&](const char* data, std::size_t size, std::uint64_t, std::uint64_t) {
    out.body.append(data, size);
    out.arrivals.push_back(Clock::now());
    return !keep_reading || keep_reading(out.body);
  };
  auto client = provider.client();
  const auto result = client.send(request);
  out.error = result.error();
  return out;
}

std::size_t count_events(const std::string& body) {
  std::size_t n = 0;
  for (std::size_t at = body.find("\n\n"); at != std::string::npos; at = body.find("\n\n", at + 2)) ++n;
  return n;
}

// ---------------------------------------------------------------------------------------------
// --upstream

TEST(ProviderUpstream, StreamIsRelayedAsItArrivesAndSignedWhole) {
  OpenAiUpstream upstream;
  SimulatedProvider provider({"--upstream", upstream.url()});
  const auto started = Clock::now();
  const auto read = read_stream(provider, kStreamRequest);
  ASSERT_EQ(read.error, httplib::Error::Success);
  ASSERT_EQ(read.status, 200) << read.body;

  // Byte for byte what the upstream sent, and the first event reached us long before the upstream's
  // last one was written (three 150 ms gaps): relayed, not buffered.
  EXPECT_EQ(read.body, OpenAiUpstream::stream_bytes());
  ASSERT_FALSE(read.arrivals.empty());
  EXPECT_LT(read.arrivals.front() - started, 3 * OpenAiUpstream::kGap);
  EXPECT_LT(read.arrivals.front(), upstream.finished_at() - 2 * OpenAiUpstream::kGap);
  EXPECT_GE(read.arrivals.size(), 3u);

  // The signature is there as soon as the stream ended (no retry), covers the forwarded request and the
  // whole stream, and recovers to the TEE signer.
  ASSERT_FALSE(read.res_key.empty());
  const auto signature = provider.client().Get("/v1/proxy/signature/" + read.res_key);
  ASSERT_TRUE(signature);
  ASSERT_EQ(signature->status, 200) << signature->body;
  const auto record = json::parse(signature->body);
  EXPECT_EQ(record["text"], sha256_hex(upstream.received_body()) + ":" + sha256_hex(read.body));
  const auto report = broker::verify_signed_text(record["text"].get<std::string>(), record["signature"].get<std::string>(),
                                                 kTeeSigner.checksummed(), as_bytes(read.body));
  EXPECT_EQ(report.verdict, broker::Verdict::verified) << report.reason;

  // The upstream got the stream with include_usage forced, and the usage it reported was billed.
  EXPECT_EQ(json::parse(upstream.received_body())["stream_options"]["include_usage"], true);
  EXPECT_EQ(provider.unsettled(), broker::fee_for_usage({7, 2}, provider.config().input_price, provider.config().output_price));
}

TEST(ProviderUpstream, PlainAnswerIsPassedThroughAndBilled) {
  OpenAiUpstream upstream;
  SimulatedProvider provider({"--upstream", upstream.url()});
  const auto result = provider.chat(kPlainRequest);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body;
  EXPECT_EQ(result->body, OpenAiUpstream::kCompletion);
  EXPECT_FALSE(result->get_header_value("ZG-Res-Key").empty());
  EXPECT_EQ(provider.unsettled(), broker::fee_for_usage({5, 1}, provider.config().input_price, provider.config().output_price));
}

TEST(ProviderUpstream, FailingUpstreamIsA502WithItsTextAndNothingIsBilled) {
  OpenAiUpstream upstream;
  upstream.fail();
  SimulatedProvider provider({"--upstream", upstream.url()});
  for (const auto& body : {kStreamRequest, kPlainRequest}) {
    const auto result = provider.chat(body);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 502);
    const std::string error = json::parse(result->body)["error"];
    EXPECT_NE(error.find("answered HTTP 503: model is still loading"), std::string::npos) << error;
    EXPECT_FALSE(result->has_header("ZG-Res-Key"));
  }
  EXPECT_TRUE(provider.unsettled().is_zero());
}

TEST(ProviderUpstream, UnreachableUpstreamIsA502) {
  SimulatedProvider provider({"--upstream", "http://127.0.0.1:1"});
  const auto result = provider.chat(kStreamRequest);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 502);
  EXPECT_NE(json::parse(result->body)["error"].get<std::string>().find("unreachable"), std::string::npos) << result->body;
}

TEST(ProviderUpstream, SseSplitterCutsWholeEventsFromAnyPieces) {
  SseEventSplitter splitter;
  EXPECT_TRUE(splitter.feed("data: {\"a\"").empty());
  EXPECT_EQ(splitter.feed(":1}\n\ndata: x\r\n\r\n: ping\n"), (std::vector<std::string>{"data: {\"a\":1}\n\n", "data: x\r\n\r\n"}));
  EXPECT_EQ(splitter.feed("\n"), std::vector<std::string>{": ping\n\n"});
  EXPECT_TRUE(splitter.feed("data: [DONE]").empty());
  EXPECT_EQ(splitter.take_rest(), "data: [DONE]");
  EXPECT_EQ(splitter.take_rest(), "");
}

// ---------------------------------------------------------------------------------------------
// Faults

TEST(ProviderFaults, DelayMsHoldsTheAnswerBack) {
  SimulatedProvider provider({"--delay-ms", "300"});
  const auto started = Clock::now();
  const auto result = provider.chat(kPlainRequest);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_GE(Clock::now() - started, 300ms);
}

TEST(ProviderFaults, StreamDelayMsSpacesTheEventsAndTheClientCanLeaveMidStream) {
  SimulatedProvider provider({"--stream-delay-ms", "120"});
  const auto whole = read_stream(provider, kStreamRequest);
  ASSERT_EQ(whole.error, httplib::Error::Success);
  const auto events = count_events(whole.body);
  ASSERT_GE(events, 4u);  // role, "echo: ", "hi ", "there", finish, usage, [DONE]
  ASSERT_EQ(whole.arrivals.size(), events);
  EXPECT_GE(whole.arrivals.back() - whole.arrivals.front(), (events - 1) * 100ms);

  // Leaving after the first event ends the exchange at once; the provider serves the next request.
  const auto started = Clock::now();
  const auto cancelled = read_stream(provider, kStreamRequest, [](const std::string&) { return false; });
  EXPECT_EQ(cancelled.error, httplib::Error::Canceled);
  EXPECT_EQ(count_events(cancelled.body), 1u);
  EXPECT_LT(Clock::now() - started, 2 * 120ms);
  const auto next = provider.chat(kPlainRequest);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
}

TEST(ProviderFaults, DropStreamAfterClosesTheConnectionAfterNEvents) {
  SimulatedProvider provider({"--drop-stream-after", "2"});
  const auto read = read_stream(provider, kStreamRequest);
  EXPECT_EQ(read.status, 200);
  EXPECT_NE(read.error, httplib::Error::Success);  // the chunked stream ends without its last chunk
  EXPECT_EQ(count_events(read.body), 2u) << read.body;
  EXPECT_EQ(read.body.find("[DONE]"), std::string::npos);
}

TEST(ProviderFaults, DropStreamAfterAlsoCutsAnUpstreamRelay) {
  OpenAiUpstream upstream;
  SimulatedProvider provider({"--upstream", upstream.url(), "--drop-stream-after", "1"});
  const auto read = read_stream(provider, kStreamRequest);
  EXPECT_NE(read.error, httplib::Error::Success);
  EXPECT_EQ(read.body, OpenAiUpstream::events()[0]);
}

TEST(ProviderFaults, FailWith5xxFailsTheFirstNBilledRequestsOnly) {
  SimulatedProvider provider({"--fail-with-5xx", "2"});
  for (int i = 0; i < 2; ++i) {
    const auto failed = provider.chat(kPlainRequest);
    ASSERT_TRUE(failed);
    EXPECT_EQ(failed->status, 500);
    EXPECT_EQ(json::parse(failed->body)["error"], "simulated provider failure (--fail-with-5xx)");
  }
  const auto ok = provider.chat(kPlainRequest);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST(ProviderFaults, BodyOverTheLimitIs413WithTheBrokersText) {
  EXPECT_EQ(SimulatedProvider({}).config().max_body_bytes, 32u << 20);  // the broker's 32 MB
  SimulatedProvider provider({"--max-body-bytes", "2048"});
  const std::string big = R"({"messages":[{"role":"user","content":")" + std::string(4096, 'x') + "\"}]}";
  const auto result = provider.chat(big);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 413);
  EXPECT_EQ(json::parse(result->body)["error"], "Request body size exceeds the maximum allowed size of 2048 bytes");
  const auto fits = provider.chat(kPlainRequest);
  ASSERT_TRUE(fits);
  EXPECT_EQ(fits->status, 200);
}

TEST(ProviderGate, UnacknowledgedTeeSignerIsRefusedWithTheBrokersText) {
  SimulatedProvider provider({});
  provider.signer_acknowledged = false;  // e.g. the provider changed its model: the owner must acknowledge again
  const auto result = provider.chat(kPlainRequest);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400);
  EXPECT_EQ(json::parse(result->body)["error"], "service not acknowledge the tee signer");
  EXPECT_TRUE(provider.unsettled().is_zero());
}

TEST(ProviderGate, RateLimitIs429WithTheBrokersText) {
  SimulatedProvider provider({"--rate-limit-rpm", "2"});
  for (int i = 0; i < 2; ++i) {
    const auto ok = provider.chat(kPlainRequest);
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, 200);
  }
  const auto limited = provider.chat(kPlainRequest);
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->status, 429);
  EXPECT_EQ(json::parse(limited->body)["error"],
            "Rate limit exceeded. Please slow down your request rate (limit: 2 requests/min).");
}

// ---------------------------------------------------------------------------------------------
// Session renewal against the simulator's real token check

TEST(SessionRenewal, ExpiredGenerationIsRenewedOnceThenTheRequestSucceeds) {
  SimulatedProvider provider({});
  broker::SessionCache sessions(kUserKey, [&](const eth::Address&, const eth::Address&) { return provider.generation.load(); });
  broker::ProviderClient client(provider.url());
  int renewals = 0;
  const auto ask = [&] {
    return broker::with_session_renewal(
        sessions, kProvider, [&](const std::string& authorization) { return client.chat(kPlainRequest, authorization); },
        [&](const broker::ProviderError& error) {
          ++renewals;
          EXPECT_NE(error.provider_message().find("session token has been revoked (generation expired)"), std::string::npos);
        });
  };
  EXPECT_EQ(ask().content, "echo: hi there");
  EXPECT_EQ(sessions.tokens_created(), 1u);

  provider.generation = 1;  // revokeAllTokens: the cached token (generation 0) is now refused
  EXPECT_EQ(ask().content, "echo: hi there");
  EXPECT_EQ(renewals, 1);
  EXPECT_EQ(sessions.tokens_created(), 2u);
}

TEST(SessionRenewal, OtherRefusalsAndASecondExpiryAreNotRetried) {
  SimulatedProvider provider({"--fail-with-5xx", "1"});
  // A chain read that keeps returning the old generation: the renewed token is refused too.
  broker::SessionCache stale(kUserKey, [](const eth::Address&, const eth::Address&) -> std::uint64_t { return 0; });
  broker::ProviderClient client(provider.url());
  int calls = 0;
  const auto call = [&](const std::string& authorization) {
    ++calls;
    return client.chat(kPlainRequest, authorization);
  };
  EXPECT_THROW(broker::with_session_renewal(stale, kProvider, call), broker::ProviderError);  // the 500
  EXPECT_EQ(calls, 1);

  provider.generation = 3;
  calls = 0;
  try {
    broker::with_session_renewal(stale, kProvider, call);
    FAIL() << "a token of generation 0 was accepted at generation 3";
  } catch (const broker::ProviderError& error) {
    EXPECT_TRUE(broker::is_expired_generation(error));
  }
  EXPECT_EQ(calls, 2);
}

}  // namespace
