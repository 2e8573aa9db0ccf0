// Fuzzes the 0G Storage wire parsers our client and zg-storage-sim apply to untrusted JSON-RPC
// payloads: the raw zgs_downloadSegmentWithProof reply text (fast path), SegmentWithProof (zgs_uploadSegment*, zgs_downloadSegmentWithProof), FileInfo
// (zgs_getFileInfo), bare proofs and roots. Only zg::Error may escape a parser; whatever parses
// must survive our own encoder unchanged, and a parsed proof must never crash the proof check.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/base64.hpp"
#include "storage/segment_base64.hpp"
#include "storage/segment_wire.hpp"

namespace {

using nlohmann::json;

void expect_only_zg_errors(const std::function<void()>& parse) {
  try {
    parse();
  } catch (const zg::Error&) {
    // rejected with a clear message: fine
  }
}

void check_segment(const json& value) {
  const auto segment = zg::storage::segment_from_json(value);
  const auto again = zg::storage::segment_from_json(zg::storage::to_json(segment));
  if (again.data != segment.data || again.proof != segment.proof || again.root != segment.root) std::abort();
  // The checks a receiver runs next, with whatever size the payload claims.
  if (segment.file_size > 0 && segment.file_size < (std::uint64_t{1} << 40)) {
    const auto layout = zg::storage::flow_layout(segment.file_size);
    if (segment.index < layout.segments && segment.data.size() == zg::storage::wire_segment_size(layout, segment.index)) {
      const auto root = zg::storage::segment_root(segment.data, layout.segment_leaf_count(segment.index));
      (void)zg::storage::segment_proof_is_valid(segment.proof, segment.root, root, segment.index, layout.segments);
    }
  }
}

// The table-driven segment codec must accept exactly what zg::base64 accepts, decode to the same
// bytes, refuse with the same message, and encode to the same text.
void check_segment_base64(std::string_view text) {
  std::string reference_error;
  zg::Bytes reference;
  try {
    reference = zg::base64_decode(text);
  } catch (const zg::ParseError& e) {
    reference_error = e.what();
  }
  try {
    zg::Bytes fast(zg::storage::base64_decoded_size(text));
    zg::storage::base64_decode_into(text, fast);
    if (!reference_error.empty() || fast != reference) std::abort();
  } catch (const zg::ParseError& e) {
    if (reference_error != e.what()) std::abort();
  }
  std::string encoded;
  zg::storage::base64_append(encoded, zg::as_bytes(text));
  if (encoded != zg::base64_encode(zg::as_bytes(text))) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_segment_base64(text);
  // The download fast path reads the raw reply text (it cuts the data string out before parsing).
  expect_only_zg_errors([&] {
    const auto segment = zg::storage::segment_from_reply_text(text);
    if (zg::storage::segment_from_json(json::parse(zg::storage::segment_to_json_text(segment))).data != segment.data) std::abort();
  });
  const json value = json::parse(text, nullptr, false);
  if (value.is_discarded()) return 0;
  expect_only_zg_errors([&] { check_segment(value); });
  expect_only_zg_errors([&] {
    if (value.is_object() && value.contains("result")) check_segment(value.at("result"));
  });
  expect_only_zg_errors([&] { (void)zg::storage::file_info_from_json(value); });
  expect_only_zg_errors([&] { (void)zg::storage::proof_from_json(value); });
  expect_only_zg_errors([&] {
    if (value.is_string()) (void)zg::storage::parse_root(value.get<std::string>());
  });
  return 0;
}
