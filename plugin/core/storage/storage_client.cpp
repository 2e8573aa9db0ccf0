#include "storage/storage_client.hpp"

#include <fcntl.h>
#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cerrno>
#include <exception>
#include <mutex>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>

#include "common/hex.hpp"
#include "contracts/flow_contract.hpp"
#include "storage/model_stream_decryptor.hpp"
#include "storage/segment_wire.hpp"

namespace zg::storage {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr std::int64_t kMethodNotFound = -32601;

// A storage node as the indexer describes it: which segments it keeps (segment i with
// i % num_shard == shard_id).
struct NodeEndpoint {
  std::string url;
  std::uint64_t num_shard = 1;
  std::uint64_t shard_id = 0;
  bool holds(std::uint64_t segment) const noexcept { return segment % num_shard == shard_id; }
};

NodeEndpoint endpoint_from_json(const json& node) {
  if (!node.is_object() || !node.contains("url") || !node.at("url").is_string()) {
    throw ParseError("indexer reply: a node entry has no 'url' string");
  }
  NodeEndpoint endpoint{node.at("url").get<std::string>()};
  if (node.contains("config") && node.at("config").is_object()) {
    const auto& config = node.at("config");
    if (config.contains("numShard") && config.at("numShard").is_number_unsigned()) endpoint.num_shard = config.at("numShard").get<std::uint64_t>();
    if (config.contains("shardId") && config.at("shardId").is_number_unsigned()) endpoint.shard_id = config.at("shardId").get<std::uint64_t>();
  }
  if (endpoint.num_shard == 0 || endpoint.shard_id >= endpoint.num_shard) {
    throw ParseError("indexer reply: node " + endpoint.url + " has an invalid shard config");
  }
  return endpoint;
}

std::vector<NodeEndpoint> endpoints_from_json(const json& list) {
  std::vector<NodeEndpoint> nodes;
  if (list.is_null()) return nodes;
  if (!list.is_array()) throw ParseError("indexer reply: the node list is not an array");
  for (const auto& node : list) nodes.push_back(endpoint_from_json(node));
  return nodes;
}

void require_coverage(const std::vector<NodeEndpoint>& nodes, std::uint64_t segments, const std::string& what) {
  for (std::uint64_t i = 0; i < std::min<std::uint64_t>(segments, 64); ++i) {
    const bool covered = std::any_of(nodes.begin(), nodes.end(), [i](const NodeEndpoint& n) { return n.holds(i); });
    if (!covered) throw IoError("no storage node " + what + " segment " + std::to_string(i));
  }
}

// A node connection for segment downloads: raw JSON-RPC POSTs whose reply text goes straight to
// segment_from_reply_text (no JSON parse of the 350 KB data string). Plain http://host:port[/path]
// URLs only, which is what indexers hand out; others (https, credentials) use eth::RpcClient.
class SegmentConnection {
 public:
  explicit SegmentConnection(const std::string& url) : rpc_(url) {
    constexpr std::string_view kHttp = "http://";
    if (url.rfind(kHttp, 0) != 0) return;
    const auto rest = std::string_view(url).substr(kHttp.size());
    const auto path_start = rest.find_first_of("/?#");
    const auto authority = rest.substr(0, path_start);
    if (authority.empty() || authority.find('@') != std::string_view::npos || rest.find('#') != std::string_view::npos) return;
    raw_ = std::make_unique<httplib::Client>(std::string(kHttp) + std::string(authority));
    path_ = path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
    raw_->set_keep_alive(true);
    raw_->set_tcp_nodelay(true);
    raw_->set_connection_timeout(5, 0);
    raw_->set_read_timeout(30, 0);
  }

  const std::string& display_url() const noexcept { return rpc_.display_url(); }

