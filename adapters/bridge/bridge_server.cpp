#include "bridge_server.hpp"

#include <httplib.h>

#include <chrono>
#include <thread>

#include "common/error.hpp"
#include "gateway/http_server_bind.hpp"
#include "openai_error.hpp"

namespace zg::bridge {

// One request on its way through the bridge: shared by the connection thread that answers the
// client and, for streams, the thread that produces the response (plugin request or upstream fetch).
struct Exchange {
  using Clock = std::chrono::steady_clock;
  std::string route;        // metrics label: chat_completions, completions, embeddings
  std::string target;       // 0g or local
  std::uint64_t request_id = 0;
  std::string body;         // a copy: a streaming producer may outlive the httplib request
  Clock::time_point started = Clock::now();
  double ttfb_seconds = -1;
  std::shared_ptr<StreamChannel> channel;
  PluginHost* plugin = nullptr;  // 0g only: for cancel()

  // Set by the producer before channel->finish(); read by the consumer after it saw the end.
  std::optional<PluginError> error;
  nlohmann::json summary;   // the plugin's on_done summary (0g)
  std::string trailer;      // SSE comment after the last event (0g streams)

  double elapsed() const { return std::chrono::duration<double>(Clock::now() - started).count(); }
};

namespace {

constexpr std::size_t kMaxBodyBytes = 32u << 20;

// Header values come from the plugin and providers: keep them printable and on one line.
std::string header_safe(std::string value) {
  for (auto& c : value) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  if (value.size() > 512) value.resize(512);
  return value;
}

std::string json_string(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

void send_error(httplib::Response& res, int status, std::string_view message, std::string_view code) {
  res.status = status;
  res.set_content(openai_error_body(status, message, code), "application/json");
}

// The head the plugin announces in on_head: status, content type, provider and chat id.
ResponseHead head_from_plugin(int status, const char* json, std::size_t length) {
  ResponseHead head;
  head.status = status >= 100 && status <= 599 ? status : 200;
  const auto parsed = nlohmann::json::parse(json, json + length, nullptr, false);
  if (parsed.is_object()) {
    head.content_type = json_string(parsed, "content_type");
    if (auto provider = json_string(parsed, "provider"); !provider.empty()) head.headers["X-ZG-Provider"] = header_safe(provider);
    if (auto chat_id = json_string(parsed, "chat_id"); !chat_id.empty()) head.headers["X-ZG-Chat-Id"] = header_safe(chat_id);
  }
  if (head.content_type.empty()) head.content_type = "application/json";
  return head;
}

// What routing needs from a request body: its top-level "model" and "stream". A SAX pass checks
// the whole body is JSON like a DOM parse would, without building the DOM (measured: the DOM parse
// and its frees were the bridge's largest JSON cost per forwarded request).
struct RoutingFields {
  bool is_object = false;
  std::optional<std::string> model;  // a string "model" at the top level (the last one wins)
  bool stream = false;               // "stream": true at the top level
};

class RoutingScanner {
 public:
  using json = nlohmann::json;
  explicit RoutingScanner(RoutingFields& out) : out_(out) {}
  bool null() { return value_seen(); }
  bool boolean(bool value) {
    value_seen();
    if (depth_ == 1 && key_ == Key::stream) out_.stream = value;
    return true;
  }
  bool number_integer(json::number_integer_t) { return value_seen(); }
  bool number_unsigned(json::number_unsigned_t) { return value_seen(); }
  bool number_float(json::number_float_t, const json::string_t&) { return value_seen(); }
  bool binary(json::binary_t&) { return value_seen(); }
  bool string(json::string_t& value) {
    value_seen();
    if (depth_ == 1 && key_ == Key::model) out_.model = std::move(value);
    return true;
  }
  bool start_object(std::size_t) {
    if (depth_ == 0) out_.is_object = true;
    return enter();
  }
  bool start_array(std::size_t) { return enter(); }
  bool end_object() { return leave(); }
  bool end_array() { return leave(); }
  bool key(json::string_t& name) {
    if (depth_ == 1) key_ = name == "model" ? Key::model : name == "stream" ? Key::stream : Key::other;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }

 private:
  enum class Key { none, model, stream, other };
  // A later duplicate key replaces an earlier value, as in a DOM parse: forget what was seen.
  bool value_seen() {
    if (depth_ == 1 && key_ == Key::model) out_.model.reset();
    if (depth_ == 1 && key_ == Key::stream) out_.stream = false;
    return true;
  }
  bool enter() {
    value_seen();
    ++depth_;
    return true;
  }
  bool leave() {
    --depth_;
    return true;
  }
  RoutingFields& out_;
  int depth_ = 0;
  Key key_ = Key::none;
};

// std::nullopt when the body is not JSON at all.
std::optional<RoutingFields> scan_routing_fields(std::string_view body) {
  RoutingFields fields;
  RoutingScanner scanner(fields);
  if (!nlohmann::json::sax_parse(body, &scanner)) return std::nullopt;
  return fields;
}

// ---- the plugin's sink callbacks (C ABI): user is the Exchange -----------------------------------

struct SinkContext {
  Exchange* exchange;
  std::function<void(Exchange&, const std::string&)> on_summary;
};

int32_t sink_head(void* user, int32_t http_status, const char* head_json, size_t head_len) {
  auto* context = static_cast<SinkContext*>(user);
  return context->exchange->channel->set_head(head_from_plugin(http_status, head_json, head_len)) ? 0 : 1;
}

int32_t sink_data(void* user, const char* data, size_t length) {
  auto* context = static_cast<SinkContext*>(user);
  return context->exchange->channel->push(std::string(data, length)) ? 0 : 1;
}

void sink_done(void* user, zg_status, const char* summary_json, size_t summary_len) {
  auto* context = static_cast<SinkContext*>(user);
  try {
    context->on_summary(*context->exchange, std::string(summary_json, summary_len));
  } catch (...) {
    // Nothing may unwind into the plugin; a summary we cannot read only costs its headers.
  }
}

// Verification, as response headers for a non-streamed answer.
void add_outcome_headers(httplib::Response& res, const nlohmann::json& summary) {
  if (!summary.is_object()) return;
  if (const auto v = summary.find("verification"); v != summary.end() && v->is_object()) {
    if (auto outcome = json_string(*v, "outcome"); !outcome.empty()) res.set_header("X-ZG-Verification", header_safe(outcome));
    if (auto reason = json_string(*v, "reason"); !reason.empty()) res.set_header("X-ZG-Verification-Reason", header_safe(reason));
  }
  if (auto fee = json_string(summary, "fee_neuron"); !fee.empty()) res.set_header("X-ZG-Fee-Neuron", header_safe(fee));
  if (!res.has_header("X-ZG-Provider")) {
    if (auto p = json_string(summary, "provider"); !p.empty()) res.set_header("X-ZG-Provider", header_safe(p));
  }
  if (!res.has_header("X-ZG-Chat-Id")) {
    if (auto c = json_string(summary, "chat_id"); !c.empty()) res.set_header("X-ZG-Chat-Id", header_safe(c));
  }
}

// Verification, as an SSE comment after the provider's last event: SSE clients ignore comment
// lines, so the stream stays exactly what the provider sent for every client that does not look.
std::string outcome_comment(const nlohmann::json& summary) {
  nlohmann::json note = nlohmann::json::object();
  for (const char* key : {"chat_id", "provider", "fee_neuron"}) {
    if (auto v = json_string(summary, key); !v.empty()) note[key] = v;
  }
  if (const auto v = summary.find("verification"); v != summary.end() && v->is_object()) {
    note["verification"] = *v;
  }
  if (note.empty()) return {};
  return ": zg-verification " + note.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n\n";
}

std::uint64_t unsigned_field(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
}

}  // namespace

BridgeServer::BridgeServer(BridgeOptions options, std::string api_key, LogSink log)
    : options_(std::move(options)), api_key_(std::move(api_key)), log_(std::move(log)),
      server_(std::make_unique<httplib::Server>()) {
  if (!options_.local_upstream.empty()) upstream_ = std::make_shared<LocalUpstream>(options_.local_upstream);
  install_routes();
}

BridgeServer::~BridgeServer() = default;

int BridgeServer::bind() {
  return gateway::listen_or_throw(*server_, options_.host, options_.port);
}

void BridgeServer::listen() {
  server_->listen_after_bind();
  listen_done_.store(true);
}
void BridgeServer::stop() {
  // httplib ignores stop() before listen() began; a stop that comes that early (a plugin that fails
  // at once) must wait for it, or listen() would never return.
  while (!server_->is_running() && !listen_done_.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  server_->stop();
}

bool BridgeServer::authorized(const httplib::Request& req) const {
  if (api_key_.empty()) return true;
  const std::string expected = "Bearer " + api_key_;
  const auto& given = req.get_header_value("Authorization");
  // Compare every byte whatever the first mismatch: the time taken must not hint at the key.
  unsigned char difference = given.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    difference |= static_cast<unsigned char>(expected[i] ^ (i < given.size() ? given[i] : 0));
  }
  return difference == 0;
}

void BridgeServer::install_routes() {
  auto& s = *server_;
  // httplib takes ownership of the queue it gets (its API wants a raw pointer).
  s.new_task_queue = [threads = options_.threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  s.set_tcp_nodelay(true);
  s.set_keep_alive_max_count(100000);  // clients reuse connections; httplib's default closes after 5
  s.set_keep_alive_timeout(5);
  s.set_read_timeout(std::chrono::seconds(60));
  s.set_write_timeout(std::chrono::seconds(60));
  s.set_payload_max_length(kMaxBodyBytes);
  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (req.path == "/health" || authorized(req)) return httplib::Server::HandlerResponse::Unhandled;
    metrics_.record_error("unauthorized");
    send_error(res, 401, "a valid bridge key is required: send Authorization: Bearer <key>", "invalid_api_key");
    return httplib::Server::HandlerResponse::Handled;
  });
  s.set_exception_handler([this](const httplib::Request&, httplib::Response& res, std::exception_ptr error) {
    std::string what = "internal error";
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    metrics_.record_error("internal");
    log_(ZG_LOG_ERROR, "internal error: " + what);
    send_error(res, 500, what, "internal");
  });
  if (options_.log_requests) {
    s.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      // Method, path and status only: never headers (Authorization) or bodies.
      log_(ZG_LOG_INFO, req.method + " " + req.path + " -> " + std::to_string(res.status));
    });
  }
  const std::pair<const char*, const char*> inference_routes[] = {
      {"/v1/chat/completions", "chat_completions"}, {"/v1/completions", "completions"}, {"/v1/embeddings", "embeddings"}};
  for (const auto& [path, route] : inference_routes) {
    s.Post(path, [this, route = std::string(route)](const httplib::Request& req, httplib::Response& res) {
      serve_inference(route, req, res);
    });
  }
  s.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) { serve_models(res); });
  s.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    const bool ready = plugin_.load() != nullptr || ready_without_plugin_.load();
    res.status = ready ? 200 : 503;
    res.set_content(ready ? R"({"status":"ok"})" : R"({"status":"loading"})", "application/json");
  });
  s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_.render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  s.Get(R"(/v1/zg/verifications/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    const auto found = verifications_.find(req.matches[1]);
    if (!found) return send_error(res, 404, "no verification known for chat id " + std::string(req.matches[1]), "not_found");
    res.set_content(found->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
  });
  const auto not_found = [this](const httplib::Request& req, httplib::Response& res) {
    metrics_.record_error("no_route");
    send_error(res, 404, "zg-bridge has no route " + req.method + " " + req.path, "not_found");
  };
  s.Get(".*", not_found);
  s.Post(".*", not_found);
}

