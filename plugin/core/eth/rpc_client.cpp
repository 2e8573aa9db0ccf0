#include "eth/rpc_client.hpp"

#include <httplib.h>

#include <thread>

#include "common/hex.hpp"
#include "common/secret.hpp"
#include "common/text.hpp"

namespace zg::eth {
namespace {

using nlohmann::json;

struct ParsedUrl {
  std::string scheme_host_port;  // what httplib::Client takes
  std::string path;              // path and query, at least "/"
  std::string user;              // basic auth, from user:password@host
  std::string password;
  std::string display;           // safe to show: no credentials, no path
};

std::string lower(std::string_view text) { return ascii_lower(text); }

void split_user_info(std::string_view user_info, ParsedUrl& url) {
  const auto colon = user_info.find(':');
  url.user = std::string(user_info.substr(0, colon));
  if (colon != std::string_view::npos) url.password = std::string(user_info.substr(colon + 1));
}

ParsedUrl parse_url(std::string_view text) {
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) throw UsageError("RPC URL must start with http:// or https://");
  const std::string scheme = lower(text.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") throw UsageError("RPC URL scheme '" + scheme + "' is not http or https");
#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
  if (scheme == "https") throw UsageError("this build has no HTTPS support for RPC URLs (ZG_TLS=openssl enables it)");
#endif
  std::string_view rest = text.substr(scheme_end + 3);
  const auto authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  ParsedUrl url;
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    split_user_info(authority.substr(0, at), url);
    authority.remove_prefix(at + 1);
  }
  if (authority.empty()) throw UsageError("RPC URL has no host");
  url.scheme_host_port = scheme + "://" + std::string(authority);
  url.display = url.scheme_host_port;
  std::string path = authority_end == std::string_view::npos ? "/" : std::string(rest.substr(authority_end));
  if (const auto hash = path.find('#'); hash != std::string::npos) path.erase(hash);
  if (path.empty() || path[0] != '/') path.insert(0, "/");
  url.path = path;
  if (path != "/") url.display += "/...";
  return url;
}

std::pair<time_t, time_t> seconds_and_micros(std::chrono::milliseconds duration) {
  return {static_cast<time_t>(duration.count() / 1000), static_cast<time_t>((duration.count() % 1000) * 1000)};
}

std::string describe_status(int status) {
  switch (status) {
    case 401: return "HTTP 401 Unauthorized (check the RPC credentials)";
    case 403: return "HTTP 403 Forbidden";
    case 404: return "HTTP 404 Not Found (check the RPC URL path)";
    case 429: return "HTTP 429 Too Many Requests (rate limited)";
    default: return "HTTP " + std::to_string(status);
  }
}

}  // namespace

ReceiptTimeout::ReceiptTimeout(const Hash256& hash, std::chrono::milliseconds waited)
    : IoError("transaction " + to_hex(hash) + " has no receipt after " + std::to_string(waited.count()) +
              " ms; it may still be pending or it was never accepted"),
      hash_(hash) {}

RpcClient::RpcClient(std::string_view url, RpcOptions options) : options_(std::move(options)) {
  ParsedUrl parsed = parse_url(url);
  path_ = std::move(parsed.path);
  display_url_ = std::move(parsed.display);
  try {
    client_ = std::make_unique<httplib::Client>(parsed.scheme_host_port);
  } catch (const std::exception&) {
    throw UsageError("RPC URL " + display_url_ + " is not valid");
  }
  if (!client_->is_valid()) throw UsageError("RPC URL " + display_url_ + " is not valid");
  client_->set_keep_alive(true);
  client_->set_tcp_nodelay(true);  // small JSON requests; without it Nagle adds ~40 ms per call
  const auto [connect_s, connect_us] = seconds_and_micros(options_.connect_timeout);
  client_->set_connection_timeout(connect_s, connect_us);
  const auto [read_s, read_us] = seconds_and_micros(options_.read_timeout);
  client_->set_read_timeout(read_s, read_us);
  client_->set_write_timeout(read_s, read_us);
  if (!parsed.user.empty()) client_->set_basic_auth(parsed.user.c_str(), parsed.password.c_str());
  secure_wipe(parsed.password.data(), parsed.password.size());
}

RpcClient::~RpcClient() = default;