  // Fetches segment `index` into `segment`, reusing its data buffer and this connection's reply buffer.
  void fetch(const std::string& root_hex, std::uint64_t index, SegmentWithProof& segment) {
    if (!raw_) {
      segment = segment_from_json(rpc_.request("zgs_downloadSegmentWithProof", json::array({root_hex, index})));
      return;
    }
    httplib::Request request;
    request.method = "POST";
    request.path = path_;
    request.body = json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "zgs_downloadSegmentWithProof"}, {"params", json::array({root_hex, index})}}.dump();
    request.set_header("Content-Type", "application/json");
    reply_.clear();
    // A segment reply is about 360 KB; a node that sends far more is cut off, not buffered.
    constexpr std::size_t kMaxReply = 4u << 20;
    request.content_receiver = [this](const char* data, std::size_t size, std::uint64_t, std::uint64_t) {
      if (reply_.size() + size > kMaxReply) return false;
      reply_.append(data, size);
      return true;
    };
    const auto result = raw_->send(request);
    if (!result) {
      throw IoError("zgs_downloadSegmentWithProof to " + display_url() + " failed: " +
                    (reply_.size() >= kMaxReply ? std::string("reply larger than 4 MiB") : httplib::to_string(result.error())));
    }
    if (result->status != 200) throw IoError("zgs_downloadSegmentWithProof to " + display_url() + ": HTTP " + std::to_string(result->status));
    segment_from_reply_text(reply_, segment);
  }

 private:
  eth::RpcClient rpc_;
  std::unique_ptr<httplib::Client> raw_;
  std::string path_;
  std::string reply_ = std::string(kMaxSegmentBase64 + 4096, '\0');  // capacity kept across segments
};

// Where the bytes to upload come from: one segment at a time, into a reused buffer.
using SegmentSource = std::function<void(std::uint64_t offset, MutableByteSpan out)>;

class InputFile {
 public:
  explicit InputFile(const std::filesystem::path& path) : path_(path), fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_ < 0) throw IoError("cannot open " + path.string() + ": " + std::strerror(errno));
  }
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  ~InputFile() { ::close(fd_); }

  void read(std::uint64_t offset, MutableByteSpan out) const {
    std::size_t done = 0;
    while (done < out.size()) {
      const ssize_t got = ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) throw IoError("cannot read " + path_.string() + ": " + std::strerror(errno));
      if (got == 0) throw IoError("file shrank while it was uploaded: " + path_.string());
      done += static_cast<std::size_t>(got);
    }
  }

 private:
  std::filesystem::path path_;
  int fd_;
};

// O_DIRECT wants the memory address, the file offset and the length aligned to the logical block
// size; 4 KiB covers every Linux file system we write to.
constexpr std::size_t kDirectAlignment = 4096;
// Sequential output (a decrypted stream) is gathered into blocks of this size before it is written.
constexpr std::size_t kAppendBlock = 4u << 20;

struct FreeDeleter {
  void operator()(std::uint8_t* memory) const noexcept { std::free(memory); }
};
using AlignedBytes = std::unique_ptr<std::uint8_t[], FreeDeleter>;

AlignedBytes aligned_bytes(std::size_t size) {
  const auto rounded = (size + kDirectAlignment - 1) / kDirectAlignment * kDirectAlignment;
  auto* memory = static_cast<std::uint8_t*>(std::aligned_alloc(kDirectAlignment, rounded));
  if (memory == nullptr) throw std::bad_alloc();
  return AlignedBytes(memory);
}

bool is_aligned(std::uint64_t value) noexcept { return value % kDirectAlignment == 0; }

