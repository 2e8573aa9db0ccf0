#include "storage/segment_wire.hpp"

#include <algorithm>
#include <cctype>
#include <string>

#include "common/base64.hpp"
#include "storage/segment_base64.hpp"
#include "common/error.hpp"
#include "common/hex.hpp"
#include "eth/rpc_types.hpp"

namespace zg::storage {
namespace {

using nlohmann::json;

const json& member(const json& object, const char* key, const char* where) {
  if (!object.is_object()) throw ParseError(std::string(where) + " is not a JSON object");
  const auto it = object.find(key);
  if (it == object.end()) throw ParseError(std::string(where) + ": '" + key + "' is missing");
  return *it;
}

std::uint64_t unsigned_member(const json& object, const char* key, const char* where) {
  const auto& value = member(object, key, where);
  if (!value.is_number_unsigned()) throw ParseError(std::string(where) + ": '" + key + "' is not an unsigned integer");
  return value.get<std::uint64_t>();
}

bool bool_member(const json& object, const char* key, const char* where) {
  const auto& value = member(object, key, where);
  if (!value.is_boolean()) throw ParseError(std::string(where) + ": '" + key + "' is not a boolean");
  return value.get<bool>();
}

Hash256 hash_value(const json& value, const char* where) {
  if (!value.is_string()) throw ParseError(std::string(where) + " is not a hex string");
  const auto& text = value.get_ref<const std::string&>();
  if (text.size() != 66 || text.rfind("0x", 0) != 0) throw ParseError(std::string(where) + " is not 0x + 64 hex digits");
  return fixed_from_hex<32>(text, where);
}

}  // namespace

MerkleProof proof_from_json(const json& value) {
  const auto& lemma = member(value, "lemma", "proof");
  const auto& path = member(value, "path", "proof");
  // A proof over a 2^64-segment tree has at most 66 lemma entries; anything longer is garbage.
  constexpr std::size_t kMaxLemma = 66;
  if (!lemma.is_array() || lemma.size() > kMaxLemma) throw ParseError("proof: 'lemma' is not an array of at most 66 hashes");
  if (!path.is_array() || path.size() > kMaxLemma) throw ParseError("proof: 'path' is not an array of at most 66 booleans");
  MerkleProof proof;
  for (const auto& hash : lemma) proof.lemma.push_back(hash_value(hash, "proof lemma entry"));
  for (const auto& step : path) {
    if (!step.is_boolean()) throw ParseError("proof: 'path' holds a non-boolean");
    proof.path.push_back(step.get<bool>());
  }
  return proof;
}

json to_json(const SegmentWithProof& segment) {
  std::string data;
  base64_append(data, segment.data);
  return {{"root", to_hex(segment.root)},
          {"data", std::move(data)},
          {"index", segment.index},
          {"proof", to_json(segment.proof)},
          {"fileSize", segment.file_size}};
}

SegmentWithProof segment_from_json(const json& value) {
  constexpr const char* kWhere = "segment";
  SegmentWithProof segment;
  segment.root = hash_value(member(value, "root", kWhere), "segment root");
  const auto& data = member(value, "data", kWhere);
  if (!data.is_string()) throw ParseError("segment: 'data' is not a base64 string");
  const auto& text = data.get_ref<const std::string&>();
  if (text.size() > kMaxSegmentBase64) throw ParseError("segment: 'data' is larger than one 256 KiB segment");
  segment.data.resize(base64_decoded_size(text));
  base64_decode_into(text, segment.data);
  segment.index = unsigned_member(value, "index", kWhere);
  segment.proof = proof_from_json(member(value, "proof", kWhere));
  segment.file_size = unsigned_member(value, "fileSize", kWhere);
  return segment;
}

void append_segment_json(std::string& out, const Hash256& root, ByteSpan data, std::uint64_t index,
                         const MerkleProof& proof, std::uint64_t file_size) {
  // Key order as to_json(SegmentWithProof) dumps it (nlohmann sorts object keys).
  out += R"({"data":")";
  base64_append(out, data);
  out += R"(","fileSize":)";
  out += std::to_string(file_size);
  out += R"(,"index":)";
  out += std::to_string(index);
  out += R"(,"proof":)";
  out += to_json(proof).dump();
  out += R"(,"root":")";
  out += to_hex(root);
  out += R"("})";
}

std::string segment_to_json_text(const SegmentWithProof& segment) {
  std::string text;
  text.reserve(kMaxSegmentBase64 + 4096);
  append_segment_json(text, segment.root, segment.data, segment.index, segment.proof, segment.file_size);
  return text;
}

