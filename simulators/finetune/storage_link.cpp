#include "storage_link.hpp"

#include "storage/storage_client.hpp"

namespace zg::finetune_sim {

StorageLink::StorageLink(const FinetuneConfig& config, eth::RpcClient& rpc, eth::TxSender& provider)
    : provider_(provider) {
  if (!config.storage_url.empty()) {
    client_ = std::make_unique<storage::StorageClient>(config.storage_url, rpc, *config.flow_contract);
  }
}

StorageLink::~StorageLink() = default;

ModelUploader StorageLink::uploader() {
  if (!client_) return {};
  return [this](const std::filesystem::path& file) {
    std::lock_guard lock(mutex_);
    return client_->upload_file(file, provider_).root;
  };
}

DatasetDownloader StorageLink::downloader() {
  if (!client_) return {};
  return [this](const std::string& root) {
    std::lock_guard lock(mutex_);
    return client_->download_bytes(root);
  };
}

}  // namespace zg::finetune_sim
