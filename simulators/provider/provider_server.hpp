#pragma once
// The provider's HTTP API (protocol-inference.md §11) on 127.0.0.1: the billed route of its service
// type behind the request gate (chat completions for "chatbot", embeddings for "embedding"), the
// per-request TEE signature, the quote, the user's unsettled fee, the model list, and "endpoint not
// supported" for everything else under /v1/proxy (the other type's route included).
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "chat_signature.hpp"
#include "provider_config.hpp"
#include "chat_model.hpp"
#include "embedding_model.hpp"
#include "request_gate.hpp"
#include "upstream_model.hpp"

namespace httplib {
class Server;
struct Request;
struct Response;
}

namespace zg::provider {

struct ProviderParts {
  const ProviderConfig& config;
  eth::Address provider;
  const crypto::PrivateKey& response_key;  // the TEE key, or another one under --sign-with-wrong-key
  eth::Address tee_signer;                 // what the quote attests
  RequestGate& gate;
  FeeLedger& fees;
  SignatureCache& signatures;
  std::function<void(const std::string&)> log;
};

class ProviderServer {
 public:
  explicit ProviderServer(ProviderParts parts);
  ~ProviderServer();
  ProviderServer(const ProviderServer&) = delete;
  ProviderServer& operator=(const ProviderServer&) = delete;

  // Binds 127.0.0.1:<config.port> (0: a free port) and returns the port; IoError when it cannot.
  int bind();
  // Serves until stop(); returns false when the server could not run.
  bool listen();
  void stop();

 private:
  void install_routes();
  std::optional<eth::Address> admit(const httplib::Request& req, httplib::Response& res,
                                    const std::function<std::string_view()>& parse);
  void serve_chat(const httplib::Request& req, httplib::Response& res);
  void serve_embeddings(const httplib::Request& req, httplib::Response& res);
  void serve_unsettled_fee(const httplib::Request& req, httplib::Response& res);
  void serve_models(httplib::Response& res);
  bool consume_failure();
  // Signs what was sent (the TEE signature for the chat id) and bills it.
  void record_chat(const eth::Address& user, const std::string& chat_id, const ChatRequest& request,
                   const std::string& response_bytes, const std::optional<broker::TokenUsage>& usage);
  // Signs and bills one embeddings answer: prompt_tokens x input price, as the broker does.
  void record_embedding(const eth::Address& user, const std::string& chat_id, const EmbeddingRequest& request,
                        const std::string& response_bytes);
  void set_answer_headers(httplib::Response& res, const std::string& chat_id);
  void send_local_answer(httplib::Response& res, const eth::Address& user, const std::string& chat_id,
                         const ChatRequest& request);
  void relay_upstream_stream(httplib::Response& res, const eth::Address& user, const std::string& chat_id,
                             const ChatRequest& request);
  void stream_events(httplib::Response& res, std::function<std::optional<std::string>()> next_event);

  ProviderParts parts_;
  std::unique_ptr<httplib::Server> server_;
  std::atomic<unsigned> failures_left_;
};

}  // namespace zg::provider