namespace {

// The `result` of a JSON-RPC reply; eth::RpcError for an error reply.
const json& reply_result(const json& reply) {
  if (!reply.is_object()) throw ParseError("segment reply is not a JSON-RPC object");
  if (const auto error = reply.find("error"); error != reply.end() && !error->is_null()) {
    const auto code = error->is_object() && error->contains("code") && error->at("code").is_number_integer()
                          ? error->at("code").get<std::int64_t>()
                          : 0;
    const auto message = error->is_object() && error->contains("message") && error->at("message").is_string()
                             ? error->at("message").get<std::string>()
                             : std::string("(no message)");
    throw eth::RpcError("zgs_downloadSegmentWithProof", code, message, std::nullopt);
  }
  const auto result = reply.find("result");
  if (result == reply.end()) throw ParseError("segment reply has no result");
  return *result;
}

SegmentWithProof segment_from_plain_reply(std::string_view body) {
  const json reply = json::parse(body, nullptr, false);
  if (reply.is_discarded()) throw ParseError("segment reply is not valid JSON");
  const auto& result = reply_result(reply);
  if (result.is_null()) throw ParseError("the node has no such segment (null result)");
  return segment_from_json(result);
}

}  // namespace

void segment_from_reply_text(std::string_view body, SegmentWithProof& segment) {
  constexpr std::string_view kDataKey = "\"data\":\"";
  const auto key = body.find(kDataKey);
  if (key == std::string_view::npos) {
    segment = segment_from_plain_reply(body);
    return;
  }
  const auto start = key + kDataKey.size();
  const auto end = body.find('"', start);
  if (end == std::string_view::npos) throw ParseError("segment reply: unterminated data string");
  const auto encoded = body.substr(start, end - start);
  // Escapes or oversize data: not what a node sends for a segment; the plain path judges it.
  if (encoded.size() > kMaxSegmentBase64 || encoded.find('\\') != std::string_view::npos) {
    segment = segment_from_plain_reply(body);
    return;
  }
  std::string rest;
  rest.reserve(body.size() - encoded.size());
  rest.append(body.substr(0, start));
  rest.append(body.substr(end));
  const json reply = json::parse(rest, nullptr, false);
  if (reply.is_discarded()) throw ParseError("segment reply is not valid JSON");
  const auto& result = reply_result(reply);
  // The cut must have emptied result.data itself, not some other "data" string.
  if (!result.is_object() || !result.contains("data") || result.at("data") != "") {
    segment = segment_from_plain_reply(body);
    return;
  }
  // The fields first (segment_from_json of the emptied result), then the data decoded into the
  // caller's buffer: a worker's buffer keeps its capacity from segment to segment.
  Bytes buffer = std::move(segment.data);
  segment = segment_from_json(result);
  buffer.resize(base64_decoded_size(encoded));
  base64_decode_into(encoded, buffer);
  segment.data = std::move(buffer);
}

SegmentWithProof segment_from_reply_text(std::string_view body) {
  SegmentWithProof segment;
  segment_from_reply_text(body, segment);
  return segment;
}

json to_json(const FileInfo& info) {
  return {{"tx",
           {{"streamIds", json::array()},
            {"data", ""},
            {"dataMerkleRoot", to_hex(info.root)},
            {"merkleNodes", json::array()},
            {"startEntryIndex", info.start_entry_index},
            {"size", info.size},
            {"seq", info.tx_seq}}},
          {"finalized", info.finalized},
          {"isCached", false},
          {"uploadedSegNum", info.uploaded_segments},
          {"pruned", false}};
}

std::optional<FileInfo> file_info_from_json(const json& value) {
  if (value.is_null()) return std::nullopt;
  const auto& tx = member(value, "tx", "file info");
  FileInfo info;
  info.root = hash_value(member(tx, "dataMerkleRoot", "file info tx"), "file info tx.dataMerkleRoot");
  info.size = unsigned_member(tx, "size", "file info tx");
  info.tx_seq = unsigned_member(tx, "seq", "file info tx");
  info.start_entry_index = unsigned_member(tx, "startEntryIndex", "file info tx");
  info.finalized = bool_member(value, "finalized", "file info");
  if (value.contains("uploadedSegNum")) info.uploaded_segments = unsigned_member(value, "uploadedSegNum", "file info");
  return info;
}

Hash256 parse_root(std::string_view text, std::string_view what) {
  const bool shaped = text.size() == 66 && text.substr(0, 2) == "0x" &&
                      std::all_of(text.begin() + 2, text.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
  if (!shaped) throw UsageError(std::string(what) + " must be 0x followed by 64 hex digits, got '" + std::string(text.substr(0, 80)) + "'");
  return fixed_from_hex<32>(text, what);
}

std::uint64_t wire_segment_size(const FlowLayout& layout, std::uint64_t index) noexcept {
  const std::uint64_t first = index * kSegmentChunks;
  if (first >= layout.chunks) return 0;
  return std::min(kSegmentChunks, layout.chunks - first) * kChunkSize;
}

std::uint64_t data_segment_count(const FlowLayout& layout) noexcept {
  return (layout.chunks + kSegmentChunks - 1) / kSegmentChunks;
}

}  // namespace zg::storage