// The output of a download: a ".partial" file beside the destination, renamed over it only by
// commit(); destroyed uncommitted, it removes itself, so a failed download leaves nothing behind.
//
// The page-aligned bulk of the writes goes through a second, O_DIRECT descriptor: the bytes must be
// on disk before the rename anyway (commit fsyncs), and going around the page cache saves copying
// them into freshly allocated cache pages, which was a fifth of a download's CPU time on these VMs
// (they touch fresh memory at about 340 MB/s). Unaligned pieces (the file's tail) and file systems
// without O_DIRECT (tmpfs) use the ordinary descriptor; the fsync covers both.
class PartialFile {
 public:
  explicit PartialFile(const std::filesystem::path& out) : out_(out), partial_(out.string() + ".partial") {
    if (out.has_parent_path() && !std::filesystem::is_directory(out.parent_path())) {
      throw UsageError("cannot write " + out.string() + ": " + out.parent_path().string() + " is not a directory");
    }
    fd_ = ::open(partial_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) throw IoError("cannot create " + partial_.string() + ": " + std::strerror(errno));
    direct_fd_ = ::open(partial_.c_str(), O_WRONLY | O_CLOEXEC | O_DIRECT);
  }
  PartialFile(const PartialFile&) = delete;
  PartialFile& operator=(const PartialFile&) = delete;
  ~PartialFile() {
    if (direct_fd_ >= 0) ::close(direct_fd_);
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) {
      std::error_code ignored;
      std::filesystem::remove(partial_, ignored);
    }
  }

  // Random access (segments from several workers); at most one segment per call when aligned.
  void write(std::uint64_t offset, ByteSpan data) {
    if (is_aligned(offset) && is_aligned(data.size()) && data.size() <= kSegmentSize && direct_fd_ >= 0) {
      thread_local const AlignedBytes staging = aligned_bytes(kSegmentSize);  // one per download worker
      std::copy(data.begin(), data.end(), staging.get());
      if (write_direct(offset, ByteSpan(staging.get(), data.size()))) return;
    }
    write_buffered(offset, data);
  }

  // Sequential output (one writer): gathered into aligned blocks for the O_DIRECT descriptor.
  void append(ByteSpan data) {
    if (!block_) block_ = aligned_bytes(kAppendBlock);
    while (!data.empty()) {
      const auto take = std::min(data.size(), kAppendBlock - block_used_);
      std::copy_n(data.begin(), take, block_.get() + block_used_);
      block_used_ += take;
      data = data.subspan(take);
      if (block_used_ == kAppendBlock) flush_block();
    }
  }

  void commit() {
    flush_block();
    if (::fsync(fd_) != 0) throw IoError("cannot sync " + partial_.string() + ": " + std::strerror(errno));
    ::close(fd_);
    fd_ = -1;
    std::filesystem::rename(partial_, out_);
    committed_ = true;
  }

 private:
  void flush_block() {
    if (block_used_ == 0) return;
    const ByteSpan block(block_.get(), block_used_);
    if (!is_aligned(block.size()) || !write_direct(appended_, block)) write_buffered(appended_, block);
    appended_ += block.size();
    block_used_ = 0;
  }

  // False when the file system refuses O_DIRECT for this write (the caller then writes buffered).
  bool write_direct(std::uint64_t offset, ByteSpan data) {
    std::size_t done = 0;
    while (done < data.size()) {
      const ssize_t put = ::pwrite(direct_fd_, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
      if (put < 0 && errno == EINTR) continue;
      if (put < 0 && errno == EINVAL && done == 0) return false;
      if (put < 0) throw IoError("cannot write " + partial_.string() + ": " + std::strerror(errno));
      done += static_cast<std::size_t>(put);
    }
    return true;
  }

  void write_buffered(std::uint64_t offset, ByteSpan data) {
    std::size_t done = 0;
    while (done < data.size()) {
      const ssize_t put = ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
      if (put < 0 && errno == EINTR) continue;
      if (put < 0) throw IoError("cannot write " + partial_.string() + ": " + std::strerror(errno));
      done += static_cast<std::size_t>(put);
    }
  }

  std::filesystem::path out_;
  std::filesystem::path partial_;
  int fd_ = -1;
  int direct_fd_ = -1;  // -1 where O_DIRECT is not supported
  bool committed_ = false;
  AlignedBytes block_;  // append(): the block being gathered
  std::size_t block_used_ = 0;
  std::uint64_t appended_ = 0;  // append(): bytes flushed so far
};