void BridgeServer::serve_inference(std::string_view route, const httplib::Request& req, httplib::Response& res) {
  auto exchange = std::make_shared<Exchange>();
  exchange->route = route;
  metrics_.add_in_flight(1);
  const auto fields = scan_routing_fields(req.body);
  if (!fields || !fields->is_object || !fields->model) {
    exchange->target = "none";
    metrics_.record_error("bad_request");
    send_error(res, 400, "the request body must be a JSON object with a \"model\" string", "invalid_request");
    return finish_exchange(*exchange, 400);
  }
  const std::string& model = *fields->model;
  const bool stream = fields->stream;
  exchange->body = req.body;
  if (model.rfind("0g/", 0) == 0) return serve_zero_g(std::move(exchange), req.path, stream, req, res);
  if (upstream_) return serve_local(std::move(exchange), req.path, stream, req, res);
  exchange->target = "none";
  metrics_.record_error("model_not_found");
  send_error(res, 404,
             "model \"" + model + "\" is not a 0G model (0g/<model>) and zg-bridge has no --local-upstream for it",
             "model_not_found");
  finish_exchange(*exchange, 404);
}

void BridgeServer::serve_zero_g(std::shared_ptr<Exchange> exchange, const std::string& path, bool stream,
                                const httplib::Request&, httplib::Response& res) {
  exchange->target = "0g";
  PluginHost* plugin = plugin_.load();
  if (plugin == nullptr) {
    metrics_.record_error(options_.no_plugin ? "no_plugin" : "loading");
    const int status = options_.no_plugin ? 404 : 503;
    send_error(res, status,
               options_.no_plugin ? "zg-bridge runs with --no-plugin: 0g/ models are not served"
                                  : "lib0g is still starting; retry shortly",
               options_.no_plugin ? "model_not_found" : "loading");
    return finish_exchange(*exchange, status);
  }
  exchange->plugin = plugin;
  exchange->request_id = next_request_id_.fetch_add(1);
  exchange->channel = std::make_shared<StreamChannel>(stream);
  auto produce = [this, plugin, exchange, path] {
    SinkContext context{exchange.get(), [this](Exchange& e, const std::string& json) { record_summary(e, json); }};
    const zg_request request{sizeof(zg_request), exchange->request_id, path.c_str(), exchange->body.data(),
                             exchange->body.size()};
    const zg_response_sink sink{sizeof(zg_response_sink), &context, sink_head, sink_data, sink_done};
    zg_error error{};
    const zg_status status = plugin->request(request, sink, error);
    if (status != ZG_OK) exchange->error = to_plugin_error(status, error);
    exchange->channel->finish();
  };
  if (!stream) {
    produce();
  } else {
    producers_.run(std::move(produce));
  }
  respond(std::move(exchange), stream, res);
}

