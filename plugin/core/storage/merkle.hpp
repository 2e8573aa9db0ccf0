#pragma once
// The 0G Storage file root ("data merkle root"), the Flow.submit node list and segment proofs,
// exactly as 0g-storage-client computes them (protocol-finetune.md §7.1):
//   chunk = 256 bytes, segment = 1024 chunks; the chunk count is flow-padded (nextPow2 / minChunk
//   rule) with zero chunks; leaf = keccak256(chunk); one tree per segment (the last segment is NOT
//   padded to 1024 leaves); the file root is a tree over the segment roots. Every tree pairs
//   neighbours as keccak256(left || right) and promotes an odd last node unchanged.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/bytes.hpp"

namespace zg::storage {

inline constexpr std::uint64_t kChunkSize = 256;
inline constexpr std::uint64_t kSegmentChunks = 1024;
inline constexpr std::uint64_t kSegmentSize = kChunkSize * kSegmentChunks;  // 256 KiB
inline constexpr unsigned kSegmentHeight = 10;                               // log2(kSegmentChunks)

// How a file of `file_size` bytes is laid out in the flow.
struct FlowLayout {
  std::uint64_t file_size = 0;
  std::uint64_t chunks = 0;         // ceil(file_size / 256)
  std::uint64_t padded_chunks = 0;  // after flow padding
  std::uint64_t segments = 0;       // ceil(padded_chunks / 1024)

  std::uint64_t padded_size() const noexcept { return padded_chunks * kChunkSize; }
  // Leaves of segment `index`: 1024, except possibly for the last segment.
  std::uint64_t segment_leaf_count(std::uint64_t index) const noexcept;
};

// Throws UsageError "file is empty: 0G Storage has no root for it" for a zero size.
FlowLayout flow_layout(std::uint64_t file_size);

// One entry of the Flow.submit node list: the root of 2^height consecutive padded chunks.
struct SubmissionNode {
  Hash256 root{};
  unsigned height = 0;
  friend bool operator==(const SubmissionNode&, const SubmissionNode&) = default;
};

// A proof in 0g-storage-client's format (core/merkle/proof.go):
//   lemma = [target leaf, siblings bottom-up..., root]; path[i] = "the node at that level is the
//   LEFT child", i.e. lemma[i + 1] is its right sibling. A single-leaf tree gives lemma = [root],
//   path = []. Levels where the node was promoted unchanged contribute no entry.
struct MerkleProof {
  std::vector<Hash256> lemma;
  std::vector<bool> path;
  friend bool operator==(const MerkleProof&, const MerkleProof&) = default;
};

// {"lemma":["0x…",…],"path":[true,…]}: the JSON shape zgs_uploadSegment expects.
nlohmann::json to_json(const MerkleProof& proof);

class FileMerkleTree {
 public:
  // In-memory data. `threads` workers hash segments in parallel (clamped to [1, segments]).
  static FileMerkleTree from_bytes(ByteSpan data, unsigned threads = 2);
  // Streams the file with pread into one reused 256 KiB buffer per worker; never loads it whole.
  // Throws IoError when the file cannot be read or changes size while it is hashed.
  static FileMerkleTree from_file(const std::filesystem::path& path, unsigned threads = 2);

  const FlowLayout& layout() const noexcept { return layout_; }
  const Hash256& root() const noexcept { return root_; }
  std::span<const Hash256> segment_roots() const noexcept { return segment_roots_; }
  const std::vector<SubmissionNode>& submission_nodes() const noexcept { return submission_nodes_; }
  // Sectors (chunks) the Flow contract charges for: sum of 2^height over the submission nodes.
  std::uint64_t fee_sectors() const noexcept;
  // Proof of segment `index` over the segment-root tree (tree.ProofAt(segIndex) in the Go client).
  MerkleProof segment_proof(std::uint64_t index) const;

 private:
  FileMerkleTree() = default;
  // Reads `length` bytes at `offset` of the file; may use `scratch` (owned by the calling worker).
  using SegmentReader = std::function<ByteSpan(std::uint64_t offset, std::size_t length, Bytes& scratch)>;
  static FileMerkleTree build(std::uint64_t file_size, unsigned threads, const SegmentReader& read_segment);
  void finish(std::vector<Hash256> last_segment_leaves);

  FlowLayout layout_;
  std::vector<Hash256> segment_roots_;
  std::vector<std::vector<Hash256>> upper_levels_;  // the levels above segment_roots_, up to the root
  Hash256 root_{};
  std::vector<SubmissionNode> submission_nodes_;
};

// Root of one segment from its (unpadded) bytes: `data` may be shorter than leaf_count * 256; the
// rest is zero chunks. leaf_count must be 1..1024 and cover data.
Hash256 segment_root(ByteSpan data, std::uint64_t leaf_count);

// Checks a segment proof the way the Go client's Proof.ValidateHash does. Throws ParseError with
// the reason ("invalid merkle proof format", "merkle proof content mismatch",
// "merkle proof root mismatch", "merkle proof position mismatch", "failed to validate merkle proof").
void check_segment_proof(const MerkleProof& proof, const Hash256& file_root, const Hash256& segment_root,
                         std::uint64_t segment_index, std::uint64_t segment_count);
bool segment_proof_is_valid(const MerkleProof& proof, const Hash256& file_root, const Hash256& segment_root,
                            std::uint64_t segment_index, std::uint64_t segment_count) noexcept;

}  // namespace zg::storage