// Ends a worker's wait for its turn when another worker failed (in-order downloads): not an error
// of its own, so it is never reported.
struct DownloadCancelled {};

}  // namespace

struct StorageClient::Impl {
  Impl(std::string url, eth::RpcClient& chain_rpc, eth::Address flow_address, StorageClientOptions opts)
      : indexer_url(std::move(url)), chain(chain_rpc), flow_address(flow_address), options(opts), indexer(indexer_url) {}

  std::string indexer_url;
  eth::RpcClient& chain;
  eth::Address flow_address;  // zero: ask a storage node (zgs_getStatus), as the SDK does
  StorageClientOptions options;
  eth::RpcClient indexer;

  // The indexer's trusted nodes; a storage node given as the "indexer" is used directly.
  std::vector<NodeEndpoint> upload_nodes() {
    try {
      const auto reply = indexer.request("indexer_getShardedNodes");
      if (!reply.is_object()) throw ParseError("indexer_getShardedNodes: the reply is not an object");
      auto nodes = endpoints_from_json(reply.value("trusted", json()));
      if (nodes.empty()) throw IoError("the indexer at " + indexer.display_url() + " lists no trusted storage nodes");
      return nodes;
    } catch (const eth::RpcError& e) {
      if (e.code() == kMethodNotFound) return {NodeEndpoint{indexer_url}};
      throw;
    }
  }

  std::vector<NodeEndpoint> file_locations(const std::string& root_hex) {
    try {
      return endpoints_from_json(indexer.request("indexer_getFileLocations", json::array({root_hex})));
    } catch (const eth::RpcError& e) {
      if (e.code() == kMethodNotFound) return {NodeEndpoint{indexer_url}};
      throw;
    }
  }

  contracts::FlowContract flow(eth::RpcClient& node) {
    if (flow_address.is_zero()) {
      const auto status = node.request("zgs_getStatus");
      try {
        flow_address = eth::Address::from_hex(status.at("networkIdentity").at("flowAddress").get<std::string>());
      } catch (const nlohmann::json::exception&) {
        throw ParseError("zgs_getStatus from " + node.display_url() + " has no networkIdentity.flowAddress");
      }
    }
    return contracts::FlowContract(chain, flow_address);
  }

  static std::optional<FileInfo> file_info(eth::RpcClient& node, const std::string& root_hex) {
    return file_info_from_json(node.request("zgs_getFileInfo", json::array({root_hex, true})));
  }