void BridgeServer::serve_local(std::shared_ptr<Exchange> exchange, const std::string& path, bool stream,
                               const httplib::Request& req, httplib::Response& res) {
  exchange->target = "local";
  exchange->channel = std::make_shared<StreamChannel>(stream);
  UpstreamRequest request;
  request.path = path;
  request.body = exchange->body;
  request.content_type = req.get_header_value("Content-Type");
  if (request.content_type.empty()) request.content_type = "application/json";
  request.accept = req.get_header_value("Accept");
  // The client's own Authorization is for the upstream only when the bridge does not use it itself.
  if (api_key_.empty()) request.authorization = req.get_header_value("Authorization");
  // The producer shares the upstream: a stream abandoned by its client may still be reading when the
  // server shuts down.
  auto produce = [upstream = upstream_, exchange, request = std::move(request)] {
    if (auto failure = upstream->forward(request, *exchange->channel)) {
      exchange->error = PluginError{ZG_E_NETWORK, 502, *failure};
    }
  };
  if (!stream) {
    produce();
  } else {
    producers_.run(std::move(produce));
  }
  respond(std::move(exchange), stream, res);
}

// Answers the client from the exchange's channel: an error before any head; otherwise the head and
// then the body, whole (non-streamed) or chunk by chunk as the producer delivers it (streamed).
void BridgeServer::respond(std::shared_ptr<Exchange> exchange, bool stream, httplib::Response& res) {
  auto head = exchange->channel->wait_head();
  if (!head || (!stream && exchange->error)) {
    // Non-streamed answers are collected first, so a failure after the head (a failed verification)
    // still reaches the client as an error instead of an unverified answer.
    const PluginError error = exchange->error.value_or(PluginError{ZG_E_INTERNAL, 502, "no response"});
    metrics_.record_error(exchange->target == "local" ? "upstream_unreachable" : status_name(error.code));
    send_error(res, error.http_status, error.message, status_name(error.code));
    add_outcome_headers(res, exchange->summary);
    return finish_exchange(*exchange, error.http_status);
  }
  res.status = head->status;
  for (const auto& [name, value] : head->headers) res.set_header(name, value);
  if (!stream) {
    std::string body;
    while (auto chunk = exchange->channel->next_chunks()) body += *chunk;
    add_outcome_headers(res, exchange->summary);
    res.set_content(std::move(body), head->content_type);
    exchange->ttfb_seconds = exchange->elapsed();
    return finish_exchange(*exchange, head->status);
  }
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  const bool sse = head->content_type.rfind("text/event-stream", 0) == 0;
  res.set_chunked_content_provider(
      head->content_type,
      [exchange, sse](std::size_t, httplib::DataSink& sink) {
        if (auto chunk = exchange->channel->next_chunks()) {
          if (exchange->ttfb_seconds < 0) exchange->ttfb_seconds = exchange->elapsed();
          return sink.write(chunk->data(), chunk->size());
        }
        if (exchange->error && sse) {
          const auto note = nlohmann::json{{"message", exchange->error->message}, {"code", status_name(exchange->error->code)}};
          const auto line = ": zg-error " + note.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n\n";
          sink.write(line.data(), line.size());
        } else if (sse && !exchange->trailer.empty()) {
          sink.write(exchange->trailer.data(), exchange->trailer.size());
        }
        sink.done();
        return true;
      },
      [this, exchange, status = head->status](bool success) {
        if (!success) {
          // The client went away: stop the producer, and the provider request with it.
          exchange->channel->abandon();
          if (exchange->plugin != nullptr) exchange->plugin->cancel(exchange->request_id);
          metrics_.record_error("client_disconnected");
        } else if (exchange->error) {
          metrics_.record_error(exchange->target == "local" ? "upstream_stream" : status_name(exchange->error->code));
        }
        finish_exchange(*exchange, status);
      });
}

