#include "provider_server.hpp"

#include <httplib.h>

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "broker/fee.hpp"
#include "chat_model.hpp"
#include "quote.hpp"
#include "sse_writer.hpp"
#include "upstream_model.hpp"

namespace zg::provider {

namespace {

constexpr std::size_t kMaxBodyBytes = 32u * 1024u * 1024u;  // the broker's 413 limit

std::int64_t now_unix_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(nlohmann::json{{"error", message}}.dump(), "application/json");
}

bool same_address_text(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

// The built-in model's reply in the same shape as an upstream one.
ModelReply answer_locally(const ChatRequest& request, const std::string& chat_id) {
  const auto created = now_unix_s();
  const auto answer = answer_deterministically(request, "chatcmpl-" + chat_id, created);
  ModelReply reply;
  reply.usage = answer.usage;
  if (request.stream) {
    reply.content_type = "text/event-stream";
    for (const auto& payload : stream_payloads(answer)) reply.parts.push_back(sse_event(payload));
    reply.parts.emplace_back(kSseDone);
  } else {
    reply.content_type = "application/json";
    reply.parts.push_back(completion_body(answer));
  }
  return reply;
}

std::string joined(const std::vector<std::string>& parts) {
  std::string all;
  for (const auto& part : parts) all += part;
  return all;
}

}  // namespace

ProviderServer::ProviderServer(ProviderParts parts)
    : parts_(std::move(parts)),
      server_(std::make_unique<httplib::Server>()),
      failures_left_(parts_.config.misbehaviour.fail_with_5xx) {
  install_routes();
}

ProviderServer::~ProviderServer() = default;

int ProviderServer::bind() {
  const int port = parts_.config.port == 0 ? server_->bind_to_any_port("127.0.0.1")
                                           : (server_->bind_to_port("127.0.0.1", parts_.config.port)
                                                  ? parts_.config.port
                                                  : -1);
  if (port <= 0) throw IoError("cannot listen on 127.0.0.1:" + std::to_string(parts_.config.port));
  return port;
}

bool ProviderServer::listen() { return server_->listen_after_bind(); }

void ProviderServer::stop() { server_->stop(); }

void ProviderServer::install_routes() {
  auto& server = *server_;
  server.set_payload_max_length(kMaxBodyBytes);
  server.set_default_headers({{"Access-Control-Allow-Origin", "*"}});
  server.set_logger([log = parts_.log](const httplib::Request& req, const httplib::Response& res) {
    // Never the headers themselves: the Authorization header is a bearer credential.
    const bool authorized = req.has_header("Authorization");
    log(req.method + " " + req.path + " -> " + std::to_string(res.status) +
        (authorized ? " (Authorization: [redacted])" : ""));
  });
  server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr error) {
    std::string message = "internal error";
    try {
      if (error) std::rethrow_exception(error);
    } catch (const std::exception& e) {
      message = e.what();
    } catch (...) {
    }
    send_error(res, 500, message);
  });
  server.Options(R"(/.*)", [](const httplib::Request&, httplib::Response& res) {
    res.status = 204;
    res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type");
  });

  const auto chat = [this](const httplib::Request& req, httplib::Response& res) { serve_chat(req, res); };
  server.Post("/v1/proxy/chat/completions", chat);
  server.Post("/v1/proxy/v1/chat/completions", chat);
  server.Get(R"(/v1/proxy/signature/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    const auto found = parts_.signatures.find(req.matches[1]);
    if (!found) return send_error(res, 404, std::string(kChatIdNotFound));
    res.set_content(signature_json(*found).dump(), "application/json");
  });
  server.Get("/v1/quote", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(quote_body(parts_.tee_signer, parts_.config.model), "application/json");
  });
  server.Get(R"(/v1/user/([^/]+)/unsettledfee)", [this](const httplib::Request& req, httplib::Response& res) {
    serve_unsettled_fee(req, res);
  });
  server.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) { serve_models(res); });
  const auto unsupported = [](const httplib::Request&, httplib::Response& res) {
    send_error(res, 400, "endpoint not supported");
  };
  server.Get(R"(/v1/proxy/.*)", unsupported);
  server.Post(R"(/v1/proxy/.*)", unsupported);
  server.Put(R"(/v1/proxy/.*)", unsupported);
  server.Delete(R"(/v1/proxy/.*)", unsupported);
}

void ProviderServer::serve_unsettled_fee(const httplib::Request& req, httplib::Response& res) {
  try {
    const eth::Address user = parts_.gate.authenticate(req.get_header_value("Authorization"), now_unix_s());
    const std::string path_address = req.matches[1];
    if (!same_address_text(path_address, user.checksummed())) {
      return send_error(res, 403, "address in path does not match the session token");
    }
    res.set_content(nlohmann::json{{"userAddress", user.checksummed()},
                                   {"unsettledFee", parts_.fees.unsettled(user).to_dec()}}
                        .dump(),
                    "application/json");
  } catch (const GateRejection& rejection) {
    send_error(res, rejection.status(), rejection.what());
  }
}

