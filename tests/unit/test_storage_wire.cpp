// 0G Storage wire shapes (SegmentWithProof, FileInfo, roots) and the Flow submission built from a
// file tree: the node list folds back to the vector roots, the fee is sectors x price, and every
// malformed reply is a ParseError, never a crash.
#include <gtest/gtest.h>

#include "common/base64.hpp"
#include "common/hex.hpp"
#include "contracts/flow_contract.hpp"
#include "eth/abi.hpp"
#include "eth/rpc_types.hpp"
#include "storage/segment_wire.hpp"
#include "vectors.hpp"

namespace {

using namespace zg;
using namespace zg::storage;
using nlohmann::json;

Bytes pattern_bytes(std::size_t size) {
  Bytes data(size);
  for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<std::uint8_t>(i % 251 + 1);
  return data;
}

SegmentWithProof sample_segment() {
  const auto tree = FileMerkleTree::from_bytes(pattern_bytes(3 * kSegmentSize + 1000));
  SegmentWithProof s;
  s.root = tree.root();
  s.data = pattern_bytes(kSegmentSize);
  s.index = 1;
  s.proof = tree.segment_proof(1);
  s.file_size = tree.layout().file_size;
  return s;
}

TEST(StorageWire, SegmentRoundTripsInTheGoClientShape) {
  const auto segment = sample_segment();
  const json wire = to_json(segment);
  EXPECT_EQ(wire["root"], to_hex(segment.root));
  EXPECT_EQ(wire["data"], base64_encode(segment.data));
  EXPECT_EQ(wire["index"], 1);
  EXPECT_EQ(wire["fileSize"], segment.file_size);
  EXPECT_EQ(wire["proof"], to_json(segment.proof));
  const auto back = segment_from_json(json::parse(wire.dump()));
  EXPECT_EQ(back.root, segment.root);
  EXPECT_EQ(back.data, segment.data);
  EXPECT_EQ(back.index, segment.index);
  EXPECT_EQ(back.proof, segment.proof);
  EXPECT_EQ(back.file_size, segment.file_size);
}

TEST(StorageWire, MalformedSegmentsAreParseErrorsNamingTheField) {
  const json good = to_json(sample_segment());
  auto broken = [&](const std::function<void(json&)>& edit) {
    json copy = good;
    edit(copy);
    return copy;
  };
  const std::vector<std::pair<json, std::string>> cases = {
      {json::array(), "not a JSON object"},
      {broken([](json& j) { j.erase("root"); }), "'root' is missing"},
      {broken([](json& j) { j["root"] = "0x1234"; }), "segment root"},
      {broken([](json& j) { j["data"] = "not base64!"; }), ""},
      {broken([](json& j) { j["data"] = std::string(kMaxSegmentBase64 + 4, 'A'); }), "larger than one 256 KiB segment"},
      {broken([](json& j) { j["index"] = -1; }), "'index' is not an unsigned integer"},
      {broken([](json& j) { j["fileSize"] = "12"; }), "'fileSize' is not an unsigned integer"},
      {broken([](json& j) { j["proof"]["path"] = json::array({1}); }), "non-boolean"},
      {broken([](json& j) { j["proof"]["lemma"] = json(std::vector<std::string>(67, to_hex(Hash256{}))); }), "at most 66"},
      {broken([](json& j) { j["proof"].erase("lemma"); }), "'lemma' is missing"},
  };
  for (const auto& [value, message] : cases) {
    try {
      (void)segment_from_json(value);
      ADD_FAILURE() << "accepted " << value.dump().substr(0, 200);
    } catch (const ParseError& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
  }
}

TEST(StorageWire, SegmentTextAndReplyFastPathAgreeWithPlainJson) {
  const auto segment = sample_segment();
  const std::string text = segment_to_json_text(segment);
  EXPECT_EQ(json::parse(text), to_json(segment));  // the spliced text is the same JSON document

  const std::string reply = R"({"jsonrpc":"2.0","id":1,"result":)" + text + "}";
  const auto fast = segment_from_reply_text(reply);
  EXPECT_EQ(fast.data, segment.data);
  EXPECT_EQ(fast.proof, segment.proof);
  EXPECT_EQ(fast.root, segment.root);
  EXPECT_EQ(fast.index, segment.index);
  EXPECT_EQ(fast.file_size, segment.file_size);

  // Field order, escapes and a "data" key elsewhere all end up on the plain path with the same answer.
  json reordered = json::parse(reply);
  reordered["extra"] = {{"data", "ignored"}};
  EXPECT_EQ(segment_from_reply_text(reordered.dump()).data, segment.data);
  const std::string escaped = R"({"jsonrpc":"2.0","id":1,"result":{"data":"YW\/=","fileSize":1,"index":0,"proof":{"lemma":[],"path":[]},"root":")" +
                              to_hex(segment.root) + R"("}})";
  EXPECT_THROW((void)segment_from_reply_text(escaped), ParseError);  // "YW/=" is not canonical base64

  try {
    (void)segment_from_reply_text(R"({"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"file not found or not finalized"}})");
    ADD_FAILURE() << "an error reply was accepted";
  } catch (const eth::RpcError& e) {
    EXPECT_EQ(e.code(), -32000);
    EXPECT_EQ(e.rpc_message(), "file not found or not finalized");
  }
  for (const std::string bad : {"", "{", "null", R"({"result":null})", R"({"result":{"data":"AAAA"}})",
                                R"({"result":{"data":"AAAA)", R"([{"data":""}])"}) {
    EXPECT_THROW((void)segment_from_reply_text(bad), ParseError) << bad;
  }
}

