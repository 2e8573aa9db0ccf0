#pragma once
// Ethereum JSON-RPC data types and the parsers that turn untrusted replies into them.
// Every parser works on JSON alone (no network), so tests and fuzzers can call it directly, and
// rejects bad input with a ParseError naming the method and field, e.g.
//   "eth_getTransactionReceipt: field 'status' is a number, expected a hex string".
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/bytes.hpp"
#include "common/error.hpp"
#include "eth/address.hpp"
#include "eth/uint256.hpp"

namespace zg::eth {

// A JSON-RPC error object from the node. For reverts (anvil, geth: code 3, "execution reverted")
// `data` holds the raw revert bytes, which callers decode (Error(string), custom errors).
class RpcError : public Error {
 public:
  RpcError(std::string method, std::int64_t code, std::string message, std::optional<Bytes> data);

  const std::string& method() const noexcept { return method_; }
  std::int64_t code() const noexcept { return code_; }
  const std::string& rpc_message() const noexcept { return message_; }
  const std::optional<Bytes>& data() const noexcept { return data_; }
  bool is_revert() const noexcept;

 private:
  std::string method_;
  std::int64_t code_;
  std::string message_;
  std::optional<Bytes> data_;
};

// "latest", "pending", "earliest", "safe", "finalized" or a block number.
class BlockTag {
 public:
  static BlockTag latest() { return BlockTag("latest"); }
  static BlockTag pending() { return BlockTag("pending"); }
  static BlockTag earliest() { return BlockTag("earliest"); }
  static BlockTag number(std::uint64_t n) { return BlockTag(Uint256(n).to_hex()); }
  const std::string& json() const noexcept { return text_; }

 private:
  explicit BlockTag(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

// Parameters of eth_call and eth_estimateGas.
struct CallRequest {
  std::optional<Address> from{};
  std::optional<Address> to{};  // none: contract creation
  Bytes data{};
  std::optional<Uint256> value{};
  std::optional<std::uint64_t> gas{};
};
nlohmann::json to_json(const CallRequest& call);

struct Log {
  Address address;
  std::vector<Hash256> topics;
  Bytes data{};
  std::uint64_t block_number = 0;
  Hash256 block_hash{};
  Hash256 transaction_hash{};
  std::uint64_t transaction_index = 0;
  std::uint64_t log_index = 0;
  bool removed = false;
};

struct Receipt {
  Hash256 transaction_hash{};
  std::uint64_t transaction_index = 0;
  Hash256 block_hash{};
  std::uint64_t block_number = 0;
  Address from;
  std::optional<Address> to{};
  std::optional<Address> contract_address;  // set for contract creations
  bool succeeded = false;                   // status == 1
  std::uint64_t gas_used = 0;
  std::uint64_t cumulative_gas_used = 0;
  std::optional<Uint256> effective_gas_price;
  std::vector<Log> logs;
};

struct Block {
  std::optional<std::uint64_t> number;  // none for a pending block
  std::optional<Hash256> hash;          // none for a pending block
  Hash256 parent_hash{};
  std::uint64_t timestamp = 0;
  std::uint64_t gas_limit = 0;
  std::uint64_t gas_used = 0;
  std::optional<Uint256> base_fee_per_gas;  // present on EIP-1559 chains
  std::vector<Hash256> transaction_hashes;
};

// Fee data the way ethers v6 getFeeData() builds it: gasPrice from eth_gasPrice; when the latest
// block has baseFeePerGas, maxPriorityFeePerGas from eth_maxPriorityFeePerGas (1 gwei when the node
// lacks it) and maxFeePerGas = 2 * baseFeePerGas + maxPriorityFeePerGas.
struct FeeData {
  std::optional<Uint256> gas_price{};
  std::optional<Uint256> max_fee_per_gas;
  std::optional<Uint256> max_priority_fee_per_gas;
  bool supports_eip1559() const noexcept { return max_fee_per_gas && max_priority_fee_per_gas; }
};

struct LogFilter {
  std::optional<Address> address{};
  // Position i matches topic i; none is a wildcard; several values mean "any of".
  std::vector<std::optional<std::vector<Hash256>>> topics{};
  BlockTag from_block = BlockTag::earliest();
  BlockTag to_block = BlockTag::latest();
};
nlohmann::json to_json(const LogFilter& filter);

// Checks a JSON-RPC 2.0 reply envelope and returns its `result` (which may be null).
// A reply carrying an error object throws RpcError; anything malformed throws ParseError.
nlohmann::json parse_rpc_reply(std::string_view body, std::string_view method, std::uint64_t expected_id);

// Parsers of `result` values. `context` names the method in error messages.
Receipt parse_receipt(const nlohmann::json& result, std::string_view context = "eth_getTransactionReceipt");
Log parse_log(const nlohmann::json& result, std::string_view context = "eth_getLogs");
std::vector<Log> parse_logs(const nlohmann::json& result, std::string_view context = "eth_getLogs");
Block parse_block(const nlohmann::json& result, std::string_view context = "eth_getBlockByNumber");
Uint256 parse_quantity(const nlohmann::json& result, std::string_view context);
std::uint64_t parse_quantity_u64(const nlohmann::json& result, std::string_view context);
Bytes parse_data(const nlohmann::json& result, std::string_view context);
Hash256 parse_hash(const nlohmann::json& result, std::string_view context);
// `priority_fee` is the eth_maxPriorityFeePerGas result, or none when the node does not offer it.
FeeData parse_fee_data(const nlohmann::json& gas_price, const std::optional<nlohmann::json>& priority_fee,
                       const nlohmann::json& latest_block);

}  // namespace zg::eth
