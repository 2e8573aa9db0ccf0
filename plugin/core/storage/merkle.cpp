#include "storage/merkle.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstring>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/hex.hpp"
#include "crypto/keccak.hpp"
#include "storage/keccak_x8.hpp"

namespace zg::storage {
namespace {

constexpr unsigned kMaxHeight = 64;
constexpr unsigned kMaxThreads = 64;

// zero_roots()[h] = root of a perfect tree of 2^h zero chunks. Padding chunks (and sparse files)
// are common, so equal-value zero pairs are answered from this table instead of being hashed.
const std::array<Hash256, kMaxHeight + 1>& zero_roots() {
  static const auto table = [] {
    std::array<Hash256, kMaxHeight + 1> roots{};
    const std::array<std::uint8_t, kChunkSize> zero_chunk{};
    roots[0] = crypto::keccak256(zero_chunk);
    for (unsigned h = 1; h <= kMaxHeight; ++h) roots[h] = crypto::keccak256_pair(roots[h - 1], roots[h - 1]);
    return roots;
  }();
  return table;
}

bool is_zero_chunk(ByteSpan chunk) noexcept {
  static constexpr std::array<std::uint8_t, kChunkSize> kZero{};
  return std::memcmp(chunk.data(), kZero.data(), kChunkSize) == 0;
}

// Parent of two nodes at `height`. The zero shortcut compares values, so it is exact whatever the
// shape below the nodes: keccak(z || z) is zero_roots()[h + 1] by definition.
Hash256 combine(const Hash256& left, const Hash256& right, unsigned height) noexcept {
  if (height < kMaxHeight) {
    const auto& zeros = zero_roots();
    if (left == zeros[height] && right == zeros[height]) return zeros[height + 1];
  }
  return crypto::keccak256_pair(left, right);
}

// Eight consecutive pairs at once (keccak_x8), unless all of them are zero pairs. Reads nodes[2i ..
// 2i + 16) before it writes nodes[i .. i + 8), so it works in place.
bool all_zero_pairs(std::span<const Hash256> nodes, std::size_t first_pair, unsigned height) noexcept {
  if (height >= kMaxHeight) return false;
  const auto& zero = zero_roots()[height];
  for (std::size_t k = 2 * first_pair; k < 2 * first_pair + 16; ++k) {
    if (nodes[k] != zero) return false;
  }
  return true;
}

void combine_x8(std::span<Hash256> nodes, std::size_t first_pair, unsigned height) noexcept {
  if (all_zero_pairs(nodes, first_pair, height)) {
    std::fill_n(nodes.begin() + static_cast<std::ptrdiff_t>(first_pair), 8, zero_roots()[height + 1]);
    return;
  }
  std::array<const std::uint8_t*, 8> inputs{};
  std::array<Hash256, 8> results{};
  std::array<Hash256*, 8> outputs{};
  for (std::size_t i = 0; i < 8; ++i) {
    inputs[i] = nodes[2 * (first_pair + i)].data();  // left || right: adjacent in the array, 64 bytes
    outputs[i] = &results[i];
  }
  keccak256_x8(inputs, 2 * sizeof(Hash256), outputs);
  std::copy(results.begin(), results.end(), nodes.begin() + static_cast<std::ptrdiff_t>(first_pair));
}

// One level up, in place: pairs neighbours and promotes an odd last node unchanged.
std::size_t reduce_level(std::span<Hash256> nodes, unsigned height) noexcept {
  const std::size_t pairs = nodes.size() / 2;
  std::size_t i = 0;
  if (keccak_x8_available()) {
    for (; i + 8 <= pairs; i += 8) combine_x8(nodes, i, height);
  }
  for (; i < pairs; ++i) nodes[i] = combine(nodes[2 * i], nodes[2 * i + 1], height);
  if (nodes.size() % 2 == 1) nodes[pairs] = nodes.back();
  return pairs + nodes.size() % 2;
}

// Root of the tree over `nodes` (which it overwrites); `height` is the height of the nodes given.
Hash256 reduce_to_root(std::span<Hash256> nodes, unsigned height) noexcept {
  std::size_t count = nodes.size();
  while (count > 1) count = reduce_level(nodes.first(count), height++);
  return nodes.front();
}

// Leaf hashes of one segment. `data` holds the segment's real bytes; chunks past it (and the tail
// of a partial last chunk) are zeros, as flow padding demands.
void hash_leaves(ByteSpan data, std::span<Hash256> leaves) {
  const Hash256& zero_leaf = zero_roots()[0];
  std::size_t j = 0;
  if (keccak_x8_available()) {
    // Eight whole chunks at a time; a group of zero chunks (flow padding, sparse files) is not hashed.
    for (; (j + 8) * kChunkSize <= data.size() && j + 8 <= leaves.size(); j += 8) {
      const auto group = data.subspan(j * kChunkSize, 8 * kChunkSize);
      bool zero = true;
      for (std::size_t k = 0; k < 8 && zero; ++k) zero = is_zero_chunk(group.subspan(k * kChunkSize, kChunkSize));
      if (zero) {
        std::fill_n(leaves.begin() + static_cast<std::ptrdiff_t>(j), 8, zero_leaf);
        continue;
      }
      std::array<const std::uint8_t*, 8> inputs{};
      std::array<Hash256*, 8> outputs{};
      for (std::size_t k = 0; k < 8; ++k) {
        inputs[k] = group.data() + k * kChunkSize;
        outputs[k] = &leaves[j + k];
      }
      keccak256_x8(inputs, kChunkSize, outputs);
    }
  }
  for (; j < leaves.size(); ++j) {
    const std::size_t offset = j * kChunkSize;
    if (offset + kChunkSize <= data.size()) {
      const auto chunk = data.subspan(offset, kChunkSize);
      leaves[j] = is_zero_chunk(chunk) ? zero_leaf : crypto::keccak256(chunk);
    } else if (offset < data.size()) {
      std::array<std::uint8_t, kChunkSize> last{};
      std::copy(data.begin() + static_cast<std::ptrdiff_t>(offset), data.end(), last.begin());
      leaves[j] = crypto::keccak256(last);
    } else {
      leaves[j] = zero_leaf;
    }
  }
}

// Per-worker state: scratch for the leaves, reused from segment to segment.
class SegmentHasher {
 public:
  SegmentHasher() : leaves_(kSegmentChunks) {}