void BridgeServer::record_summary(Exchange& exchange, const std::string& summary_json) {
  auto summary = nlohmann::json::parse(summary_json, nullptr, false);
  if (!summary.is_object()) return;
  if (const auto usage = summary.find("usage"); usage != summary.end() && usage->is_object()) {
    metrics_.record_tokens(unsigned_field(*usage, "prompt_tokens"), unsigned_field(*usage, "completion_tokens"));
  }
  if (auto fee = json_string(summary, "fee_neuron"); !fee.empty()) {
    try {
      metrics_.record_fee_neuron(std::stod(fee));
    } catch (const std::exception&) {
    }
  }
  if (const auto v = summary.find("verification"); v != summary.end() && v->is_object()) {
    const auto outcome = json_string(*v, "outcome");
    // Async verification reports its real outcome later as a response.verified event.
    if (!outcome.empty() && outcome != "pending") metrics_.record_verification(outcome);
    nlohmann::json fields = {{"verification", *v}};
    for (const char* key : {"provider", "model", "fee_neuron"}) {
      if (auto value = json_string(summary, key); !value.empty()) fields[key] = value;
    }
    verifications_.record(json_string(summary, "chat_id"), fields);
  }
  exchange.trailer = outcome_comment(summary);
  exchange.summary = std::move(summary);
}