std::string RpcClient::post(std::string_view method, const std::string& body) {
  httplib::Request request;
  request.method = "POST";
  request.path = path_;
  request.body = body;
  request.set_header("Content-Type", "application/json");
  request.set_header("Accept", "application/json");
  for (const auto& [name, value] : options_.headers) request.set_header(name.c_str(), value.c_str());
  std::string reply;
  bool too_large = false;
  request.content_receiver = [&](const char* data, std::size_t size, std::uint64_t, std::uint64_t) {
    too_large = reply.size() + size > options_.max_reply_bytes;
    if (!too_large) reply.append(data, size);
    return !too_large;
  };
  const std::string context = std::string(method) + " to " + display_url_;
  std::lock_guard lock(mutex_);
  const httplib::Result result = client_->send(request);
  if (too_large) throw IoError(context + ": reply larger than " + std::to_string(options_.max_reply_bytes) + " bytes");
  if (!result) throw IoError(context + " failed: " + httplib::to_string(result.error()));
  if (result->status < 200 || result->status >= 300) throw IoError(context + " failed: " + describe_status(result->status));
  return reply;
}

json RpcClient::request(std::string_view method, json params) {
  const std::uint64_t id = next_id_++;
  const json envelope = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
  return parse_rpc_reply(post(method, envelope.dump()), method, id);
}

std::uint64_t RpcClient::chain_id() { return parse_quantity_u64(request("eth_chainId"), "eth_chainId"); }

std::uint64_t RpcClient::block_number() { return parse_quantity_u64(request("eth_blockNumber"), "eth_blockNumber"); }

Uint256 RpcClient::get_balance(const Address& account, const BlockTag& block) {
  return parse_quantity(request("eth_getBalance", json::array({account.lower_hex(), block.json()})), "eth_getBalance");
}

std::uint64_t RpcClient::get_transaction_count(const Address& account, const BlockTag& block) {
  return parse_quantity_u64(request("eth_getTransactionCount", json::array({account.lower_hex(), block.json()})),
                            "eth_getTransactionCount");
}

Bytes RpcClient::get_code(const Address& account, const BlockTag& block) {
  return parse_data(request("eth_getCode", json::array({account.lower_hex(), block.json()})), "eth_getCode");
}

Bytes RpcClient::call(const CallRequest& call, const BlockTag& block) {
  return parse_data(request("eth_call", json::array({to_json(call), block.json()})), "eth_call");
}

std::uint64_t RpcClient::estimate_gas(const CallRequest& call) {
  return parse_quantity_u64(request("eth_estimateGas", json::array({to_json(call)})), "eth_estimateGas");
}

Uint256 RpcClient::gas_price() { return parse_quantity(request("eth_gasPrice"), "eth_gasPrice"); }

std::optional<Uint256> RpcClient::max_priority_fee_per_gas() {
  try {
    return parse_quantity(request("eth_maxPriorityFeePerGas"), "eth_maxPriorityFeePerGas");
  } catch (const RpcError&) {
    return std::nullopt;  // older nodes lack the method; ethers falls back the same way
  }
}

FeeData RpcClient::fee_data() {
  const json price = request("eth_gasPrice");
  const json block = request("eth_getBlockByNumber", json::array({"latest", false}));
  std::optional<json> priority;
  try {
    priority = request("eth_maxPriorityFeePerGas");
  } catch (const RpcError&) {
    priority.reset();
  }
  return parse_fee_data(price, priority, block);
}

std::optional<Block> RpcClient::get_block_by_number(const BlockTag& block) {
  const json result = request("eth_getBlockByNumber", json::array({block.json(), false}));
  if (result.is_null()) return std::nullopt;
  return parse_block(result, "eth_getBlockByNumber");
}

Hash256 RpcClient::send_raw_transaction(ByteSpan raw) {
  return parse_hash(request("eth_sendRawTransaction", json::array({to_hex(raw)})), "eth_sendRawTransaction");
}

std::optional<Receipt> RpcClient::get_transaction_receipt(const Hash256& hash) {
  const json result = request("eth_getTransactionReceipt", json::array({to_hex(hash)}));
  if (result.is_null()) return std::nullopt;
  return parse_receipt(result, "eth_getTransactionReceipt");
}

Receipt RpcClient::wait_for_receipt(const Hash256& hash, std::chrono::milliseconds timeout,
                                    std::chrono::milliseconds poll_interval) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (auto receipt = get_transaction_receipt(hash)) return std::move(*receipt);
    if (std::chrono::steady_clock::now() + poll_interval > deadline) throw ReceiptTimeout(hash, timeout);
    std::this_thread::sleep_for(poll_interval);
  }
}

std::vector<Log> RpcClient::get_logs(const LogFilter& filter) {
  return parse_logs(request("eth_getLogs", json::array({to_json(filter)})), "eth_getLogs");
}

void RpcClient::evm_increase_time(std::uint64_t seconds) { request("evm_increaseTime", json::array({seconds})); }

void RpcClient::evm_mine() { request("evm_mine"); }

void RpcClient::anvil_set_balance(const Address& account, const Uint256& balance) {
  request("anvil_setBalance", json::array({account.lower_hex(), balance.to_hex()}));
}

}  // namespace zg::eth
