#pragma once
// zg-storage-sim's node and indexer: the JSON-RPC methods of protocol-finetune.md §7.2 that uploads
// and downloads use, with a storage node's rules. A file exists only once its Flow.submit is on
// chain (the node follows the contract's Submit logs); every uploaded segment must carry a valid
// proof against the submitted root and the exact bytes the layout demands; downloads come with
// proofs. For tests it can serve corrupted segments (admin_corruptSegment or --corrupt-downloads).
#include <cstdint>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "contracts/flow_contract.hpp"
#include "eth/rpc_client.hpp"
#include "storage/merkle.hpp"
#include "storage/segment_wire.hpp"

namespace zg::storage_sim {

// A JSON-RPC error the node answers with (code and message as the client sees them).
class RpcFailure : public Error {
 public:
  RpcFailure(int code, const std::string& message) : Error(message), code_(code) {}
  int code() const noexcept { return code_; }

 private:
  int code_;
};

inline constexpr int kInvalidParams = -32602;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kServerError = -32000;

struct NodeOptions {
  std::string self_url;            // what the indexer hands out for this node
  bool corrupt_downloads = false;  // flip a byte in every served segment
};

class StorageNode {
 public:
  StorageNode(eth::RpcClient& rpc, const eth::Address& flow, NodeOptions options);

  void set_self_url(std::string url);
  // One JSON-RPC call: the result, or RpcFailure.
  nlohmann::json handle(std::string_view method, const nlohmann::json& params);
  // zgs_downloadSegmentWithProof[ByTxSeq]: appends the result as serialized JSON to `out`, encoded
  // straight from the stored bytes (no segment copy, no escape scan of the base64), and returns true;
  // false (nothing appended) for every other method. RpcFailure as handle().
  bool append_as_text(std::string_view method, const nlohmann::json& params, std::string& out);

 private:
  struct StoredFile {
    contracts::FlowSubmitEvent event;
    Hash256 root{};
    storage::FlowLayout layout;
    Bytes data;                           // file_size bytes from the first segment on, filled as segments arrive
    std::vector<bool> received;           // per data segment
    std::uint64_t received_count = 0;
    std::optional<storage::FileMerkleTree> tree;  // built once complete, for download proofs
    bool finalized() const noexcept { return tree.has_value(); }
  };

  void sync_chain();
  StoredFile* find_by_root(const Hash256& root);
  const StoredFile* find_by_root(const Hash256& root) const;
  nlohmann::json download(std::string_view method, const nlohmann::json& params) const;
  StoredFile& file_by_seq(std::uint64_t seq);
  storage::FileInfo info_of(const StoredFile& file) const;

  nlohmann::json status();
  nlohmann::json file_info(const nlohmann::json& params);
  nlohmann::json file_info_by_tx_seq(const nlohmann::json& params);
  nlohmann::json upload(const nlohmann::json& segments, std::optional<std::uint64_t> tx_seq);
  void store_segment(StoredFile& file, const storage::SegmentWithProof& segment);
  storage::SegmentWithProof segment_with_proof(const StoredFile& file, std::uint64_t index) const;
  void append_segment_with_proof(const StoredFile& file, std::uint64_t index, std::string& out) const;
  bool serves_corrupted(const StoredFile& file, std::uint64_t index) const;
  const StoredFile& downloadable(std::string_view method, const nlohmann::json& params) const;
  nlohmann::json download_range(const StoredFile& file, std::uint64_t start_chunk, std::uint64_t end_chunk) const;
  nlohmann::json sharded_nodes() const;
  nlohmann::json file_locations(const nlohmann::json& params);

  eth::RpcClient& rpc_;
  contracts::FlowContract flow_;
  NodeOptions options_;
  std::uint64_t chain_id_ = 0;
  // Downloads of finalized files only read: they share the lock, so requests in flight are served
  // in parallel; everything that changes state (chain sync, uploads, admin) holds it alone.
  std::shared_mutex mutex_;
  std::uint64_t next_block_ = 0;
  std::uint64_t last_block_ = 0;
  std::map<std::uint64_t, StoredFile> files_;  // by tx seq (Flow submission index)
  std::set<std::pair<Hash256, std::uint64_t>> corrupted_;  // (root, segment) served corrupted
};

}  // namespace zg::storage_sim
