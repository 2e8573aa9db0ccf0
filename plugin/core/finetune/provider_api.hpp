#pragma once
// HTTP to a fine-tuning provider's broker, `{Service.url}/v1` (protocol-finetune.md §4): the TEE
// quote, tasks (create, read, list, log, cancel), the pending-task count, customized models, the
// dataset upload to the TEE and the encrypted LoRA download. The provider is untrusted: sizes are
// bounded, JSON is checked, and a non-2xx answer becomes a broker::ProviderError carrying the
// broker's own `{"error": ...}` text. A downloaded file is written under "<out>.partial" and renamed
// only when complete.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "broker/provider_client.hpp"  // ProviderError
#include "finetune/task.hpp"

namespace httplib {
class Client;
}

namespace zg::finetune {

struct ProviderApiOptions {
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds read_timeout{120000};
  std::size_t max_body_bytes = 16u << 20;                 // JSON and text answers
  std::uint64_t max_download_bytes = 64ull << 30;         // the encrypted model
};

// One entry of GET /v1/model.
struct CustomModel {
  std::string name;
  std::string hash;
  std::string description;
  std::string data_type;
  std::string tokenizer;
};
std::vector<CustomModel> parse_model_list(std::string_view body);
CustomModel parse_model(std::string_view body);

// Called as bytes arrive: done so far and the announced total (0 when unknown).
using TransferProgress = std::function<void(std::uint64_t done, std::uint64_t total)>;

class ProviderApi {
 public:
  explicit ProviderApi(std::string_view service_url, ProviderApiOptions options = {});
  ~ProviderApi();
  ProviderApi(const ProviderApi&) = delete;
  ProviderApi& operator=(const ProviderApi&) = delete;

  const std::string& display_url() const noexcept { return display_url_; }

  std::string quote();
  // POST /v1/user/{addr}/task; returns the new task id.
  std::string create_task(std::string_view user_in_url, const std::string& body);
  Task get_task(std::string_view user_in_url, std::string_view task_id);
  std::vector<Task> list_tasks(std::string_view user_in_url, bool latest_only);
  std::string task_log(std::string_view user_in_url, std::string_view task_id);
  std::string cancel_task(std::string_view user_in_url, std::string_view task_id, const std::string& signature);
  std::uint64_t pending_task_count();
  std::vector<CustomModel> models();
  CustomModel model(std::string_view name_or_hash);
  // Multipart upload of a .jsonl/.json file; returns the broker's datasetHash.
  std::string upload_dataset(std::string_view user_in_url, const std::filesystem::path& file, const std::string& signature,
                             std::int64_t timestamp);
  // POST .../task/{id}/lora, streamed into `out` (via "<out>.partial"). Returns the byte count.
  std::uint64_t download_lora(std::string_view user_in_url, std::string_view task_id, const std::string& signature,
                              std::int64_t timestamp, const std::filesystem::path& out, const TransferProgress& progress = {});

 private:
  struct Exchange;
  void send(Exchange& exchange);
  std::string call(const std::string& method, const std::string& path, const std::string& what, std::string body = {});
  std::string task_path(std::string_view user_in_url, std::string_view task_id) const;

  ProviderApiOptions options_;
  std::string base_path_;
  std::string display_url_;
  std::mutex mutex_;
  std::unique_ptr<httplib::Client> client_;
};

// A user-chosen address or id must not smuggle path segments into the URL.
void check_path_segment(std::string_view value, std::string_view what);

}  // namespace zg::finetune
