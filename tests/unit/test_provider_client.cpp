// The provider HTTP client against a small in-process provider: chat (plain and streamed in odd
// splits), headers, the provider's error texts, signatures, unsettled fee, timeouts.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <utility>
#include <string>
#include <thread>
#include <vector>

#include "broker/provider_client.hpp"
#include "common/error.hpp"

namespace {

using namespace zg;
using namespace std::chrono_literals;

const std::string kAuth = "Bearer app-sk-c2VjcmV0LXRva2Vu";

const std::string kStream =
    "data: {\"id\":\"chatcmpl-7\",\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\r\n\r\n"
    ": ping\n\n"
    "data: {\"id\":\"chatcmpl-7\",\"choices\":[{\"delta\":{\"content\":\"lo!\"}}]}\n\n"
    "data: {\"id\":\"chatcmpl-7\",\"choices\":[],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":2}}\n\n"
    "data: [DONE]\n\n";

class Provider {
 public:
  Provider() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(1ms);
  }
  ~Provider() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }
  httplib::Server& server() { return server_; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// Serves `body` in pieces of `step` bytes, each flushed on its own.
void stream_in_pieces(httplib::Response& res, std::string body, std::size_t step) {
  res.set_header("ZG-Res-Key", "6f1c3e2a-0000-4000-8000-000000000001");
  res.set_chunked_content_provider("text/event-stream", [body, step](std::size_t, httplib::DataSink& sink) {
    for (std::size_t i = 0; i < body.size(); i += step) {
      const auto piece = body.substr(i, step);
      if (!sink.write(piece.data(), piece.size())) return false;
      std::this_thread::sleep_for(1ms);
    }
    sink.done();
    return true;
  });
}

TEST(ProviderClient, PlainChatReturnsContentUsageIdAndResKey) {
  Provider provider;
  std::string seen_auth, seen_body;
  provider.server().Post("/v1/proxy/chat/completions", [&](const httplib::Request& req, httplib::Response& res) {
    seen_auth = req.get_header_value("Authorization");
    seen_body = req.body;
    res.set_header("ZG-Res-Key", "key-1");
    res.set_content(R"({"id":"chatcmpl-1","choices":[{"message":{"role":"assistant","content":"hi"}}],"usage":{"prompt_tokens":9,"completion_tokens":1}})",
                    "application/json");
  });
  broker::ProviderClient client(provider.url());
  const std::string request = R"({"model":"m","messages":[{"role":"user","content":"hello"}]})";
  const auto r = client.chat(request, kAuth);
  EXPECT_EQ(seen_auth, kAuth);
  EXPECT_EQ(seen_body, request);  // sent byte for byte
  EXPECT_EQ(r.content, "hi");
  EXPECT_EQ(r.completion_id, "chatcmpl-1");
  EXPECT_EQ(r.response_key, "key-1");
  EXPECT_EQ(r.chat_id(), "key-1");  // the header wins over the body id
  ASSERT_TRUE(r.usage);
  EXPECT_EQ(r.usage->prompt_tokens, 9u);
  EXPECT_FALSE(r.streamed);
  EXPECT_NE(r.body.find("chatcmpl-1"), std::string::npos);
}

TEST(ProviderClient, StreamDeliversDeltasAsTheyArriveAndKeepsTheExactBytes) {
  for (const std::size_t step : {1u, 3u, 7u, 64u, 4096u}) {
    Provider provider;
    provider.server().Post("/v1/proxy/chat/completions",
                           [&](const httplib::Request&, httplib::Response& res) { stream_in_pieces(res, kStream, step); });
    broker::ProviderClient client(provider.url());
    std::vector<std::string> deltas;
    const auto r = client.chat_stream(R"({"stream":true})", kAuth, [&](std::string_view d) { deltas.emplace_back(d); });
    SCOPED_TRACE("pieces of " + std::to_string(step));
    EXPECT_EQ(deltas, (std::vector<std::string>{"Hel", "lo!"}));
    EXPECT_EQ(r.content, "Hello!");
    EXPECT_EQ(r.body, kStream);
    EXPECT_TRUE(r.streamed);
    EXPECT_EQ(r.completion_id, "chatcmpl-7");
    EXPECT_EQ(r.response_key, "6f1c3e2a-0000-4000-8000-000000000001");
    ASSERT_TRUE(r.usage);
    EXPECT_EQ(r.usage->completion_tokens, 2u);
  }
}

TEST(ProviderClient, FirstDeltaReachesTheCallerBeforeTheStreamEnds) {
  Provider provider;
  std::promise<void> first_delta_seen;
  auto seen = first_delta_seen.get_future();
  provider.server().Post("/v1/proxy/chat/completions", [&](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("text/event-stream", [&](std::size_t, httplib::DataSink& sink) {
      const std::string first = "data: {\"choices\":[{\"delta\":{\"content\":\"A\"}}]}\n\n";
      sink.write(first.data(), first.size());
      // The rest is sent only once the client has shown the first token.
      const bool incremental = seen.wait_for(5s) == std::future_status::ready;
      const std::string rest = incremental ? "data: {\"choices\":[{\"delta\":{\"content\":\"B\"}}]}\n\ndata: [DONE]\n\n"
                                           : "data: {\"error\":\"client buffered the stream\"}\n\n";
      sink.write(rest.data(), rest.size());
      sink.done();
      return true;
    });
  });
  broker::ProviderClient client(provider.url());
  bool first = true;
  const auto r = client.chat_stream("{}", kAuth, [&](std::string_view) {
    if (std::exchange(first, false)) first_delta_seen.set_value();
  });
  EXPECT_EQ(r.content, "AB");
}

TEST(ProviderClient, WithoutResKeyTheChatIdIsTheCompletionId) {
  Provider provider;
  provider.server().Post("/v1/proxy/chat/completions", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(kStream, "text/event-stream");
  });
  broker::ProviderClient client(provider.url());
  const auto r = client.chat_stream("{}", kAuth, nullptr);
  EXPECT_FALSE(r.response_key);
  EXPECT_EQ(r.chat_id(), "chatcmpl-7");
}

