// Fuzzes the parsers of untrusted JSON-RPC replies: the envelope, then every `result` parser
// (receipt, log list, block, fee data, quantities, data, hashes) and the raw transaction decoder
// on whatever result the envelope yields. Only zg::Error may escape a parser; anything else
// (a crash, a sanitizer report, a foreign exception) is a bug.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "eth/rpc_types.hpp"
#include "eth/transaction.hpp"

namespace {

using nlohmann::json;

void expect_only_zg_errors(const std::function<void()>& parse) {
  try {
    parse();
  } catch (const zg::Error&) {
    // rejected with a clear message: fine
  }
}

// The id the envelope check should accept, so that fuzzing reaches the result parsers.
std::uint64_t reply_id(std::string_view text) {
  const json reply = json::parse(text, nullptr, false);
  if (!reply.is_object()) return 1;
  const auto id = reply.find("id");
  return id != reply.end() && id->is_number_unsigned() ? id->get<std::uint64_t>() : 1;
}

void parse_results(const json& result) {
  using namespace zg::eth;
  expect_only_zg_errors([&] { parse_receipt(result); });
  expect_only_zg_errors([&] { parse_logs(result); });
  expect_only_zg_errors([&] { parse_log(result); });
  expect_only_zg_errors([&] { parse_block(result); });
  expect_only_zg_errors([&] { parse_quantity(result, "fuzz"); });
  expect_only_zg_errors([&] { parse_quantity_u64(result, "fuzz"); });
  expect_only_zg_errors([&] { parse_hash(result, "fuzz"); });
  expect_only_zg_errors([&] { parse_fee_data(json("0x1"), result, result); });
  expect_only_zg_errors([&] { parse_fee_data(result, std::nullopt, result); });
  expect_only_zg_errors([&] { decode_signed_transaction(parse_data(result, "fuzz")); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::optional<json> result;
  expect_only_zg_errors([&] { result = zg::eth::parse_rpc_reply(text, "fuzz", reply_id(text)); });
  if (result) parse_results(*result);
  return 0;
}