  // `keep_leaves` receives the leaf hashes (the submission list needs them for the last segment).
  Hash256 root(ByteSpan data, std::uint64_t leaf_count, std::vector<Hash256>* keep_leaves = nullptr) {
    const auto leaves = std::span(leaves_).first(static_cast<std::size_t>(leaf_count));
    hash_leaves(data, leaves);
    if (keep_leaves != nullptr) keep_leaves->assign(leaves.begin(), leaves.end());
    return reduce_to_root(leaves, 0);
  }

 private:
  std::vector<Hash256> leaves_;
};

// Hands out segment indices to workers; abandon() makes the others stop after a failure.
class SegmentQueue {
 public:
  explicit SegmentQueue(std::uint64_t count) noexcept : count_(count) {}
  std::optional<std::uint64_t> take() noexcept {
    const std::uint64_t index = next_.fetch_add(1, std::memory_order_relaxed);
    if (index >= count_) return std::nullopt;
    return index;
  }
  void abandon() noexcept { next_.store(count_, std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> next_{0};
  std::uint64_t count_;
};

// Runs `worker` on `threads` threads, the caller's included; rethrows the first failure.
void run_workers(unsigned threads, SegmentQueue& queue, const std::function<void()>& worker) {
  std::vector<std::exception_ptr> errors(threads);
  auto guarded = [&](unsigned slot) {
    try {
      worker();
    } catch (...) {
      errors[slot] = std::current_exception();
      queue.abandon();
    }
  };
  {
    std::vector<std::jthread> pool;
    pool.reserve(threads - 1);
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(guarded, t);
    guarded(0);
  }  // the jthreads join here
  for (const auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

unsigned clamp_threads(unsigned threads, std::uint64_t segments) noexcept {
  const auto wanted = std::clamp<std::uint64_t>(threads, 1, kMaxThreads);
  return static_cast<unsigned>(std::min(wanted, segments));
}

std::uint64_t data_bytes_in_segment(const FlowLayout& layout, std::uint64_t index) noexcept {
  const std::uint64_t offset = index * kSegmentSize;
  return offset < layout.file_size ? std::min(kSegmentSize, layout.file_size - offset) : 0;
}

bool last_segment_is_partial(const FlowLayout& layout) noexcept { return layout.padded_chunks % kSegmentChunks != 0; }

// Root of a perfect tree over a power-of-two run of nodes at `height`.
Hash256 perfect_root(std::span<const Hash256> nodes, unsigned height) {
  std::vector<Hash256> scratch(nodes.begin(), nodes.end());
  return reduce_to_root(scratch, height);
}

// ---- file access ----

class FileHandle {
 public:
  explicit FileHandle(const std::filesystem::path& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) fail("cannot open");
  }
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;
  ~FileHandle() { ::close(fd_); }

  std::uint64_t size() const {
    struct stat info {};
    if (::fstat(fd_, &info) != 0) fail("cannot stat");
    if (!S_ISREG(info.st_mode)) throw IoError("not a regular file: " + path_.string());
    return static_cast<std::uint64_t>(info.st_size);
  }

  // Fills `out` from `offset`; a short file means it changed under us.
  void read_exactly(std::uint64_t offset, MutableByteSpan out) const {
    std::size_t done = 0;
    while (done < out.size()) {
      const ssize_t got = ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) fail("cannot read");
      if (got == 0) throw IoError("file shrank while it was hashed: " + path_.string());
      done += static_cast<std::size_t>(got);
    }
  }

 private:
  [[noreturn]] void fail(const char* what) const {
    throw IoError(std::string(what) + " " + path_.string() + ": " + std::strerror(errno));
  }

  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace

// ---- layout ----

std::uint64_t FlowLayout::segment_leaf_count(std::uint64_t index) const noexcept {
  const std::uint64_t first = index * kSegmentChunks;
  return first < padded_chunks ? std::min(kSegmentChunks, padded_chunks - first) : 0;
}

FlowLayout flow_layout(std::uint64_t file_size) {
  if (file_size == 0) throw UsageError("file is empty: 0G Storage has no root for it");
  FlowLayout layout;
  layout.file_size = file_size;
  layout.chunks = (file_size + kChunkSize - 1) / kChunkSize;
  const std::uint64_t next_pow2 = std::bit_ceil(layout.chunks);
  if (next_pow2 == layout.chunks) {
    layout.padded_chunks = layout.chunks;
  } else {
    const std::uint64_t min_chunk = next_pow2 >= 16 ? next_pow2 / 16 : 1;
    layout.padded_chunks = (layout.chunks + min_chunk - 1) / min_chunk * min_chunk;
  }
  layout.segments = (layout.padded_chunks + kSegmentChunks - 1) / kSegmentChunks;
  return layout;
}

// ---- tree construction ----

// Both sources share one parallel build; they differ only in where a segment's bytes come from.
FileMerkleTree FileMerkleTree::build(std::uint64_t file_size, unsigned threads, const SegmentReader& read_segment) {
  FileMerkleTree tree;
  tree.layout_ = flow_layout(file_size);
  const FlowLayout& layout = tree.layout_;
  tree.segment_roots_.resize(layout.segments);
  std::vector<Hash256> last_leaves;
  SegmentQueue queue(layout.segments);
  run_workers(clamp_threads(threads, layout.segments), queue, [&] {
    SegmentHasher hasher;
    Bytes scratch;  // per worker, reused for every segment it reads
    while (const auto index = queue.take()) {
      // A segment may lie wholly in the flow padding: it then has no bytes at all.
      const auto length = data_bytes_in_segment(layout, *index);
      const auto bytes = length == 0 ? ByteSpan{} : read_segment(*index * kSegmentSize, static_cast<std::size_t>(length), scratch);
      const bool keep = *index + 1 == layout.segments && last_segment_is_partial(layout);
      tree.segment_roots_[*index] = hasher.root(bytes, layout.segment_leaf_count(*index), keep ? &last_leaves : nullptr);
    }
  });
  tree.finish(std::move(last_leaves));
  return tree;
}

FileMerkleTree FileMerkleTree::from_bytes(ByteSpan data, unsigned threads) {
  return build(data.size(), threads, [data](std::uint64_t offset, std::size_t length, Bytes&) {
    return data.subspan(static_cast<std::size_t>(offset), length);
  });
}

FileMerkleTree FileMerkleTree::from_file(const std::filesystem::path& path, unsigned threads) {
  const FileHandle file(path);
  auto tree = build(file.size(), threads, [&file](std::uint64_t offset, std::size_t length, Bytes& scratch) {
    if (scratch.size() < kSegmentSize) scratch.resize(kSegmentSize);
    const auto bytes = MutableByteSpan(scratch).first(length);
    file.read_exactly(offset, bytes);
    return ByteSpan(bytes);
  });
  if (file.size() != tree.layout_.file_size) throw IoError("file changed size while it was hashed: " + path.string());
  return tree;
}

void FileMerkleTree::finish(std::vector<Hash256> last_segment_leaves) {
  // Every level of the segment-root tree is kept (about one more hash per segment), so that a
  // proof is a walk up the levels instead of a rebuild of the tree for every segment.
  upper_levels_.clear();
  std::vector<Hash256> level = segment_roots_;
  for (unsigned height = kSegmentHeight; level.size() > 1; ++height) {
    level.resize(reduce_level(level, height));
    upper_levels_.push_back(level);
  }
  root_ = level.front();

  // Greedy power-of-two split, largest first. Runs of >= 1024 chunks start on segment boundaries
  // and cover whole segments; the smaller ones all fall inside the partial last segment.
  std::uint64_t offset = 0;
  for (int bit = 63; bit >= 0; --bit) {
    const std::uint64_t size = std::uint64_t{1} << bit;
    if ((layout_.padded_chunks & size) == 0) continue;
    const auto height = static_cast<unsigned>(bit);
    if (size >= kSegmentChunks) {
      const auto first = static_cast<std::size_t>(offset / kSegmentChunks);
      const auto count = static_cast<std::size_t>(size / kSegmentChunks);
      submission_nodes_.push_back({perfect_root(std::span(segment_roots_).subspan(first, count), kSegmentHeight), height});
    } else {
      const auto first = static_cast<std::size_t>(offset % kSegmentChunks);
      submission_nodes_.push_back(
          {perfect_root(std::span(last_segment_leaves).subspan(first, static_cast<std::size_t>(size)), 0), height});
    }
    offset += size;
  }
}

std::uint64_t FileMerkleTree::fee_sectors() const noexcept {
  std::uint64_t sectors = 0;
  for (const auto& node : submission_nodes_) sectors += std::uint64_t{1} << node.height;
  return sectors;
}

MerkleProof FileMerkleTree::segment_proof(std::uint64_t index) const {
  if (index >= segment_roots_.size()) {
    throw UsageError("segment " + std::to_string(index) + " is out of range: the file has " +
                     std::to_string(segment_roots_.size()) + " segments");
  }
  MerkleProof proof;
  if (segment_roots_.size() == 1) {
    proof.lemma.push_back(root_);
    return proof;
  }
  proof.lemma.push_back(segment_roots_[index]);
  auto position = static_cast<std::size_t>(index);
  for (std::size_t depth = 0; depth < upper_levels_.size(); ++depth) {
    const std::vector<Hash256>& level = depth == 0 ? segment_roots_ : upper_levels_[depth - 1];
    const bool is_left = position % 2 == 0;
    if (!is_left) {
      proof.lemma.push_back(level[position - 1]);
      proof.path.push_back(false);
    } else if (position + 1 < level.size()) {
      proof.lemma.push_back(level[position + 1]);
      proof.path.push_back(true);
    }  // else: the odd last node is promoted and has no sibling at this level
    position /= 2;
  }
  proof.lemma.push_back(root_);
  return proof;
}

Hash256 segment_root(ByteSpan data, std::uint64_t leaf_count) {
  if (leaf_count == 0 || leaf_count > kSegmentChunks || data.size() > leaf_count * kChunkSize) {
    throw UsageError("segment_root: " + std::to_string(data.size()) + " bytes do not fit " +
                     std::to_string(leaf_count) + " chunks (1 to 1024 chunks of 256 bytes)");
  }
  SegmentHasher hasher;
  return hasher.root(data, leaf_count);
}

// ---- proofs ----

nlohmann::json to_json(const MerkleProof& proof) {
  nlohmann::json lemma = nlohmann::json::array();
  for (const auto& hash : proof.lemma) lemma.push_back(to_hex(hash));
  nlohmann::json path = nlohmann::json::array();
  for (const bool is_left : proof.path) path.push_back(is_left);
  return {{"lemma", std::move(lemma)}, {"path", std::move(path)}};
}

namespace {

// The leaf position a path describes in a tree of `leaf_count` leaves (Go: calculateProofPosition).
// The root's left subtree always holds bit_ceil(n) / 2 leaves in a pairwise-built tree.
std::uint64_t proof_position(const std::vector<bool>& path, std::uint64_t leaf_count) noexcept {
  std::uint64_t position = 0;
  for (auto i = path.size(); i-- > 0;) {
    const std::uint64_t left_leaves = std::bit_ceil(leaf_count) / 2;
    if (path[i]) {
      leaf_count = left_leaves;
    } else {
      position += left_leaves;
      leaf_count -= left_leaves;
    }
  }
  return position;
}

Hash256 fold_proof(const MerkleProof& proof) noexcept {
  Hash256 hash = proof.lemma.front();
  for (std::size_t i = 0; i < proof.path.size(); ++i) {
    hash = proof.path[i] ? crypto::keccak256_pair(hash, proof.lemma[i + 1]) : crypto::keccak256_pair(proof.lemma[i + 1], hash);
  }
  return hash;
}

}  // namespace

void check_segment_proof(const MerkleProof& proof, const Hash256& file_root, const Hash256& segment_root,
                         std::uint64_t segment_index, std::uint64_t segment_count) {
  const bool well_formed = proof.path.empty() ? proof.lemma.size() == 1 : proof.lemma.size() == proof.path.size() + 2;
  if (!well_formed) throw ParseError("invalid merkle proof format");
  if (proof.lemma.front() != segment_root) throw ParseError("merkle proof content mismatch");
  if (proof.lemma.back() != file_root) throw ParseError("merkle proof root mismatch");
  if (proof_position(proof.path, segment_count) != segment_index) throw ParseError("merkle proof position mismatch");
  if (fold_proof(proof) != proof.lemma.back()) throw ParseError("failed to validate merkle proof");
}

bool segment_proof_is_valid(const MerkleProof& proof, const Hash256& file_root, const Hash256& segment_root,
                            std::uint64_t segment_index, std::uint64_t segment_count) noexcept {
  try {
    check_segment_proof(proof, file_root, segment_root, segment_index, segment_count);
    return true;
  } catch (const ParseError&) {
    return false;
  }
}

}  // namespace zg::storage
