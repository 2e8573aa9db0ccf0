#pragma once
// The JSON shapes 0G storage nodes exchange (0g-storage-client node/types.go, protocol-finetune.md
// §7.2), shared by our client and zg-storage-sim. Every parser takes untrusted input: anything
// malformed is a ParseError naming the field, never a crash.
#include <cstdint>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/bytes.hpp"
#include "storage/merkle.hpp"

namespace zg::storage {

// Upper bound of a segment's bytes on the wire (base64 of 256 KiB), checked before decoding.
inline constexpr std::size_t kMaxSegmentBase64 = (kSegmentSize + 2) / 3 * 4;

// SegmentWithProof{root, data (base64), index, proof{lemma, path}, fileSize}.
struct SegmentWithProof {
  Hash256 root{};
  Bytes data;
  std::uint64_t index = 0;
  MerkleProof proof;
  std::uint64_t file_size = 0;
};

nlohmann::json to_json(const SegmentWithProof& segment);
SegmentWithProof segment_from_json(const nlohmann::json& value);
// The same, serialized, with `data` spliced in unescaped (base64 never needs JSON escapes): a
// node answers a 256 KiB segment without scanning 350 KB of text for escapes.
std::string segment_to_json_text(const SegmentWithProof& segment);
// The same object appended to `out`, from its parts (a node serves straight from its stored bytes).
void append_segment_json(std::string& out, const Hash256& root, ByteSpan data, std::uint64_t index,
                         const MerkleProof& proof, std::uint64_t file_size);

// A whole JSON-RPC reply to zgs_downloadSegmentWithProof. The base64 `data` string is cut out of
// the text and decoded directly, so the JSON parser only reads the small rest (parsing that one
// string was a third of a download's CPU time); anything unusual takes the plain JSON path.
// ParseError for malformed replies, eth::RpcError for an error reply.
SegmentWithProof segment_from_reply_text(std::string_view body);
// The same into `segment`, reusing the capacity of segment.data (one buffer per download worker).
void segment_from_reply_text(std::string_view body, SegmentWithProof& segment);
MerkleProof proof_from_json(const nlohmann::json& value);

// The parts of FileInfo{tx{…}, finalized, isCached, uploadedSegNum, pruned} the transfer uses.
struct FileInfo {
  Hash256 root{};                   // tx.dataMerkleRoot
  std::uint64_t size = 0;           // tx.size: the file size in bytes
  std::uint64_t tx_seq = 0;         // tx.seq: the Flow submission index
  std::uint64_t start_entry_index = 0;  // tx.startEntryIndex: flow position in sectors
  bool finalized = false;
  std::uint64_t uploaded_segments = 0;
};

nlohmann::json to_json(const FileInfo& info);
// null -> none (the node does not know the file).
std::optional<FileInfo> file_info_from_json(const nlohmann::json& value);

// "0x" + 64 hex digits -> hash; UsageError naming `what` otherwise (roots come from users too).
Hash256 parse_root(std::string_view text, std::string_view what = "storage root");

// The expected byte length of segment `index` on the wire: its real chunks, the last one padded to
// 256 bytes (0 for a segment that lies wholly in the flow padding).
std::uint64_t wire_segment_size(const FlowLayout& layout, std::uint64_t index) noexcept;
// Segments that hold file data (the rest of layout.segments is flow padding and never sent).
std::uint64_t data_segment_count(const FlowLayout& layout) noexcept;

}  // namespace zg::storage