TEST(ProviderClient, ErrorStatusCarriesTheProviderTextButNeverTheToken) {
  Provider provider;
  provider.server().Post("/v1/proxy/chat/completions", [&](const httplib::Request&, httplib::Response& res) {
    res.status = 400;
    res.set_content(R"({"error":"insufficient balance: your locked balance is 0.5 0G, but the required minimum is 1 0G"})",
                    "application/json");
  });
  broker::ProviderClient client(provider.url());
  for (const bool stream : {false, true}) {
    try {
      stream ? client.chat_stream("{}", kAuth, nullptr) : client.chat("{}", kAuth);
      FAIL() << "no error";
    } catch (const broker::ProviderError& e) {
      const std::string what = e.what();
      EXPECT_EQ(e.status(), 400);
      EXPECT_NE(what.find("HTTP 400: insufficient balance: your locked balance is 0.5 0G"), std::string::npos) << what;
      EXPECT_EQ(what.find("app-sk-"), std::string::npos) << what;
    }
  }
}

TEST(ProviderClient, OpenAiStyleErrorObjectAndPlainTextBodies) {
  Provider provider;
  provider.server().Post("/v1/proxy/chat/completions", [&](const httplib::Request&, httplib::Response& res) {
    res.status = 429;
    res.set_content(R"({"error":{"message":"rate limit exceeded","type":"requests"}})", "application/json");
  });
  provider.server().Get("/v1/models", [&](const httplib::Request&, httplib::Response& res) {
    res.status = 502;
    res.set_content("Bad Gateway\n", "text/plain");
  });
  broker::ProviderClient client(provider.url());
  try {
    client.chat("{}", kAuth);
    FAIL();
  } catch (const broker::ProviderError& e) {
    EXPECT_EQ(e.provider_message(), "rate limit exceeded");
  }
  try {
    client.models();
    FAIL();
  } catch (const broker::ProviderError& e) {
    EXPECT_EQ(e.status(), 502);
    EXPECT_NE(std::string(e.what()).find("Bad Gateway"), std::string::npos) << e.what();
  }
}

TEST(ProviderClient, SignatureFetchEncodesTheIdAndModel) {
  Provider provider;
  std::string seen_path, seen_model;
  provider.server().Get(R"(/v1/proxy/signature/(.+))", [&](const httplib::Request& req, httplib::Response& res) {
    seen_path = req.path;
    seen_model = req.get_param_value("model");
    res.set_content(R"({"text":"a:b","signature":"0x01","signing_address":"0xabc","signing_algo":"ecdsa"})", "application/json");
  });
  broker::ProviderClient client(provider.url());
  const auto record = client.signature("chat/../x y", "org/model a");
  EXPECT_EQ(seen_path, "/v1/proxy/signature/chat/../x y");  // arrived as one encoded segment, decoded by the server
  EXPECT_EQ(seen_model, "org/model a");
  EXPECT_EQ(record.text, "a:b");
  EXPECT_EQ(record.signing_algo, "ecdsa");
}