void BridgeServer::on_plugin_event(std::string_view event_json) {
  const auto event = nlohmann::json::parse(event_json, nullptr, false);
  if (!event.is_object() || json_string(event, "event") != "response.verified") return;
  const auto chat_id = json_string(event, "chat_id");
  nlohmann::json verification = {{"outcome", json_string(event, "outcome")}};
  if (auto reason = json_string(event, "reason"); !reason.empty()) verification["reason"] = reason;
  if (options_.verify == "async") metrics_.record_verification(json_string(event, "outcome"));
  verifications_.record(chat_id, {{"verification", verification}});
}

void BridgeServer::serve_models(httplib::Response& res) {
  nlohmann::json data = nlohmann::json::array();
  if (PluginHost* plugin = plugin_.load()) {
    try {
      const auto models = nlohmann::json::parse(plugin->list_models(), nullptr, false);
      if (models.is_object() && models.contains("data") && models["data"].is_array()) {
        for (const auto& m : models["data"]) data.push_back(m);
      }
    } catch (const PluginFailure& failure) {
      metrics_.record_error(status_name(failure.error().code));
      log_(ZG_LOG_WARN, "listing 0G models failed: " + failure.error().message);
    }
  }
  if (upstream_) {
    const auto text = upstream_->models();
    const auto models = text ? nlohmann::json::parse(*text, nullptr, false) : nlohmann::json();
    if (models.is_object() && models.contains("data") && models["data"].is_array()) {
      for (const auto& m : models["data"]) data.push_back(m);
    } else {
      metrics_.record_error("upstream_models");
      log_(ZG_LOG_WARN, "the local upstream did not list its models");
    }
  }
  res.set_content(nlohmann::json{{"object", "list"}, {"data", data}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json");
}

void BridgeServer::finish_exchange(const Exchange& exchange, int status) {
  metrics_.add_in_flight(-1);
  metrics_.record_request(exchange.route, exchange.target, status, exchange.elapsed(), exchange.ttfb_seconds);
}

}  // namespace zg::bridge