TEST(StorageWire, FileInfoRoundTripsAndNullIsUnknown) {
  FileInfo info;
  info.root = fixed_from_hex<32>("0x59f59057166e387272d99541be1ab94ada3b5d8e7265b77c9fec750171670902");
  info.size = 1048577;
  info.tx_seq = 7;
  info.start_entry_index = 4096;
  info.finalized = true;
  info.uploaded_segments = 5;
  const auto back = file_info_from_json(json::parse(to_json(info).dump()));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->root, info.root);
  EXPECT_EQ(back->size, info.size);
  EXPECT_EQ(back->tx_seq, info.tx_seq);
  EXPECT_EQ(back->start_entry_index, info.start_entry_index);
  EXPECT_TRUE(back->finalized);
  EXPECT_EQ(back->uploaded_segments, 5u);
  EXPECT_FALSE(file_info_from_json(nullptr).has_value());
  EXPECT_THROW((void)file_info_from_json(json{{"tx", {{"size", 1}}}}), ParseError);
  EXPECT_THROW((void)file_info_from_json(json::array()), ParseError);
}

TEST(StorageWire, RootsMustBeFullHashes) {
  const std::string root = "0x59f59057166e387272d99541be1ab94ada3b5d8e7265b77c9fec750171670902";
  EXPECT_EQ(to_hex(parse_root(root)), root);
  for (const std::string bad : {"", "0x", "59f59057166e387272d99541be1ab94ada3b5d8e7265b77c9fec750171670902",
                                "0x59f59057166e387272d99541be1ab94ada3b5d8e7265b77c9fec75017167090",
                                "0xz9f59057166e387272d99541be1ab94ada3b5d8e7265b77c9fec750171670902"}) {
    EXPECT_THROW((void)parse_root(bad), UsageError) << bad;
  }
}

TEST(StorageWire, WireSegmentSizesAreTheRealChunks) {
  const auto layout = flow_layout(3 * kSegmentSize + 1000);  // 3 full segments + 4 chunks (last one partial)
  EXPECT_EQ(data_segment_count(layout), 4u);
  EXPECT_EQ(wire_segment_size(layout, 0), kSegmentSize);
  EXPECT_EQ(wire_segment_size(layout, 3), 4 * kChunkSize);
  EXPECT_EQ(wire_segment_size(layout, 4), 0u);
  // 16385 chunks pad to 18432: segment 17 lies wholly in the padding and is never sent.
  const auto padded = flow_layout(16385 * kChunkSize);
  EXPECT_EQ(padded.segments, 18u);
  EXPECT_EQ(data_segment_count(padded), 17u);
  EXPECT_EQ(wire_segment_size(padded, 16), kChunkSize);
}

// The SDK's createSubmission: length = size, tags = 0x, the tree's node list; its right fold is the
// file root (checked for every vector), and the fee is the vector's sectors times the price.
TEST(StorageWire, FlowSubmissionOfEveryVectorFoldsToItsRoot) {
  const auto vectors = test::load_vectors("storage-merkle-vectors.json");
  const eth::Address submitter = eth::Address::from_hex("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
  for (const auto& v : vectors["vectors"]) {
    if (!v.contains("root") || v["root"].is_null() || v["pattern"] != "(i % 251) + 1") continue;
    const auto tree = FileMerkleTree::from_bytes(pattern_bytes(v["size"].get<std::size_t>()));
    const auto submission = contracts::submission_for(tree, submitter);
    EXPECT_EQ(submission.length, v["size"].get<std::uint64_t>());
    EXPECT_TRUE(submission.tags.empty());
    EXPECT_EQ(to_hex(submission.root()), v["root"].get<std::string>()) << v["name"];
    EXPECT_EQ(submission.sectors(), v["feeSectors"].get<std::uint64_t>()) << v["name"];
  }
}

TEST(StorageWire, SubmitCalldataHasTheSdkSelector) {
  // submit(((uint256,bytes,(bytes32,uint256)[]),address)) = 0xbc8c11f8 (protocol-finetune.md §7.2).
  EXPECT_EQ(to_hex(eth::selector_of("submit(((uint256,bytes,(bytes32,uint256)[]),address))")), "0xbc8c11f8");
  EXPECT_EQ(to_hex(contracts::FlowContract::submit_topic()),
            "0x167ce04d2aa1981994d3a31695da0d785373335b1078cec239a1a3a2c7675555");
}

}  // namespace