  // Polls until a node has seen the Flow submission of `root` (it syncs the chain's Submit logs).
  FileInfo wait_for_log_entry(eth::RpcClient& node, const std::string& root_hex) {
    const auto deadline = Clock::now() + options.tx_seen_timeout;
    while (true) {
      if (auto info = file_info(node, root_hex)) return *info;
      if (Clock::now() > deadline) {
        throw IoError("storage node " + node.display_url() + " did not see the submission of " + root_hex + " within " +
                      std::to_string(options.tx_seen_timeout.count()) + " ms");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  UploadResult upload(const FileMerkleTree& tree, const SegmentSource& read, eth::TxSender& sender, const Progress& progress);
  void upload_segments(eth::RpcClient& node, const NodeEndpoint& where, const FileMerkleTree& tree, const FileInfo& info,
                       const SegmentSource& read, const Progress& progress);
  using SegmentSink = std::function<void(std::uint64_t offset, ByteSpan data)>;
  // Calls on_size(file size) once the node described the file, then sink() per verified segment:
  // from several workers in any order, or one at a time in file order when `in_order`.
  void download(std::string_view root, const SegmentSink& sink, const Progress& progress,
                const std::function<void(std::uint64_t)>& on_size, bool in_order = false);
  static std::uint64_t fetch_verified(SegmentConnection& node, const Hash256& root, const FlowLayout& layout,
                                      std::uint64_t index, SegmentWithProof& segment, const SegmentSink& sink);
};

UploadResult StorageClient::Impl::upload(const FileMerkleTree& tree, const SegmentSource& read, eth::TxSender& sender,
                                         const Progress& progress) {
  const auto nodes = upload_nodes();
  require_coverage(nodes, data_segment_count(tree.layout()), "takes");
  UploadResult result;
  result.root = to_hex(tree.root());
  result.size = tree.layout().file_size;

  std::vector<std::unique_ptr<eth::RpcClient>> clients;
  for (const auto& node : nodes) clients.push_back(std::make_unique<eth::RpcClient>(node.url));

  // As the SDK: a file a node already knows needs no new transaction; a finalized one no upload.
  std::optional<FileInfo> known;
  for (auto& client : clients) {
    if ((known = file_info(*client, result.root))) break;
  }
  if (known && known->finalized) {
    result.already_stored = true;
    if (progress) progress(result.size, result.size);
    return result;
  }
  if (!known) {
    const auto submission = contracts::submission_for(tree, sender.address());
    const auto flow_contract = flow(*clients.front());
    result.fee = flow_contract.fee(submission);
    const auto receipt = flow_contract.submit(sender, submission, result.fee);
    result.tx_hash = to_hex(receipt.transaction_hash);
  }
  for (std::size_t i = 0; i < clients.size(); ++i) {
    const auto info = wait_for_log_entry(*clients[i], result.root);
    if (!info.finalized) upload_segments(*clients[i], nodes[i], tree, info, read, progress);
  }
  if (progress) progress(result.size, result.size);
  return result;
}

void StorageClient::Impl::upload_segments(eth::RpcClient& node, const NodeEndpoint& where, const FileMerkleTree& tree,
                                          const FileInfo& info, const SegmentSource& read, const Progress& progress) {
  const auto& layout = tree.layout();
  const std::uint64_t segments = data_segment_count(layout);
  const std::size_t batch_size = std::max<std::size_t>(1, options.segments_per_request);
  Bytes buffer(kSegmentSize);
  std::uint64_t done_bytes = 0;
  json batch = json::array();
  auto flush = [&] {
    if (batch.empty()) return;
    node.request("zgs_uploadSegmentsByTxSeq", json::array({std::move(batch), info.tx_seq}));
    batch = json::array();
    if (progress) progress(std::min(done_bytes, layout.file_size), layout.file_size);
  };
  for (std::uint64_t index = 0; index < segments; ++index) {
    if (!where.holds(index)) continue;
    // The real chunks of the segment; the last chunk's tail past the file end is zero.
    const auto wire_size = static_cast<std::size_t>(wire_segment_size(layout, index));
    const std::uint64_t offset = index * kSegmentSize;
    const auto file_bytes = static_cast<std::size_t>(std::min<std::uint64_t>(wire_size, layout.file_size - offset));
    auto view = MutableByteSpan(buffer).first(wire_size);
    read(offset, view.first(file_bytes));
    std::fill(view.begin() + static_cast<std::ptrdiff_t>(file_bytes), view.end(), std::uint8_t{0});
    SegmentWithProof segment{tree.root(), Bytes(view.begin(), view.end()), index, tree.segment_proof(index), layout.file_size};
    batch.push_back(to_json(segment));
    done_bytes += file_bytes;
    if (batch.size() >= batch_size) flush();
  }
  flush();
}

void StorageClient::Impl::download(std::string_view root_text, const SegmentSink& sink, const Progress& progress,
                                   const std::function<void(std::uint64_t)>& on_size, bool in_order) {
  const Hash256 root = parse_root(root_text);
  const std::string root_hex = to_hex(root);
  const auto nodes = file_locations(root_hex);
  if (nodes.empty()) throw IoError("no storage node has " + root_hex + " (indexer " + indexer.display_url() + ")");
  std::optional<FileInfo> info;
  for (const auto& node : nodes) {
    eth::RpcClient client(node.url);
    if ((info = file_info(client, root_hex))) break;
  }
  if (!info) throw IoError("no storage node knows " + root_hex);
  if (info->root != root) throw IntegrityError("the storage node describes another file than " + root_hex);
  const FlowLayout layout = flow_layout(info->size);
  const std::uint64_t segments = data_segment_count(layout);
  require_coverage(nodes, segments, "serves");
  if (on_size) on_size(layout.file_size);

  // Several requests in flight: the node serializes one segment while we verify another. In order
  // (a stream consumer such as the decryptor), a worker with a verified segment waits for its turn,
  // which bounds the memory to one segment per worker.
  std::atomic<std::uint64_t> next_index{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;  // guards done, next_turn, first_error, first_error_index and progress calls
  std::condition_variable turn_changed;
  std::uint64_t next_turn = 0;
  std::uint64_t done = 0;
  std::exception_ptr first_error;
  std::uint64_t first_error_index = segments;
  const SegmentSink ordered_sink = [&](std::uint64_t offset, ByteSpan data) {
    const std::uint64_t index = offset / kSegmentSize;
    {
      std::unique_lock lock(mutex);
      turn_changed.wait(lock, [&] { return next_turn == index || failed; });
      if (next_turn != index) throw DownloadCancelled{};
    }
    sink(offset, data);
    std::lock_guard lock(mutex);
    ++next_turn;
    turn_changed.notify_all();
  };
  auto worker = [&] {
    std::vector<std::unique_ptr<SegmentConnection>> connections;  // one per node, owned by this worker
    for (const auto& node : nodes) connections.push_back(std::make_unique<SegmentConnection>(node.url));
    SegmentWithProof scratch;  // the worker's segment buffer, reused
    while (!failed) {
      const std::uint64_t index = next_index.fetch_add(1);
      if (index >= segments) return;
      try {
        const auto where = static_cast<std::size_t>(
            std::find_if(nodes.begin(), nodes.end(), [index](const NodeEndpoint& n) { return n.holds(index); }) - nodes.begin());
        const auto real = fetch_verified(*connections[where], root, layout, index, scratch, in_order ? ordered_sink : sink);
        std::lock_guard lock(mutex);
        done += real;
        if (progress) progress(done, layout.file_size);
      } catch (const DownloadCancelled&) {
        return;  // another worker failed: its error is the one to report, not this wait's end
      } catch (...) {
        std::lock_guard lock(mutex);
        // The lowest failing segment is reported, whatever the order the workers hit them in.
        if (index < first_error_index) {
          first_error_index = index;
          first_error = std::current_exception();
        }
        failed = true;
        turn_changed.notify_all();
        return;
      }
    }
  };
  const auto workers = static_cast<unsigned>(std::clamp<std::uint64_t>(options.download_workers, 1, segments));
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < workers; ++i) threads.emplace_back(worker);
  worker();
  for (auto& thread : threads) thread.join();
  if (first_error) std::rethrow_exception(first_error);
}

// Downloads one segment with its proof into `segment`, checks it against the file root, hands its
// file bytes to `sink` and returns their count. IntegrityError names the segment when anything does
// not match.
std::uint64_t StorageClient::Impl::fetch_verified(SegmentConnection& node, const Hash256& root, const FlowLayout& layout,
                                                  std::uint64_t index, SegmentWithProof& segment, const SegmentSink& sink) {
  const std::string root_hex = to_hex(root);
  auto segment_name = [&] { return "segment " + std::to_string(index) + " of " + root_hex; };
  try {
    node.fetch(root_hex, index, segment);
  } catch (const ParseError& e) {
    throw IntegrityError(segment_name() + " from " + node.display_url() + " is malformed: " + e.what());
  }
  const auto expected_size = wire_segment_size(layout, index);
  if (segment.index != index || segment.root != root || segment.file_size != layout.file_size) {
    throw IntegrityError(segment_name() + ": the node answered for another segment or file");
  }
  if (segment.data.size() != expected_size) {
    throw IntegrityError(segment_name() + ": " + std::to_string(segment.data.size()) + " bytes instead of " +
                         std::to_string(expected_size));
  }
  const Hash256 computed = segment_root(segment.data, layout.segment_leaf_count(index));
  try {
    check_segment_proof(segment.proof, root, computed, index, layout.segments);
  } catch (const ParseError& e) {
    throw IntegrityError(segment_name() + " does not match the root (" + e.what() +
                         "): the storage node served corrupted or wrong data; nothing was written");
  }
  const std::uint64_t offset = index * kSegmentSize;
  const auto real = static_cast<std::size_t>(std::min<std::uint64_t>(segment.data.size(), layout.file_size - offset));
  sink(offset, ByteSpan(segment.data).first(real));
  return real;
}

StorageClient::StorageClient(std::string indexer_url, eth::RpcClient& rpc, eth::Address flow_contract,
                             StorageClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(indexer_url), rpc, flow_contract, options)) {}

StorageClient::~StorageClient() = default;

eth::Uint256 StorageClient::submission_fee(const FileMerkleTree& tree) {
  eth::RpcClient node(impl_->upload_nodes().front().url);
  return impl_->flow(node).fee(contracts::submission_for(tree, eth::Address{}));
}

UploadResult StorageClient::upload_file(const std::filesystem::path& file, eth::TxSender& sender, const Progress& progress) {
  const auto tree = FileMerkleTree::from_file(file, impl_->options.hash_threads);
  const InputFile input(file);
  return impl_->upload(tree, [&input](std::uint64_t offset, MutableByteSpan out) { input.read(offset, out); }, sender,
                       progress);
}

UploadResult StorageClient::upload_bytes(std::span<const std::uint8_t> data, eth::TxSender& sender, const Progress& progress) {
  const auto tree = FileMerkleTree::from_bytes(data, impl_->options.hash_threads);
  return impl_->upload(
      tree,
      [data](std::uint64_t offset, MutableByteSpan out) {
        const auto source = data.subspan(static_cast<std::size_t>(offset), out.size());
        std::copy(source.begin(), source.end(), out.begin());
      },
      sender, progress);
}

void StorageClient::download_file(std::string_view root, const std::filesystem::path& out, const Progress& progress) {
  PartialFile partial(out);
  impl_->download(
      root, [&partial](std::uint64_t offset, ByteSpan data) { partial.write(offset, data); }, progress, {});
  partial.commit();
}

std::uint64_t StorageClient::download_decrypted(std::string_view root, const finetune::ModelKey& key,
                                               const eth::Address& tee_signer, const std::filesystem::path& out,
                                               const Progress& progress) {
  PartialFile partial(out);
  std::optional<ModelStreamDecryptor> decryptor;
  impl_->download(
      root, [&decryptor](std::uint64_t, ByteSpan data) { decryptor->consume(data); }, progress,
      [&](std::uint64_t size) {
        decryptor.emplace(key, tee_signer, size, [&partial](std::uint64_t, ByteSpan plain) { partial.append(plain); });
      },
      /*in_order=*/true);
  const auto plaintext_size = decryptor->finish();
  partial.commit();
  return plaintext_size;
}

Bytes StorageClient::download_bytes(std::string_view root, const Progress& progress) {
  Bytes data;
  impl_->download(
      root,
      [&data](std::uint64_t offset, ByteSpan bytes) {
        std::copy(bytes.begin(), bytes.end(), data.begin() + static_cast<std::ptrdiff_t>(offset));
      },
      progress, [&data](std::uint64_t size) { data.resize(static_cast<std::size_t>(size)); });
  return data;
}

}  // namespace zg::storage
