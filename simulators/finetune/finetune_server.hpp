#pragma once
// The fine-tuning broker's HTTP API under /v1 (protocol-finetune.md §4) on 127.0.0.1, with the
// upstream checks and error texts: task creation (model, training params, TEE-signer
// acknowledgements read from the chain, one unfinished task per user, the queue), task reads and
// logs, cancel (signed), the encrypted model download (/lora, signed, time window), the dataset
// upload (/dataset, signed, time window, JSONL check), the pending count, models and the quote.
// Errors are {"error": "..."} with the newest broker's status codes.
#include <functional>
#include <memory>
#include <string>

#include "finetune_chain.hpp"
#include "finetune_config.hpp"
#include "task_store.hpp"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace zg::finetune_sim {

struct ServerParts {
  const FinetuneConfig& config;
  TaskStore& tasks;
  FinetuneChain& chain;
  eth::Address provider;
  eth::Address tee_signer;
  std::function<void()> task_created;  // wakes the runner
  std::function<void(const std::string&)> log;
};

class FinetuneServer {
 public:
  explicit FinetuneServer(ServerParts parts);
  ~FinetuneServer();
  FinetuneServer(const FinetuneServer&) = delete;
  FinetuneServer& operator=(const FinetuneServer&) = delete;

  // Binds 127.0.0.1:<config.port> (0: a free port) and returns the port; IoError when it cannot.
  int bind();
  bool listen();  // serves until stop()
  void stop();

 private:
  void install_routes();
  void create_task(const httplib::Request& req, httplib::Response& res);
  void list_tasks(const httplib::Request& req, httplib::Response& res);
  void get_task(const httplib::Request& req, httplib::Response& res);
  void get_log(const httplib::Request& req, httplib::Response& res);
  void cancel_task(const httplib::Request& req, httplib::Response& res);
  void download_lora(const httplib::Request& req, httplib::Response& res);
  void upload_dataset(const httplib::Request& req, httplib::Response& res);
  void list_models(const httplib::Request& req, httplib::Response& res);
  void check_provider_signer(const std::string& user_address);

  ServerParts parts_;
  std::unique_ptr<httplib::Server> server_;
};

// The broker's JSONL check of an uploaded dataset (ctrl/task.go validateJSONLFormat): every line
// that is not blank must be a JSON object (or null). Returns the error text, or none when valid.
std::optional<std::string> jsonl_error(std::string_view content);

}  // namespace zg::finetune_sim
