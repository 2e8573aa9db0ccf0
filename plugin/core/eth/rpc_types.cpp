#include "eth/rpc_types.hpp"

#include <algorithm>

#include "common/hex.hpp"

namespace zg::eth {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxTopics = 4;
constexpr std::size_t kSnippetLength = 120;
constexpr Uint256 kDefaultPriorityFee = 1000000000;  // ethers v6 default when eth_maxPriorityFeePerGas fails

// Describes where a value sits: "eth_getLogs: field 'topics'" or just "eth_chainId: result".
class Where {
 public:
  Where(std::string_view context, std::string_view field) : context_(context), field_(field) {}
  [[noreturn]] void fail(const std::string& problem) const {
    const std::string place = field_.empty() ? "result" : "field '" + std::string(field_) + "'";
    throw ParseError(std::string(context_) + ": " + place + " " + problem);
  }
  Where child(std::string_view field) const { return Where(context_, field); }
  std::string_view context() const noexcept { return context_; }

 private:
  std::string_view context_;
  std::string_view field_;
};

std::string type_problem(const json& value, std::string_view expected) {
  return std::string("is ") + (value.is_null() ? "null" : std::string("a ") + value.type_name()) + ", expected " +
         std::string(expected);
}

std::string_view hex_text(const json& value, const Where& where) {
  if (!value.is_string()) where.fail(type_problem(value, "a hex string"));
  const auto& text = value.get_ref<const std::string&>();
  if (text.size() < 2 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) where.fail("is not 0x-prefixed hex");
  return text;
}

Uint256 quantity(const json& value, const Where& where) {
  const auto text = hex_text(value, where);
  try {
    return Uint256::from_hex(text);
  } catch (const Error& e) {
    where.fail(std::string("is not a valid quantity (") + e.what() + ")");
  }
}

std::uint64_t quantity_u64(const json& value, const Where& where) {
  const Uint256 number = quantity(value, where);
  if (!number.fits_u64()) where.fail("does not fit in 64 bits");
  return number.low_u64();
}

Bytes data_bytes(const json& value, const Where& where) {
  const auto text = hex_text(value, where);
  try {
    return from_hex(text);
  } catch (const Error& e) {
    where.fail(std::string("is not valid hex data (") + e.what() + ")");
  }
}

template <std::size_t N>
FixedBytes<N> fixed(const json& value, const Where& where) {
  const Bytes bytes = data_bytes(value, where);
  if (bytes.size() != N) where.fail("has " + std::to_string(bytes.size()) + " bytes, expected " + std::to_string(N));
  FixedBytes<N> out{};
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

Address address(const json& value, const Where& where) { return Address(fixed<20>(value, where)); }

void require_object(const json& value, const Where& where) {
  if (!value.is_object()) where.fail(type_problem(value, "an object"));
}

const json& member(const json& object, const char* name, const Where& where) {
  const auto it = object.find(name);
  if (it == object.end()) throw ParseError(std::string(where.context()) + ": missing field '" + name + "'");
  return *it;
}

// A field that may be absent or null.
const json* optional_member(const json& object, const char* name) {
  const auto it = object.find(name);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

std::optional<Address> optional_address(const json& object, const char* name, const Where& where) {
  const json* value = optional_member(object, name);
  if (value == nullptr) return std::nullopt;
  return address(*value, where.child(name));
}

const json& array_member(const json& object, const char* name, const Where& where) {
  const json& value = member(object, name, where);
  if (!value.is_array()) where.child(name).fail(type_problem(value, "an array"));
  return value;
}

std::optional<Bytes> error_data(const json& error) {
  const json* data = optional_member(error, "data");
  // Some nodes nest the revert bytes one level deeper: {"data": {"data": "0x..."}}.
  if (data != nullptr && data->is_object()) data = optional_member(*data, "data");
  if (data == nullptr || !data->is_string()) return std::nullopt;
  try {
    return from_hex(data->get_ref<const std::string&>());
  } catch (const ParseError&) {
    return std::nullopt;  // a text message rather than bytes; the message already says it
  }
}

// A short, printable excerpt of an untrusted reply for error messages.
std::string snippet(std::string_view body) {
  std::string out;
  for (const char c : body.substr(0, kSnippetLength)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  if (body.size() > kSnippetLength) out += "...";
  return out;
}

void check_envelope_id(const json& reply, std::uint64_t expected_id, const Where& where) {
  const json* id = optional_member(reply, "id");
  if (id == nullptr) return;  // error replies to unparsable requests carry a null id
  if (!id->is_number_unsigned() || id->get<std::uint64_t>() != expected_id) {
    where.child("id").fail("is " + id->dump() + ", expected " + std::to_string(expected_id));
  }
}

[[noreturn]] void throw_rpc_error(const json& error, std::string_view method) {
  const Where where(method, "error");
  require_object(error, where);
  const json& code = member(error, "code", where);
  if (!code.is_number_integer()) where.child("error.code").fail(type_problem(code, "an integer"));
  const json* message = optional_member(error, "message");
  if (message != nullptr && !message->is_string()) where.child("error.message").fail(type_problem(*message, "a string"));
  throw RpcError(std::string(method), code.get<std::int64_t>(),
                 message != nullptr ? message->get<std::string>() : std::string("(no message)"), error_data(error));
}

std::vector<Hash256> topics(const json& object, const Where& where) {
  const json& list = array_member(object, "topics", where);
  if (list.size() > kMaxTopics) where.child("topics").fail("has " + std::to_string(list.size()) + " entries, at most 4 allowed");
  std::vector<Hash256> out;
  for (const json& topic : list) out.push_back(fixed<32>(topic, where.child("topics")));
  return out;
}

std::vector<Hash256> block_transaction_hashes(const json& block, const Where& where) {
  const json* list = optional_member(block, "transactions");
  if (list == nullptr) return {};
  if (!list->is_array()) where.child("transactions").fail(type_problem(*list, "an array"));
  std::vector<Hash256> out;
  for (const json& entry : *list) {
    // Hashes only, or full transaction objects when requested with `true`.
    const json& hash = entry.is_object() ? member(entry, "hash", where) : entry;
    out.push_back(fixed<32>(hash, where.child("transactions")));
  }
  return out;
}

}  // namespace

RpcError::RpcError(std::string method, std::int64_t code, std::string message, std::optional<Bytes> data)
    : Error(method + ": RPC error " + std::to_string(code) + ": " + message +
            (data && !data->empty() ? " (data " + snippet(to_hex(*data)) + ")" : "")),
      method_(std::move(method)),
      code_(code),
      message_(std::move(message)),
      data_(std::move(data)) {}

bool RpcError::is_revert() const noexcept {
  return code_ == 3 || message_.find("revert") != std::string::npos;
}

json to_json(const CallRequest& call) {
  json out = json::object();
  if (call.from) out["from"] = call.from->lower_hex();
  if (call.to) out["to"] = call.to->lower_hex();
  if (!call.data.empty()) out["data"] = to_hex(call.data);
  if (call.value) out["value"] = call.value->to_hex();
  if (call.gas) out["gas"] = Uint256(*call.gas).to_hex();
  return out;
}

json to_json(const LogFilter& filter) {
  json out = {{"fromBlock", filter.from_block.json()}, {"toBlock", filter.to_block.json()}};
  if (filter.address) out["address"] = filter.address->lower_hex();
  json topic_list = json::array();
  for (const auto& position : filter.topics) {
    if (!position) {
      topic_list.push_back(nullptr);
      continue;
    }
    json any_of = json::array();
    for (const Hash256& topic : *position) any_of.push_back(to_hex(topic));
    topic_list.push_back(any_of.size() == 1 ? any_of[0] : any_of);
  }
  if (!topic_list.empty()) out["topics"] = topic_list;
  return out;
}

json parse_rpc_reply(std::string_view body, std::string_view method, std::uint64_t expected_id) {
  const Where where(method, "");
  json reply = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (reply.is_discarded()) throw ParseError(std::string(method) + ": reply is not JSON: " + snippet(body));
  if (!reply.is_object()) throw ParseError(std::string(method) + ": reply is " + type_problem(reply, "a JSON-RPC object"));
  const json* version = optional_member(reply, "jsonrpc");
  if (version != nullptr && *version != "2.0") where.child("jsonrpc").fail("is " + version->dump() + ", expected \"2.0\"");
  if (const json* error = optional_member(reply, "error")) throw_rpc_error(*error, method);
  check_envelope_id(reply, expected_id, where);
  const auto result = reply.find("result");
  if (result == reply.end()) throw ParseError(std::string(method) + ": reply has neither 'result' nor 'error'");
  return std::move(*result);
}

Uint256 parse_quantity(const json& result, std::string_view context) { return quantity(result, Where(context, "")); }

std::uint64_t parse_quantity_u64(const json& result, std::string_view context) {
  return quantity_u64(result, Where(context, ""));
}

Bytes parse_data(const json& result, std::string_view context) { return data_bytes(result, Where(context, "")); }

Hash256 parse_hash(const json& result, std::string_view context) { return fixed<32>(result, Where(context, "")); }

Log parse_log(const json& result, std::string_view context) {
  const Where where(context, "");
  require_object(result, where);
  Log log;
  log.address = address(member(result, "address", where), where.child("address"));
  log.topics = topics(result, where);
  log.data = data_bytes(member(result, "data", where), where.child("data"));
  log.block_number = quantity_u64(member(result, "blockNumber", where), where.child("blockNumber"));
  log.block_hash = fixed<32>(member(result, "blockHash", where), where.child("blockHash"));
  log.transaction_hash = fixed<32>(member(result, "transactionHash", where), where.child("transactionHash"));
  log.transaction_index = quantity_u64(member(result, "transactionIndex", where), where.child("transactionIndex"));
  log.log_index = quantity_u64(member(result, "logIndex", where), where.child("logIndex"));
  if (const json* removed = optional_member(result, "removed")) {
    if (!removed->is_boolean()) where.child("removed").fail(type_problem(*removed, "a boolean"));
    log.removed = removed->get<bool>();
  }
  return log;
}

std::vector<Log> parse_logs(const json& result, std::string_view context) {
  if (!result.is_array()) Where(context, "").fail(type_problem(result, "an array of logs"));
  std::vector<Log> logs;
  logs.reserve(result.size());
  for (const json& entry : result) logs.push_back(parse_log(entry, context));
  return logs;
}

Receipt parse_receipt(const json& result, std::string_view context) {
  const Where where(context, "");
  require_object(result, where);
  Receipt receipt;
  receipt.transaction_hash = fixed<32>(member(result, "transactionHash", where), where.child("transactionHash"));
  receipt.transaction_index = quantity_u64(member(result, "transactionIndex", where), where.child("transactionIndex"));
  receipt.block_hash = fixed<32>(member(result, "blockHash", where), where.child("blockHash"));
  receipt.block_number = quantity_u64(member(result, "blockNumber", where), where.child("blockNumber"));
  receipt.from = address(member(result, "from", where), where.child("from"));
  receipt.to = optional_address(result, "to", where);
  receipt.contract_address = optional_address(result, "contractAddress", where);
  const std::uint64_t status = quantity_u64(member(result, "status", where), where.child("status"));
  if (status > 1) where.child("status").fail("is " + std::to_string(status) + ", expected 0x0 or 0x1");
  receipt.succeeded = status == 1;
  receipt.gas_used = quantity_u64(member(result, "gasUsed", where), where.child("gasUsed"));
  receipt.cumulative_gas_used =
      quantity_u64(member(result, "cumulativeGasUsed", where), where.child("cumulativeGasUsed"));
  if (const json* price = optional_member(result, "effectiveGasPrice")) {
    receipt.effective_gas_price = quantity(*price, where.child("effectiveGasPrice"));
  }
  const json& logs = array_member(result, "logs", where);
  for (const json& entry : logs) receipt.logs.push_back(parse_log(entry, context));
  return receipt;
}

Block parse_block(const json& result, std::string_view context) {
  const Where where(context, "");
  require_object(result, where);
  Block block;
  if (const json* number = optional_member(result, "number")) block.number = quantity_u64(*number, where.child("number"));
  if (const json* hash = optional_member(result, "hash")) block.hash = fixed<32>(*hash, where.child("hash"));
  block.parent_hash = fixed<32>(member(result, "parentHash", where), where.child("parentHash"));
  block.timestamp = quantity_u64(member(result, "timestamp", where), where.child("timestamp"));
  block.gas_limit = quantity_u64(member(result, "gasLimit", where), where.child("gasLimit"));
  block.gas_used = quantity_u64(member(result, "gasUsed", where), where.child("gasUsed"));
  if (const json* base_fee = optional_member(result, "baseFeePerGas")) {
    block.base_fee_per_gas = quantity(*base_fee, where.child("baseFeePerGas"));
  }
  block.transaction_hashes = block_transaction_hashes(result, where);
  return block;
}

FeeData parse_fee_data(const json& gas_price, const std::optional<json>& priority_fee, const json& latest_block) {
  FeeData fees;
  if (!gas_price.is_null()) fees.gas_price = parse_quantity(gas_price, "eth_gasPrice");
  if (latest_block.is_null()) return fees;
  const Block block = parse_block(latest_block, "eth_getBlockByNumber(latest)");
  if (!block.base_fee_per_gas) return fees;
  fees.max_priority_fee_per_gas =
      priority_fee && !priority_fee->is_null() ? parse_quantity(*priority_fee, "eth_maxPriorityFeePerGas") : kDefaultPriorityFee;
  try {
    fees.max_fee_per_gas = *block.base_fee_per_gas * Uint256(2) + *fees.max_priority_fee_per_gas;
  } catch (const Error&) {
    throw ParseError("eth_getBlockByNumber(latest): baseFeePerGas is too large to build maxFeePerGas");
  }
  return fees;
}

}  // namespace zg::eth