void ProviderServer::serve_models(httplib::Response& res) {
  const nlohmann::json model = {
      {"id", parts_.config.model},
      {"object", "model"},
      {"created", now_unix_s()},
      {"owned_by", parts_.provider.checksummed()},
      {"pricing", {{"prompt", parts_.config.input_price.to_dec()}, {"completion", parts_.config.output_price.to_dec()}}},
      {"verifiability", "TeeML"},
      {"tee_attested", true},
      {"provider_type", "decentralized"}};
  res.set_content(nlohmann::json{{"object", "list"}, {"data", nlohmann::json::array({model})}}.dump(),
                  "application/json");
}

// Gate first (as the broker: an unauthenticated caller learns nothing about the body), then the model.
void ProviderServer::serve_chat(const httplib::Request& req, httplib::Response& res) {
  const std::string authorization = req.get_header_value("Authorization");
  std::optional<ChatRequest> request;
  eth::Address user;
  try {
    try {
      request = parse_chat_request(req.body, parts_.config.model);
    } catch (const ParseError& error) {
      parts_.gate.authenticate(authorization, now_unix_s());
      return send_error(res, 400, error.what());
    }
    user = parts_.gate.admit_billed(authorization, request->messages_json, now_unix_s());
  } catch (const GateRejection& rejection) {
    return send_error(res, rejection.status(), rejection.what());
  }
  if (parts_.config.misbehaviour.delay.count() > 0) std::this_thread::sleep_for(parts_.config.misbehaviour.delay);
  if (consume_failure()) return send_error(res, 500, "simulated provider failure (--fail-with-5xx)");

  const std::string chat_id = new_chat_id();
  ModelReply reply;
  try {
    reply = parts_.config.upstream_url.empty()
                ? answer_locally(*request, chat_id)
                : ask_upstream(parts_.config.upstream_url, request->forwarded_body, request->stream);
  } catch (const IoError& error) {
    return send_error(res, 502, error.what());
  }
  record_chat(user, chat_id, *request, reply);
  send_reply(res, chat_id, std::move(reply));
}

bool ProviderServer::consume_failure() {
  unsigned left = failures_left_.load();
  while (left > 0) {
    if (failures_left_.compare_exchange_weak(left, left - 1)) return true;
  }
  return false;
}

// Signs before anything is sent, so the signature is there the moment the client has the last byte.
void ProviderServer::record_chat(const eth::Address& user, const std::string& chat_id, const ChatRequest& request,
                                 const ModelReply& reply) {
  std::string response_bytes = joined(reply.parts);
  if (parts_.config.misbehaviour.tamper_response) response_bytes += "\n(tampered)";
  parts_.signatures.put(chat_id, sign_chat(signed_text(as_bytes(request.forwarded_body), as_bytes(response_bytes)),
                                           parts_.response_key));
  // Without reported usage the broker counts the output words; the deterministic model always reports it.
  const broker::TokenUsage usage =
      reply.usage.value_or(broker::TokenUsage{count_prompt_tokens(request.body["messages"]),
                                              count_words(joined(reply.parts))});
  const auto fee = broker::fee_for_usage(usage, parts_.config.input_price, parts_.config.output_price);
  parts_.fees.charge(user, fee, chat_id);
  parts_.log("chat " + chat_id + " for " + user.checksummed() + ": " + std::to_string(usage.prompt_tokens) + "+" +
             std::to_string(usage.completion_tokens) + " tokens, fee " + fee.to_dec() + " neuron");
}

void ProviderServer::send_reply(httplib::Response& res, const std::string& chat_id, ModelReply reply) {
  res.set_header("ZG-Res-Key", chat_id);
  res.set_header("provider", parts_.provider.checksummed());
  res.set_header("X-Accel-Buffering", "no");
  res.set_header("Cache-Control", "no-cache");
  res.set_header("Access-Control-Expose-Headers", "ZG-Res-Key, Retry-After, Provider, content-encoding");
  if (reply.content_type != "text/event-stream") {
    res.set_content(joined(reply.parts), reply.content_type);
    return;
  }
  const auto drop_after = parts_.config.misbehaviour.drop_stream_after;
  auto parts = std::make_shared<std::vector<std::string>>(std::move(reply.parts));
  res.set_chunked_content_provider(
      "text/event-stream", [parts, drop_after, next = std::size_t{0}](std::size_t, httplib::DataSink& sink) mutable {
        if (drop_after && next >= *drop_after) return false;  // cut the connection mid-stream
        if (next == parts->size()) {
          sink.done();
          return true;
        }
        const auto& part = (*parts)[next++];
        return sink.write(part.data(), part.size());
      });
}

}  // namespace zg::provider
