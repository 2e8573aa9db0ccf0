#include "storage_node.hpp"

#include <algorithm>

#include "common/base64.hpp"
#include "common/hex.hpp"

namespace zg::storage_sim {
namespace {

using nlohmann::json;
using storage::kChunkSize;
using storage::kSegmentChunks;
using storage::kSegmentSize;

const json& param(const json& params, std::size_t index, std::string_view method) {
  if (!params.is_array() || params.size() <= index) {
    throw RpcFailure(kInvalidParams, "Invalid params: " + std::string(method) + " needs parameter " + std::to_string(index + 1));
  }
  return params[index];
}

std::uint64_t uint_param(const json& params, std::size_t index, std::string_view method) {
  const auto& value = param(params, index, method);
  if (!value.is_number_unsigned()) {
    throw RpcFailure(kInvalidParams, "Invalid params: parameter " + std::to_string(index + 1) + " of " +
                                         std::string(method) + " must be an unsigned integer");
  }
  return value.get<std::uint64_t>();
}

Hash256 root_param(const json& params, std::size_t index, std::string_view method) {
  const auto& value = param(params, index, method);
  try {
    if (!value.is_string()) throw UsageError("root must be a string");
    return storage::parse_root(value.get<std::string>(), "root");
  } catch (const UsageError& e) {
    throw RpcFailure(kInvalidParams, std::string("Invalid params: ") + e.what());
  }
}

}  // namespace

StorageNode::StorageNode(eth::RpcClient& rpc, const eth::Address& flow, NodeOptions options)
    : rpc_(rpc), flow_(rpc, flow), options_(std::move(options)), chain_id_(rpc.chain_id()) {}

void StorageNode::set_self_url(std::string url) {
  std::unique_lock lock(mutex_);
  options_.self_url = std::move(url);
}

// Follows the Flow contract like a node's log sync: every Submit log becomes a file entry waiting
// for its data. A submission whose node list cannot describe its length is ignored, as no data
// could ever match it.
void StorageNode::sync_chain() {
  const std::uint64_t head = rpc_.block_number();
  if (head < next_block_) return;
  for (auto& event : flow_.submissions(next_block_, head)) {
    StoredFile file;
    try {
      file.layout = storage::flow_layout(event.submission.length);
      if (event.submission.sectors() != file.layout.padded_chunks) continue;
      file.root = event.submission.root();
    } catch (const Error&) {
      continue;
    }
    file.received.assign(static_cast<std::size_t>(storage::data_segment_count(file.layout)), false);
    file.event = std::move(event);
    const auto seq = file.event.submission_index;
    files_.emplace(seq, std::move(file));
  }
  next_block_ = head + 1;
  last_block_ = head;
}

namespace {

// The entry a root names: a finalized one first (downloads), else the oldest still waiting for data.
template <typename Files>
auto find_root_in(Files& files, const Hash256& root) -> decltype(&files.begin()->second) {
  decltype(&files.begin()->second) waiting = nullptr;
  for (auto& [seq, file] : files) {
    if (file.root != root) continue;
    if (file.finalized()) return &file;
    if (waiting == nullptr) waiting = &file;
  }
  return waiting;
}

}  // namespace

StorageNode::StoredFile* StorageNode::find_by_root(const Hash256& root) { return find_root_in(files_, root); }

const StorageNode::StoredFile* StorageNode::find_by_root(const Hash256& root) const { return find_root_in(files_, root); }

StorageNode::StoredFile& StorageNode::file_by_seq(std::uint64_t seq) {
  auto it = files_.find(seq);
  if (it == files_.end()) {
    sync_chain();
    it = files_.find(seq);
  }
  if (it == files_.end()) throw RpcFailure(kServerError, "tx seq " + std::to_string(seq) + " is not in the log (not submitted on chain)");
  return it->second;
}

storage::FileInfo StorageNode::info_of(const StoredFile& file) const {
  storage::FileInfo info;
  info.root = file.root;
  info.size = file.layout.file_size;
  info.tx_seq = file.event.submission_index;
  info.start_entry_index = file.event.start_position;
  info.finalized = file.finalized();
  info.uploaded_segments = file.received_count;
  return info;
}

json StorageNode::handle(std::string_view method, const json& params) {
  if (method.starts_with("zgs_download")) {
    std::shared_lock lock(mutex_);
    return download(method, params);
  }
  std::unique_lock lock(mutex_);
  if (method == "zgs_getStatus") return status();
  if (method == "zgs_getShardConfig") return {{"numShard", 1}, {"shardId", 0}};
  if (method == "zgs_getFileInfo") return file_info(params);
  if (method == "zgs_getFileInfoByTxSeq") return file_info_by_tx_seq(params);
  if (method == "zgs_uploadSegment") return upload(json::array({param(params, 0, method)}), std::nullopt);
  if (method == "zgs_uploadSegments") return upload(param(params, 0, method), std::nullopt);
  if (method == "zgs_uploadSegmentByTxSeq") {
    return upload(json::array({param(params, 0, method)}), uint_param(params, 1, method));
  }
  if (method == "zgs_uploadSegmentsByTxSeq") return upload(param(params, 0, method), uint_param(params, 1, method));
  if (method == "indexer_getShardedNodes") return sharded_nodes();
  if (method == "indexer_getNodeLocations") return json::object();
  if (method == "indexer_getFileLocations") return file_locations(params);
  if (method == "admin_corruptSegment") {
    corrupted_.emplace(root_param(params, 0, method), uint_param(params, 1, method));
    return true;
  }
  if (method == "admin_clearCorruption") {
    corrupted_.clear();
    return true;
  }
  throw RpcFailure(kMethodNotFound, "Method not found: " + std::string(method));
}

// Serves only what is finalized: a file is downloadable once every segment arrived with its proof.
const StorageNode::StoredFile& StorageNode::downloadable(std::string_view method, const json& params) const {
  const StoredFile* file = nullptr;
  if (method.ends_with("ByTxSeq")) {
    const auto it = files_.find(uint_param(params, 0, method));
    file = it == files_.end() ? nullptr : &it->second;
  } else {
    file = find_by_root(root_param(params, 0, method));
  }
  if (file == nullptr || !file->finalized()) throw RpcFailure(kServerError, "file not found or not finalized");
  return *file;
}

json StorageNode::download(std::string_view method, const json& params) const {
  if (method == "zgs_downloadSegment" || method == "zgs_downloadSegmentByTxSeq") {
    return download_range(downloadable(method, params), uint_param(params, 1, method), uint_param(params, 2, method));
  }
  if (method == "zgs_downloadSegmentWithProof" || method == "zgs_downloadSegmentWithProofByTxSeq") {
    return storage::to_json(segment_with_proof(downloadable(method, params), uint_param(params, 1, method)));
  }
  throw RpcFailure(kMethodNotFound, "Method not found: " + std::string(method));
}

bool StorageNode::append_as_text(std::string_view method, const json& params, std::string& out) {
  if (method != "zgs_downloadSegmentWithProof" && method != "zgs_downloadSegmentWithProofByTxSeq") return false;
  std::shared_lock lock(mutex_);
  append_segment_with_proof(downloadable(method, params), uint_param(params, 1, method), out);
  return true;
}

json StorageNode::status() {
  sync_chain();
  const std::uint64_t next_seq = files_.empty() ? 0 : files_.rbegin()->first + 1;
  return {{"connectedPeers", 0},
          {"logSyncHeight", last_block_},
          {"logSyncBlock", to_hex(Hash256{})},
          {"nextTxSeq", next_seq},
          {"networkIdentity",
           {{"chainId", chain_id_},
            {"flowAddress", flow_.address().checksummed()},
            {"p2pProtocolVersion", {{"major", 0}, {"minor", 4}, {"build", 0}}}}}};
}

json StorageNode::file_info(const json& params) {
  const Hash256 root = root_param(params, 0, "zgs_getFileInfo");
  const StoredFile* file = find_by_root(root);
  if (file == nullptr) {
    sync_chain();
    file = find_by_root(root);
  }
  if (file == nullptr) return nullptr;
  return storage::to_json(info_of(*file));
}

json StorageNode::file_info_by_tx_seq(const json& params) {
  const auto seq = uint_param(params, 0, "zgs_getFileInfoByTxSeq");
  if (!files_.contains(seq)) sync_chain();
  const auto it = files_.find(seq);
  if (it == files_.end()) return nullptr;
  return storage::to_json(info_of(it->second));
}

json StorageNode::upload(const json& segments, std::optional<std::uint64_t> tx_seq) {
  if (!segments.is_array() || segments.empty()) throw RpcFailure(kInvalidParams, "Invalid params: expected a non-empty list of segments");
  for (const auto& value : segments) {
    storage::SegmentWithProof segment;
    try {
      segment = storage::segment_from_json(value);
    } catch (const ParseError& e) {
      throw RpcFailure(kInvalidParams, std::string("Invalid params: ") + e.what());
    }
    StoredFile* file = nullptr;
    if (tx_seq) {
      file = &file_by_seq(*tx_seq);
      if (file->root != segment.root) {
        throw RpcFailure(kInvalidParams, "Invalid params: root " + to_hex(segment.root) + " is not the root of tx seq " +
                                             std::to_string(*tx_seq));
      }
    } else {
      file = find_by_root(segment.root);
      if (file == nullptr) {
        sync_chain();
        file = find_by_root(segment.root);
      }
      if (file == nullptr) {
        throw RpcFailure(kServerError, "file " + to_hex(segment.root) + " is not in the log: submit it to the Flow contract first");
      }
    }
    store_segment(*file, segment);
  }
  return nullptr;
}

// The rules a node applies before it keeps a segment: the file is on chain and not complete, the
// size and index fit the submission, the bytes are exactly the segment's real chunks, and the proof
// ties the segment's root to the submitted file root at this index.
void StorageNode::store_segment(StoredFile& file, const storage::SegmentWithProof& segment) {
  if (file.finalized()) throw RpcFailure(kInvalidParams, "already uploaded and finalized");
  if (segment.file_size != file.layout.file_size) {
    throw RpcFailure(kInvalidParams, "Invalid params: fileSize " + std::to_string(segment.file_size) +
                                         " does not match the submitted length " + std::to_string(file.layout.file_size));
  }
  if (segment.index >= file.received.size()) {
    throw RpcFailure(kInvalidParams, "Invalid params: segment index " + std::to_string(segment.index) + " out of bound (" +
                                         std::to_string(file.received.size()) + " segments)");
  }
  const auto expected = storage::wire_segment_size(file.layout, segment.index);
  if (segment.data.size() != expected) {
    throw RpcFailure(kInvalidParams, "Invalid params: segment " + std::to_string(segment.index) + " has " +
                                         std::to_string(segment.data.size()) + " bytes, expected " + std::to_string(expected));
  }
  const auto segment_root = storage::segment_root(segment.data, file.layout.segment_leaf_count(segment.index));
  try {
    storage::check_segment_proof(segment.proof, file.root, segment_root, segment.index, file.layout.segments);
  } catch (const ParseError& e) {
    throw RpcFailure(kInvalidParams, "Invalid params: invalid proof for segment " + std::to_string(segment.index) + ": " + e.what());
  }
  // Memory only for files that receive data: anyone can submit a huge length on chain.
  if (file.data.empty()) file.data.assign(static_cast<std::size_t>(file.layout.file_size), 0);
  const std::uint64_t offset = segment.index * kSegmentSize;
  const auto real = static_cast<std::size_t>(std::min<std::uint64_t>(segment.data.size(), file.layout.file_size - offset));
  std::copy_n(segment.data.begin(), real, file.data.begin() + static_cast<std::ptrdiff_t>(offset));
  const auto slot = static_cast<std::size_t>(segment.index);
  if (!file.received[slot]) {
    file.received[slot] = true;
    ++file.received_count;
  }
  if (file.received_count == file.received.size()) {
    file.tree.emplace(storage::FileMerkleTree::from_bytes(file.data));
    if (file.tree->root() != file.root) {  // cannot happen when every proof held; refuse loudly if it does
      file.tree.reset();
      throw RpcFailure(kServerError, "internal: the stored data does not hash to the submitted root");
    }
  }
}

storage::SegmentWithProof StorageNode::segment_with_proof(const StoredFile& file, std::uint64_t index) const {
  if (index >= file.received.size()) {
    throw RpcFailure(kInvalidParams, "Invalid params: segment index " + std::to_string(index) + " out of bound");
  }
  const auto size = static_cast<std::size_t>(storage::wire_segment_size(file.layout, index));
  const auto offset = static_cast<std::size_t>(index * kSegmentSize);
  const auto real = std::min(size, file.data.size() - offset);
  storage::SegmentWithProof segment;
  segment.root = file.root;
  segment.data.assign(size, 0);
  std::copy_n(file.data.begin() + static_cast<std::ptrdiff_t>(offset), real, segment.data.begin());
  segment.index = index;
  segment.proof = file.tree->segment_proof(index);
  segment.file_size = file.layout.file_size;
  if (serves_corrupted(file, index)) segment.data[segment.data.size() / 2] ^= 0x01;
  return segment;
}

bool StorageNode::serves_corrupted(const StoredFile& file, std::uint64_t index) const {
  return options_.corrupt_downloads || corrupted_.contains({file.root, index});
}

void StorageNode::append_segment_with_proof(const StoredFile& file, std::uint64_t index, std::string& out) const {
  if (index >= file.received.size()) {
    throw RpcFailure(kInvalidParams, "Invalid params: segment index " + std::to_string(index) + " out of bound");
  }
  const auto size = static_cast<std::size_t>(storage::wire_segment_size(file.layout, index));
  const auto offset = static_cast<std::size_t>(index * kSegmentSize);
  // A whole, uncorrupted segment is encoded from the stored bytes in place; the last one (its last
  // chunk zero-padded on the wire) and corrupted ones go through a copy.
  if (offset + size <= file.data.size() && !serves_corrupted(file, index)) {
    storage::append_segment_json(out, file.root, ByteSpan(file.data).subspan(offset, size), index,
                                 file.tree->segment_proof(index), file.layout.file_size);
    return;
  }
  const auto segment = segment_with_proof(file, index);
  storage::append_segment_json(out, segment.root, segment.data, segment.index, segment.proof, segment.file_size);
}

json StorageNode::download_range(const StoredFile& file, std::uint64_t start_chunk, std::uint64_t end_chunk) const {
  if (start_chunk >= end_chunk || end_chunk > file.layout.chunks || end_chunk - start_chunk > kSegmentChunks) {
    throw RpcFailure(kInvalidParams, "Invalid params: chunk range [" + std::to_string(start_chunk) + ", " +
                                         std::to_string(end_chunk) + ") is not within one segment of the file");
  }
  Bytes bytes(static_cast<std::size_t>((end_chunk - start_chunk) * kChunkSize), 0);
  const auto offset = static_cast<std::size_t>(start_chunk * kChunkSize);
  const auto real = std::min(bytes.size(), file.data.size() - offset);
  std::copy_n(file.data.begin() + static_cast<std::ptrdiff_t>(offset), real, bytes.begin());
  if (options_.corrupt_downloads || corrupted_.contains({file.root, start_chunk / kSegmentChunks})) bytes[bytes.size() / 2] ^= 0x01;
  return base64_encode(bytes);
}

json StorageNode::sharded_nodes() const {
  return {{"trusted", json::array({{{"url", options_.self_url}, {"config", {{"numShard", 1}, {"shardId", 0}}}, {"latency", 0}, {"since", 0}}})},
          {"discovered", json::array()}};
}

json StorageNode::file_locations(const json& params) {
  const StoredFile* file = find_by_root(root_param(params, 0, "indexer_getFileLocations"));
  if (file == nullptr || !file->finalized()) return nullptr;
  return json::array({{{"url", options_.self_url}, {"config", {{"numShard", 1}, {"shardId", 0}}}}});
}

}  // namespace zg::storage_sim
