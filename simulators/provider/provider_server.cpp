#include "provider_server.hpp"

#include <httplib.h>

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "broker/fee.hpp"
#include "chat_model.hpp"
#include "quote.hpp"
#include "sse_writer.hpp"
#include "simulator_main.hpp"
#include "upstream_model.hpp"

namespace zg::provider {

namespace {

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

// The broker's answer for a path under /v1/proxy that it does not serve (protocol-inference.md §5).
constexpr std::string_view kEndpointNotSupported = "endpoint not supported";

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

// The broker's 413 text (Broker internal/proxy/proxy.go), which names the limit in MB.
std::string body_too_large_text(std::size_t limit) {
  constexpr std::size_t kMiB = 1024 * 1024;
  const std::string size = limit % kMiB == 0 ? std::to_string(limit / kMiB) + "MB" : std::to_string(limit) + " bytes";
  return "Request body size exceeds the maximum allowed size of " + size;
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

int ProviderServer::bind() { return sim::bind_loopback(*server_, parts_.config.port); }

bool ProviderServer::listen() { return server_->listen_after_bind(); }

void ProviderServer::stop() { server_->stop(); }

void ProviderServer::install_routes() {
  auto& server = *server_;
  // Serve like a real broker behind a load balancer would: no Nagle stall between the headers and the
  // body (about 40 ms per response on loopback otherwise), keep-alive connections that are not closed
  // after httplib's default of 5 requests, and enough workers for many concurrent clients. httplib
  // takes ownership of the queue it gets from this factory.
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(100000);
  server.new_task_queue = [] { return new httplib::ThreadPool(64); };
  server.set_payload_max_length(parts_.config.max_body_bytes);
  // httplib refuses an oversized body itself, with an empty 413: give it the broker's JSON text.
  server.set_error_handler(httplib::Server::HandlerWithResponse(
      [limit = parts_.config.max_body_bytes](const httplib::Request&, httplib::Response& res) {
        if (res.status != 413 || !res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        send_error(res, 413, body_too_large_text(limit));
        return httplib::Server::HandlerResponse::Handled;
      }));
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

  // Each service type bills one route; the other type's route gets the broker's answer for a path it
  // does not serve, before any token check (as for every unsupported path).
  const bool chatbot = parts_.config.service_type == kServiceTypeChatbot;
  const auto chat = [this, chatbot](const httplib::Request& req, httplib::Response& res) {
    if (!chatbot) return send_error(res, 400, std::string(kEndpointNotSupported));
    serve_chat(req, res);
  };
  const auto embeddings = [this, chatbot](const httplib::Request& req, httplib::Response& res) {
    if (chatbot) return send_error(res, 400, std::string(kEndpointNotSupported));
    serve_embeddings(req, res);
  };
  server.Post("/v1/proxy/chat/completions", chat);
  server.Post("/v1/proxy/v1/chat/completions", chat);
  server.Post("/v1/proxy/embeddings", embeddings);
  server.Post("/v1/proxy/v1/embeddings", embeddings);
  server.Get(R"(/v1/proxy/signature/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    const auto found = parts_.signatures.find(req.matches[1]);
    if (!found) return send_error(res, 404, std::string(kChatIdNotFound));
    res.set_content(signature_json(*found).dump(), "application/json");
  });
  server.Get("/v1/quote", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(quote_body(parts_.tee_signer, parts_.config.model, !parts_.config.misbehaviour.quote_wrong_compose_hash),
                    "application/json");
  });
  server.Get(R"(/v1/user/([^/]+)/unsettledfee)", [this](const httplib::Request& req, httplib::Response& res) {
    serve_unsettled_fee(req, res);
  });
  server.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) { serve_models(res); });
  const auto unsupported = [](const httplib::Request&, httplib::Response& res) {
    send_error(res, 400, std::string(kEndpointNotSupported));
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

// Every billed route in the broker's order: the gate first (an unauthenticated caller learns nothing
// about the body, not even that it is malformed), then the faults. `parse` parses the body (ParseError
// for a bad one) and returns the JSON whose length prices the balance estimate. Returns the admitted
// user, or nullopt once `res` holds the refusal.
std::optional<eth::Address> ProviderServer::admit(const httplib::Request& req, httplib::Response& res,
                                                  const std::function<std::string_view()>& parse) {
  const std::string authorization = req.get_header_value("Authorization");
  std::optional<eth::Address> user;
  try {
    std::string_view priced;
    try {
      priced = parse();
    } catch (const ParseError& error) {
      parts_.gate.authenticate(authorization, now_unix_s());
      send_error(res, 400, error.what());
      return std::nullopt;
    }
    user = parts_.gate.admit_billed(authorization, priced, now_unix_s());
  } catch (const GateRejection& rejection) {
    send_error(res, rejection.status(), rejection.what());
    return std::nullopt;
  }
  if (parts_.config.misbehaviour.delay.count() > 0) std::this_thread::sleep_for(parts_.config.misbehaviour.delay);
  if (consume_failure()) {
    send_error(res, 500, "simulated provider failure (--fail-with-5xx)");
    return std::nullopt;
  }
  return user;
}

// Gate first (as the broker: an unauthenticated caller learns nothing about the body), then the model.
void ProviderServer::serve_chat(const httplib::Request& req, httplib::Response& res) {
  std::optional<ChatRequest> request;
  const auto user = admit(req, res, [&] {
    request = parse_chat_request(req.body, parts_.config.model);
    return std::string_view(request->messages_json);
  });
  if (!user) return;

  const std::string chat_id = new_chat_id();
  set_answer_headers(res, chat_id);
  try {
    if (parts_.config.upstream_url.empty()) return send_local_answer(res, *user, chat_id, *request);
    if (request->stream) return relay_upstream_stream(res, *user, chat_id, *request);
    auto reply = ask_upstream(parts_.config.upstream_url, request->forwarded_body, false);
    const std::string body = joined(reply.parts);
    record_chat(*user, chat_id, *request, body, reply.usage);
    res.set_content(body, reply.content_type);
  } catch (const IoError& error) {
    res.headers.erase("ZG-Res-Key");  // no answer, nothing to look up
    return send_error(res, 502, error.what());
  }
}

// The embeddings route: the same gate, faults, signature and bill as chat; always one JSON answer
// (the OpenAI embeddings API has no stream), billed on input tokens only.
void ProviderServer::serve_embeddings(const httplib::Request& req, httplib::Response& res) {
  std::optional<EmbeddingRequest> request;
  // The chat gate prices json.Marshal(messages); for embeddings the same estimate over `input`.
  const auto user = admit(req, res, [&] {
    request = parse_embedding_request(req.body, parts_.config.model);
    return std::string_view(request->input_json);
  });
  if (!user) return;

  const std::string chat_id = new_chat_id();
  set_answer_headers(res, chat_id);
  const std::string body = embedding_body(*request);
  // Signed and billed before the first byte goes out, as the broker caches the signature first.
  record_embedding(*user, chat_id, *request, body);
  res.set_content(body, "application/json");
}

void ProviderServer::record_embedding(const eth::Address& user, const std::string& chat_id,
                                      const EmbeddingRequest& request, const std::string& response_bytes) {
  const std::string signed_bytes =
      parts_.config.misbehaviour.tamper_response ? response_bytes + "\n(tampered)" : response_bytes;
  parts_.signatures.put(chat_id, sign_chat(signed_text(as_bytes(request.forwarded_body), as_bytes(signed_bytes)),
                                           parts_.response_key));
  const broker::TokenUsage usage{request.prompt_tokens(), 0};
  const auto fee = broker::fee_for_usage(usage, parts_.config.input_price, parts_.config.output_price);
  parts_.fees.charge(user, fee, chat_id);
  parts_.log("embeddings " + chat_id + " for " + user.checksummed() + ": " + std::to_string(usage.prompt_tokens) +
             " input tokens, fee " + fee.to_dec() + " neuron");
}

bool ProviderServer::consume_failure() {
  unsigned left = failures_left_.load();
  while (left > 0) {
    if (failures_left_.compare_exchange_weak(left, left - 1)) return true;
  }
  return false;
}

void ProviderServer::record_chat(const eth::Address& user, const std::string& chat_id, const ChatRequest& request,
                                 const std::string& response_bytes, const std::optional<broker::TokenUsage>& reported) {
  const std::string signed_bytes =
      parts_.config.misbehaviour.tamper_response ? response_bytes + "\n(tampered)" : response_bytes;
  parts_.signatures.put(chat_id, sign_chat(signed_text(as_bytes(request.forwarded_body), as_bytes(signed_bytes)),
                                           parts_.response_key));
  // Without reported usage the broker counts the output words; the deterministic model always reports it.
  const broker::TokenUsage usage =
      reported.value_or(broker::TokenUsage{count_prompt_tokens(request.body["messages"]), count_words(response_bytes)});
  const auto fee = broker::fee_for_usage(usage, parts_.config.input_price, parts_.config.output_price);
  parts_.fees.charge(user, fee, chat_id);
  parts_.log("chat " + chat_id + " for " + user.checksummed() + ": " + std::to_string(usage.prompt_tokens) + "+" +
             std::to_string(usage.completion_tokens) + " tokens, fee " + fee.to_dec() + " neuron");
}

void ProviderServer::set_answer_headers(httplib::Response& res, const std::string& chat_id) {
  res.set_header("ZG-Res-Key", chat_id);
  res.set_header("provider", parts_.provider.checksummed());
  res.set_header("X-Accel-Buffering", "no");
  res.set_header("Cache-Control", "no-cache");
  res.set_header("Access-Control-Expose-Headers", "ZG-Res-Key, Retry-After, Provider, content-encoding");
}

// The built-in model knows the whole answer at once: it is signed before the first byte goes out.
void ProviderServer::send_local_answer(httplib::Response& res, const eth::Address& user, const std::string& chat_id,
                                       const ChatRequest& request) {
  auto reply = answer_locally(request, chat_id);
  record_chat(user, chat_id, request, joined(reply.parts), reply.usage);
  if (reply.content_type != "text/event-stream") return res.set_content(joined(reply.parts), reply.content_type);
  auto events = std::make_shared<std::vector<std::string>>(std::move(reply.parts));
  stream_events(res, [events, next = std::size_t{0}]() mutable -> std::optional<std::string> {
    if (next == events->size()) return std::nullopt;
    return (*events)[next++];
  });
}

// The upstream's SSE goes to the client event by event as it arrives; the signature over the whole
// stream is made when the upstream finished, before the final [DONE] event is passed on.
void ProviderServer::relay_upstream_stream(httplib::Response& res, const eth::Address& user, const std::string& chat_id,
                                           const ChatRequest& request) {
  auto stream = std::make_shared<UpstreamStream>(
      parts_.config.upstream_url, request.forwarded_body,
      [this, user, chat_id, request](const std::string& all_bytes, const std::optional<broker::TokenUsage>& usage) {
        record_chat(user, chat_id, request, all_bytes, usage);
      });
  stream_events(res, [stream] { return stream->next_event(); });
}

// Writes events as a chunked text/event-stream, with the stream faults: a pause between events
// (--stream-delay-ms) and a connection cut after N events (--drop-stream-after).
void ProviderServer::stream_events(httplib::Response& res, std::function<std::optional<std::string>()> next_event) {
  const auto drop_after = parts_.config.misbehaviour.drop_stream_after;
  const auto pause = parts_.config.misbehaviour.stream_delay;
  res.set_chunked_content_provider(
      "text/event-stream",
      [next_event = std::move(next_event), drop_after, pause, sent = 0u](std::size_t, httplib::DataSink& sink) mutable {
        if (drop_after && sent >= *drop_after) return false;  // cut the connection mid-stream
        if (sent > 0 && pause.count() > 0) std::this_thread::sleep_for(pause);
        const auto event = next_event();
        if (!event) {
          sink.done();
          return true;
        }
        ++sent;
        return sink.write(event->data(), event->size());
      });
}

}  // namespace zg::provider
