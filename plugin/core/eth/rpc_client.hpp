#pragma once
// A JSON-RPC client for an Ethereum node over HTTP(S). One keep-alive connection is reused; calls
// are serialized by a mutex, so one client may be shared between threads.
// Failures: node-side JSON-RPC errors throw RpcError (with revert data), transport failures throw
// IoError naming the endpoint (scheme, host and port only: paths and credentials are never shown,
// since RPC providers put API keys there), malformed replies throw ParseError.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "eth/rpc_types.hpp"

namespace httplib {
class Client;
}

namespace zg::eth {

struct RpcOptions {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds read_timeout{30000};
  std::size_t max_reply_bytes = 32u << 20;
  // Extra request headers, e.g. {"Authorization", "Bearer ..."}. Never logged or put in errors.
  std::vector<std::pair<std::string, std::string>> headers{};
};

// Raised by wait_for_receipt when no receipt appears in time.
class ReceiptTimeout : public IoError {
 public:
  ReceiptTimeout(const Hash256& hash, std::chrono::milliseconds waited);
  const Hash256& transaction_hash() const noexcept { return hash_; }

 private:
  Hash256 hash_;
};

class RpcClient {
 public:
  // `url` is http(s)://host[:port][/path]; a bad URL is a UsageError.
  explicit RpcClient(std::string_view url, RpcOptions options = {});
  ~RpcClient();
  RpcClient(const RpcClient&) = delete;
  RpcClient& operator=(const RpcClient&) = delete;

  // The endpoint as it may appear in messages: scheme://host:port, plus "/..." when a path was given.
  const std::string& display_url() const noexcept { return display_url_; }

  // One JSON-RPC call; returns `result` (possibly null).
  nlohmann::json request(std::string_view method, nlohmann::json params = nlohmann::json::array());

  std::uint64_t chain_id();
  std::uint64_t block_number();
  Uint256 get_balance(const Address& account, const BlockTag& block = BlockTag::latest());
  std::uint64_t get_transaction_count(const Address& account, const BlockTag& block = BlockTag::pending());
  Bytes get_code(const Address& account, const BlockTag& block = BlockTag::latest());
  Bytes call(const CallRequest& call, const BlockTag& block = BlockTag::latest());
  std::uint64_t estimate_gas(const CallRequest& call);

  Uint256 gas_price();
  std::optional<Uint256> max_priority_fee_per_gas();  // none when the node lacks the method
  FeeData fee_data();
  std::optional<Block> get_block_by_number(const BlockTag& block);

  Hash256 send_raw_transaction(ByteSpan raw);
  std::optional<Receipt> get_transaction_receipt(const Hash256& hash);
  // Polls every `poll_interval` until the receipt exists; ReceiptTimeout after `timeout`.
  Receipt wait_for_receipt(const Hash256& hash, std::chrono::milliseconds timeout,
                           std::chrono::milliseconds poll_interval = std::chrono::milliseconds(100));
  std::vector<Log> get_logs(const LogFilter& filter);

  // anvil / hardhat development methods.
  void evm_increase_time(std::uint64_t seconds);
  void evm_mine();
  void anvil_set_balance(const Address& account, const Uint256& balance);

 private:
  std::string post(std::string_view method, const std::string& body);

  std::string path_;
  std::string display_url_;
  RpcOptions options_;
  std::atomic<std::uint64_t> next_id_{1};
  std::mutex mutex_;  // guards client_: httplib clients are not thread-safe
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace zg::eth
