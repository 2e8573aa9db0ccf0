#pragma once
// The provider's 0G Storage connection (protocol-finetune.md §3 steps 5 and 10): datasets given by
// a storage root are downloaded with proofs, and encrypted models are uploaded (a real Flow.submit
// paid by the provider) so that modelRootHash is their storage root. Without --storage-url both
// are off: datasets must come through the TEE route and modelRootHash is keccak256 of the file.
#include <memory>
#include <mutex>

#include "eth/tx_sender.hpp"
#include "finetune_config.hpp"
#include "model_delivery.hpp"
#include "task_runner.hpp"

namespace zg::storage {
class StorageClient;
}

namespace zg::finetune_sim {

class StorageLink {
 public:
  // `rpc` and `provider` must outlive this object.
  StorageLink(const FinetuneConfig& config, eth::RpcClient& rpc, eth::TxSender& provider);
  ~StorageLink();
  StorageLink(const StorageLink&) = delete;
  StorageLink& operator=(const StorageLink&) = delete;

  bool enabled() const noexcept { return client_ != nullptr; }
  ModelUploader uploader();        // empty when disabled
  DatasetDownloader downloader();  // empty when disabled

 private:
  eth::TxSender& provider_;
  std::unique_ptr<storage::StorageClient> client_;
  std::mutex mutex_;  // one transfer at a time through the client
};

}  // namespace zg::finetune_sim