// For an http:// provider the signature fetch of sync verification rides the keep-alive connection
// that forward() just used (no second connection per answer), under the service URL's path prefix.
TEST(ProviderClient, SignatureFetchReusesTheForwardConnectionUnderThePrefix) {
  Provider provider;
  std::vector<int> ports;
  std::vector<std::string> paths;
  provider.server().Post("/svc/v1/proxy/chat/completions", [&](const httplib::Request& req, httplib::Response& res) {
    ports.push_back(req.remote_port);
    paths.push_back(req.path);
    res.set_content(R"({"id":"chatcmpl-1","choices":[]})", "application/json");
  });
  provider.server().Get(R"(/svc/v1/proxy/signature/(.+))", [&](const httplib::Request& req, httplib::Response& res) {
    ports.push_back(req.remote_port);
    paths.push_back(req.path);
    res.set_content(R"({"text":"a:b","signature":"0x02"})", "application/json");
  });
  broker::ProviderClient client(provider.url() + "svc/");
  for (int round = 0; round < 2; ++round) {
    const auto end = client.forward("/v1/proxy/chat/completions", R"({"model":"m"})", kAuth,
                                    [](const broker::ForwardHead&) { return true; }, [](std::string_view) { return true; });
    EXPECT_EQ(end, broker::ForwardEnd::completed);
    EXPECT_EQ(client.signature("chatcmpl-1", "").signature, "0x02");
  }
  ASSERT_EQ(ports.size(), 4u);
  EXPECT_EQ(std::count(ports.begin(), ports.end(), ports.front()), 4) << "a second connection was opened";
  EXPECT_EQ(paths[1], "/svc/v1/proxy/signature/chatcmpl-1");
}

TEST(ProviderClient, SignatureFetchErrorCarriesTheStatusAndTheProviderText) {
  Provider provider;
  provider.server().Get(R"(/v1/proxy/signature/(.+))", [&](const httplib::Request&, httplib::Response& res) {
    res.status = 404;
    res.set_content(R"({"error":"chat not found"})", "application/json");
  });
  broker::ProviderClient client(provider.url());
  try {
    client.signature("missing", "m");
    FAIL() << "no error";
  } catch (const broker::ProviderError& e) {
    EXPECT_EQ(e.status(), 404);
    EXPECT_EQ(e.provider_message(), "chat not found");
    EXPECT_NE(std::string(e.what()).find("signature of chat missing from http://127.0.0.1:"), std::string::npos) << e.what();
  }
}

TEST(ProviderClient, GetFromAProviderThatIsGoneIsAnIoError) {
  std::string url;
  {
    Provider gone;
    url = gone.url();
  }
  broker::ProviderClient client(url);
  try {
    client.quote();
    FAIL() << "no error";
  } catch (const broker::ProviderError&) {
    FAIL() << "no HTTP status was received";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("TEE quote from http://127.0.0.1:"), std::string::npos) << e.what();
  }
}

TEST(ProviderClient, MalformedSignatureRecordIsAParseError) {
  Provider provider;
  provider.server().Get(R"(/v1/proxy/signature/(.+))", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"text":5})", "application/json");
  });
  broker::ProviderClient client(provider.url());
  EXPECT_THROW(client.signature("id", "m"), ParseError);
}

TEST(ProviderClient, UnsettledFeeSendsTheTokenAndParsesNeuron) {
  Provider provider;
  std::string seen_auth;
  provider.server().Get(R"(/v1/user/(0x[0-9a-fA-F]+)/unsettledfee)", [&](const httplib::Request& req, httplib::Response& res) {
    seen_auth = req.get_header_value("Authorization");
    res.set_content(R"({"userAddress":")" + std::string(req.matches[1]) + R"(","unsettledFee":"1500000000000000000000"})",
                    "application/json");
  });
  broker::ProviderClient client(provider.url());
  const auto user = eth::Address::from_hex("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
  const auto fee = client.unsettled_fee(user, kAuth);
  EXPECT_EQ(seen_auth, kAuth);
  EXPECT_EQ(fee.user_address, user.checksummed());
  EXPECT_EQ(fee.fee.to_dec(), "1500000000000000000000");
}

TEST(ProviderClient, SilentProviderTimesOutWithAClearError) {
  Provider provider;
  provider.server().Get("/v1/quote", [&](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(1500ms);
    res.set_content("{}", "application/json");
  });
  broker::ProviderClientOptions options;
  options.read_timeout = 300ms;
  broker::ProviderClient client(provider.url(), options);
  try {
    client.quote();
    FAIL() << "no timeout";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("within the timeout"), std::string::npos) << e.what();
  }
}

TEST(ProviderClient, OversizedAnswerIsRefused) {
  Provider provider;
  provider.server().Get("/v1/models", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(100000, ' ') + "{}", "application/json");
  });
  broker::ProviderClientOptions options;
  options.max_body_bytes = 1000;
  broker::ProviderClient client(provider.url(), options);
  EXPECT_THROW(client.models(), IoError);
}

TEST(ProviderClient, BadUrlsAreUsageErrors) {
  EXPECT_THROW(broker::ProviderClient("ftp://x"), UsageError);
  EXPECT_THROW(broker::ProviderClient("http://user:pw@host"), UsageError);
  EXPECT_THROW(broker::ProviderClient("127.0.0.1:80"), UsageError);
}

}  // namespace
