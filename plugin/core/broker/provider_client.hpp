#pragma once
// HTTP to one inference provider (protocol-inference.md §11): chat completions through the
// billed proxy (plain and streamed), the TEE signature of a past answer, the TEE quote, the
// unsettled fee and the model list. Everything the provider sends is untrusted: sizes are bounded,
// JSON is checked, and an HTTP error becomes a ProviderError that carries the provider's own
// `{"error": ...}` text. The Authorization header is passed per call and never appears in a
// message or a log.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "broker/fee.hpp"
#include "common/error.hpp"
#include "eth/address.hpp"
#include "eth/uint256.hpp"

namespace httplib {
class Client;
}
namespace zg::gateway {
class HttpConnection;
}

namespace zg::broker {

struct ProviderClientOptions {
  std::chrono::milliseconds connect_timeout{10000};
  // Longest silence between two reads: a stream may pause while the model thinks.
  std::chrono::milliseconds read_timeout{120000};
  std::size_t max_body_bytes = 32u << 20;
};

// The provider answered with a non-2xx status.
class ProviderError : public IoError {
 public:
  ProviderError(int status, std::string provider_message, const std::string& context);
  int status() const noexcept { return status_; }
  // The provider's `error` text (or a printable excerpt of its body).
  const std::string& provider_message() const noexcept { return provider_message_; }

 private:
  int status_;
  std::string provider_message_;
};

struct ChatResponse {
  std::string body;                         // the exact bytes received (the whole SSE stream when streamed)
  std::optional<std::string> response_key;  // the ZG-Res-Key header
  std::optional<std::string> completion_id; // the `id` of the body or of the stream's chunks
  std::string content;                      // the answer text (choices[0].message.content or the deltas)
  std::optional<TokenUsage> usage;
  bool streamed = false;

  // §6: ZG-Res-Key when present, else the completion id; nullopt when neither exists.
  std::optional<std::string> chat_id() const { return response_key ? response_key : completion_id; }
};

// GET /v1/proxy/signature/{id}: what the TEE signed for one chat.
struct SignatureRecord {
  std::string text;
  std::string signature;        // "0x" + 130 hex digits
  std::string signing_address;  // as the provider claims it (never trusted for verification)
  std::string signing_algo;
};

// The head of a forwarded answer (ProviderClient::forward), before any body byte.
struct ForwardHead {
  int status = 0;
  std::string content_type;
  std::optional<std::string> response_key;  // the ZG-Res-Key header
};

// How a forward() call ended: the whole body passed through, or a callback (or abort()) stopped it.
enum class ForwardEnd { completed, stopped };

struct UnsettledFee {
  std::string user_address;
  eth::Uint256 fee;  // neuron
};

class ProviderClient {
 public:
  // `service_url` is Service.url from the contract: http(s)://host[:port][/prefix].
  explicit ProviderClient(std::string_view service_url, ProviderClientOptions options = {});
  ~ProviderClient();
  ProviderClient(const ProviderClient&) = delete;
  ProviderClient& operator=(const ProviderClient&) = delete;

  // scheme://host:port[/...]: safe to show.
  const std::string& display_url() const noexcept { return display_url_; }

  // POST {url}/v1/proxy/chat/completions with `request_json` as the body (sent byte for byte).
  ChatResponse chat(const std::string& request_json, const std::string& authorization);
  // The same for a body with "stream": true; `on_delta` receives each text delta as it arrives.
  ChatResponse chat_stream(const std::string& request_json, const std::string& authorization,
                           const std::function<void(std::string_view delta)>& on_delta);

  // Raw passthrough for a gateway: POST {url}{proxy_path} with `body` byte for byte. For a 2xx answer
  // `on_head` runs once, then `on_data` with each piece of the body as it arrives (either may return
  // false to stop). A non-2xx answer throws ProviderError (the provider's text), a connection or
  // timeout failure IoError; in both cases no callback ran. Returns `stopped` when a callback or
  // abort() ended the exchange early (the connection is then closed).
  ForwardEnd forward(std::string_view proxy_path, std::string body, const std::string& authorization,
                     const std::function<bool(const ForwardHead&)>& on_head,
                     const std::function<bool(std::string_view bytes)>& on_data);
  // From another thread: ends the call in progress (or the next one, if none is running yet and
  // rearm() was not called since) by shutting its socket down. Thread-safe and cheap.
  void abort() noexcept;
  // Clears a previous abort(), before this client is handed to a new request.
  void rearm() noexcept;

  SignatureRecord signature(std::string_view chat_id, std::string_view model);
  std::string quote();  // the raw body of GET /v1/quote (parse with broker/quote.hpp)
  UnsettledFee unsettled_fee(const eth::Address& user, const std::string& authorization);
  nlohmann::json models();  // GET /v1/models, checked to be a JSON object

 private:
  struct Exchange;
  void send(Exchange& exchange);
  std::string get(const std::string& path, const std::string& what, const std::string* authorization);
  std::string get_plain(const std::string& path, const std::string& what, const std::string* authorization);

  ProviderClientOptions options_;
  std::string base_path_;  // the URL's path prefix without a trailing '/'
  std::string display_url_;
  bool aborted() const noexcept;

  // forward() and GETs to an http:// provider: our own keep-alive connection (a third of the
  // bridge's CPU per 0G request went to httplib's client there); chat(), chat_stream() and https go
  // through httplib.
  ForwardEnd forward_plain(std::string_view proxy_path, std::string body, const std::string& authorization,
                           const std::function<bool(const ForwardHead&)>& on_head,
                           const std::function<bool(std::string_view bytes)>& on_data);
  std::string host_header_;  // http only: host[:port] as in the URL

  std::mutex mutex_;  // one connection; calls are serialized
  std::unique_ptr<httplib::Client> client_;
  std::unique_ptr<gateway::HttpConnection> plain_;  // set for http:// providers
  std::atomic<bool> abort_requested_{false};  // abort() was called since the last rearm()
};

// A non-streaming chat completion body: id, choices[0].message.content, usage. ParseError when it
// is not a JSON object or a field has the wrong type.
ChatResponse parse_chat_completion(std::string body);

// `{"error": "..."}` / `{"error": {"message": "..."}}` text of an error body, else a printable excerpt.
std::string provider_error_text(std::string_view body);

// Percent-encodes everything but RFC 3986 unreserved characters (a path segment or query value).
std::string percent_encode(std::string_view text);

}  // namespace zg::broker
