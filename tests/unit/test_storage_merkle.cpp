// 0G Storage file root, submission nodes and segment proofs against storage-merkle-vectors.json.
#include <unistd.h>

#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "common/hex.hpp"
#include "crypto/keccak.hpp"
#include "storage/merkle.hpp"
#include "vectors.hpp"

namespace zg::storage {
namespace {

using nlohmann::json;

const json& merkle_vectors() {
  static const json vectors = zg::test::load_vectors("storage-merkle-vectors.json");
  return vectors;
}

const json& vector_named(const std::string& name) {
  for (const auto& v : merkle_vectors()["vectors"]) {
    if (v["name"] == name) return v;
  }
  throw std::runtime_error("no storage vector named " + name);
}

// Regenerates a vector's content from its "pattern" description.
Bytes content_of(const json& vector) {
  const auto size = vector["size"].get<std::size_t>();
  const auto pattern = vector["pattern"].get<std::string>();
  Bytes data(size);
  if (pattern == "(i % 251) + 1") {
    for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<std::uint8_t>(i % 251 + 1);
  } else if (pattern == "the byte 0x61") {
    std::fill(data.begin(), data.end(), std::uint8_t{0x61});
  } else if (pattern != "all 0x00") {
    throw std::runtime_error("unknown content pattern: " + pattern);
  }
  return data;
}

Hash256 hash_from(const json& hex) { return fixed_from_hex<32>(hex.get<std::string>(), "vector hash"); }

// A file in the temp directory that is removed when the test ends.
class TempFile {
 public:
  TempFile(const std::string& name, ByteSpan content)
      : path_(std::filesystem::temp_directory_path() / ("zg_merkle_" + std::to_string(::getpid()) + "_" + name)) {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(content.data()), static_cast<std::streamsize>(content.size()));
    if (!out) throw std::runtime_error("cannot write " + path_.string());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() { std::filesystem::remove(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

void expect_matches_vector(const FileMerkleTree& tree, const json& v) {
  const std::string name = v["name"];
  EXPECT_EQ(tree.layout().file_size, v["size"].get<std::uint64_t>()) << name;
  EXPECT_EQ(tree.layout().chunks, v["chunks"].get<std::uint64_t>()) << name;
  EXPECT_EQ(tree.layout().padded_chunks, v["paddedChunks"].get<std::uint64_t>()) << name;
  EXPECT_EQ(tree.layout().padded_size(), v["paddedSize"].get<std::uint64_t>()) << name;
  EXPECT_EQ(tree.layout().segments, v["segments"].get<std::uint64_t>()) << name;
  EXPECT_EQ(tree.segment_roots().size(), v["segments"].get<std::size_t>()) << name;
  EXPECT_EQ(to_hex(tree.root()), v["root"].get<std::string>()) << name;
  std::vector<SubmissionNode> expected;
  for (const auto& node : v["submissionNodes"]) expected.push_back({hash_from(node["root"]), node["height"].get<unsigned>()});
  EXPECT_EQ(tree.submission_nodes(), expected) << name;
  EXPECT_EQ(tree.fee_sectors(), v["feeSectors"].get<std::uint64_t>()) << name;
}

TEST(StorageMerkle, ConstantsMatchVectors) {
  const auto& constants = merkle_vectors()["constants"];
  EXPECT_EQ(kChunkSize, constants["chunkSize"].get<std::uint64_t>());
  EXPECT_EQ(kSegmentChunks, constants["segmentChunks"].get<std::uint64_t>());
  EXPECT_EQ(kSegmentSize, constants["segmentSize"].get<std::uint64_t>());
  const std::array<std::uint8_t, kChunkSize> zero_chunk{};
  EXPECT_EQ(to_hex(crypto::keccak256(zero_chunk)), constants["emptyChunkKeccak256"].get<std::string>());
}

TEST(StorageMerkle, EveryVectorFromMemoryWithOneAndTwoThreads) {
  int checked = 0;
  for (const auto& v : merkle_vectors()["vectors"]) {
    if (v["root"].is_null()) continue;
    const Bytes data = content_of(v);
    ASSERT_EQ(to_hex(crypto::keccak256(data)), v["contentKeccak256"].get<std::string>()) << "content of " << v["name"];
    for (const unsigned threads : {1U, 2U}) {
      SCOPED_TRACE(std::string(v["name"]) + " threads=" + std::to_string(threads));
      expect_matches_vector(FileMerkleTree::from_bytes(data, threads), v);
    }
    ++checked;
  }
  EXPECT_EQ(checked, 15);
}

TEST(StorageMerkle, FileApiEqualsSpanApi) {
  for (const auto& v : merkle_vectors()["vectors"]) {
    if (v["root"].is_null()) continue;
    const Bytes data = content_of(v);
    const TempFile file(v["name"].get<std::string>(), data);
    const auto from_memory = FileMerkleTree::from_bytes(data, 1);
    for (const unsigned threads : {1U, 2U, 3U}) {
      SCOPED_TRACE(std::string(v["name"]) + " threads=" + std::to_string(threads));
      const auto from_file = FileMerkleTree::from_file(file.path(), threads);
      expect_matches_vector(from_file, v);
      EXPECT_TRUE(std::equal(from_file.segment_roots().begin(), from_file.segment_roots().end(),
                             from_memory.segment_roots().begin(), from_memory.segment_roots().end()));
    }
  }
}

TEST(StorageMerkle, EmptyInputHasNoRoot) {
  const auto& v = vector_named("empty");
  ASSERT_TRUE(v["root"].is_null());
  try {
    (void)FileMerkleTree::from_bytes({}, 2);
    FAIL() << "empty input must be rejected";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "file is empty: 0G Storage has no root for it");
  }
  const TempFile file("empty", {});
  EXPECT_THROW((void)FileMerkleTree::from_file(file.path()), UsageError);
}

TEST(StorageMerkle, MissingFileIsIoError) {
  EXPECT_THROW((void)FileMerkleTree::from_file("/nonexistent/zg/file.bin"), IoError);
}

TEST(StorageMerkle, FlowPaddingRule) {
  EXPECT_EQ(flow_layout(1).padded_chunks, 1U);
  EXPECT_EQ(flow_layout(3 * 256).padded_chunks, 3U);        // np2 4 < 16: minChunk 1
  EXPECT_EQ(flow_layout(17 * 256).padded_chunks, 18U);      // np2 32: minChunk 2
  EXPECT_EQ(flow_layout(1025 * 256).padded_chunks, 1152U);  // np2 2048: minChunk 128
  // np2 32768, minChunk 2048: the padding adds a segment that holds no file bytes at all.
  const auto layout = flow_layout((16384 + 1) * 256);
  EXPECT_EQ(layout.padded_chunks, 18432U);
  EXPECT_EQ(layout.segments, 18U);
  EXPECT_EQ(layout.segment_leaf_count(17), 1024U);
  EXPECT_EQ(layout.segment_leaf_count(18), 0U);
}

TEST(StorageMerkle, SegmentWhollyInPaddingHashesAsZeros) {
  Bytes data((16384 + 1) * 256, 0x5a);
  const auto tree = FileMerkleTree::from_bytes(data, 2);
  ASSERT_EQ(tree.segment_roots().size(), 18U);
  const Bytes zeros(kSegmentSize, 0);
  EXPECT_EQ(tree.segment_roots()[17], segment_root(zeros, kSegmentChunks));
  EXPECT_EQ(tree.fee_sectors(), 18432U);
  // The submission fold (root = keccak(node_i || root), right to left) equals the file root.
  const auto& nodes = tree.submission_nodes();
  Hash256 folded = nodes.back().root;
  for (auto i = nodes.size() - 1; i-- > 0;) folded = crypto::keccak256_pair(nodes[i].root, folded);
  EXPECT_EQ(folded, tree.root());
}

TEST(StorageMerkle, SegmentRootOfPartialSegmentData) {
  const auto& v = vector_named("1MiB+1");
  const Bytes data = content_of(v);
  const auto tree = FileMerkleTree::from_bytes(data, 2);
  ASSERT_EQ(tree.segment_roots().size(), 5U);
  EXPECT_EQ(segment_root(ByteSpan(data).subspan(kSegmentSize, kSegmentSize), 1024), tree.segment_roots()[1]);
  // Last segment: one real byte, 512 leaves after flow padding.
  EXPECT_EQ(tree.layout().segment_leaf_count(4), 512U);
  EXPECT_EQ(segment_root(ByteSpan(data).subspan(4 * kSegmentSize), 512), tree.segment_roots()[4]);
  EXPECT_THROW((void)segment_root(data, 1024), UsageError);
  EXPECT_THROW((void)segment_root({}, 0), UsageError);
}

// Expected proofs written out by hand for the 5-segment tree ((s0 s1)(s2 s3))(s4):
// level 1 = p01, p23, s4 (promoted); level 2 = p0123, s4 (promoted); root = keccak(p0123 || s4).
TEST(StorageMerkle, SegmentProofsHaveGoClientShape) {
  const auto tree = FileMerkleTree::from_bytes(content_of(vector_named("1MiB+1")), 2);
  const auto s = tree.segment_roots();
  const Hash256 p01 = crypto::keccak256_pair(s[0], s[1]);
  const Hash256 p23 = crypto::keccak256_pair(s[2], s[3]);
  const Hash256 p0123 = crypto::keccak256_pair(p01, p23);
  ASSERT_EQ(crypto::keccak256_pair(p0123, s[4]), tree.root());

  EXPECT_EQ(tree.segment_proof(4), (MerkleProof{{s[4], p0123, tree.root()}, {false}}));
  EXPECT_EQ(tree.segment_proof(2), (MerkleProof{{s[2], s[3], p01, s[4], tree.root()}, {true, false, true}}));
  EXPECT_EQ(tree.segment_proof(1), (MerkleProof{{s[1], s[0], p23, s[4], tree.root()}, {false, true, true}}));
  EXPECT_THROW((void)tree.segment_proof(5), UsageError);

  const auto json = to_json(tree.segment_proof(4));
  EXPECT_EQ(json.dump(), "{\"lemma\":[\"" + to_hex(s[4]) + "\",\"" + to_hex(p0123) + "\",\"" + to_hex(tree.root()) +
                             "\"],\"path\":[false]}");
}

TEST(StorageMerkle, SingleSegmentProofIsTheRootAlone) {
  const auto tree = FileMerkleTree::from_bytes(content_of(vector_named("100000B")), 1);
  const auto proof = tree.segment_proof(0);
  EXPECT_EQ(proof, (MerkleProof{{tree.root()}, {}}));
  EXPECT_TRUE(segment_proof_is_valid(proof, tree.root(), tree.segment_roots()[0], 0, 1));
}

TEST(StorageMerkle, EverySegmentProofVerifies) {
  for (const char* name : {"256KiB+1", "1MiB", "1MiB+1", "3MiB+12345", "5MiB", "zeros-1MiB"}) {
    const auto tree = FileMerkleTree::from_bytes(content_of(vector_named(name)), 2);
    const auto count = tree.segment_roots().size();
    for (std::size_t i = 0; i < count; ++i) {
      SCOPED_TRACE(std::string(name) + " segment " + std::to_string(i));
      const auto proof = tree.segment_proof(i);
      EXPECT_NO_THROW(check_segment_proof(proof, tree.root(), tree.segment_roots()[i], i, count));
    }
  }
}

void expect_rejected(const MerkleProof& proof, const FileMerkleTree& tree, std::size_t index, const char* reason) {
  const auto count = tree.segment_roots().size();
  EXPECT_FALSE(segment_proof_is_valid(proof, tree.root(), tree.segment_roots()[index], index, count));
  try {
    check_segment_proof(proof, tree.root(), tree.segment_roots()[index], index, count);
    ADD_FAILURE() << "accepted a bad proof, expected: " << reason;
  } catch (const ParseError& e) {
    EXPECT_STREQ(e.what(), reason);
  }
}

TEST(StorageMerkle, BadProofsAreRejectedWithTheReason) {
  const auto tree = FileMerkleTree::from_bytes(content_of(vector_named("3MiB+12345")), 2);
  const auto good = tree.segment_proof(6);

  auto tampered_sibling = good;
  tampered_sibling.lemma[2][0] ^= 1;
  expect_rejected(tampered_sibling, tree, 6, "failed to validate merkle proof");

  auto flipped_side = good;
  flipped_side.path[0] = !flipped_side.path[0];
  expect_rejected(flipped_side, tree, 6, "merkle proof position mismatch");

  auto short_lemma = good;
  short_lemma.lemma.pop_back();
  expect_rejected(short_lemma, tree, 6, "invalid merkle proof format");

  auto wrong_root = good;
  wrong_root.lemma.back()[31] ^= 1;
  expect_rejected(wrong_root, tree, 6, "merkle proof root mismatch");

  // The proof of another segment does not prove this one.
  expect_rejected(tree.segment_proof(7), tree, 6, "merkle proof content mismatch");
}

}  // namespace
}  // namespace zg::storage
