#include "eth/tx_sender.hpp"

#include <string>

#include "common/hex.hpp"

namespace zg::eth {
namespace {

constexpr int kNonceRetries = 3;
constexpr std::size_t kRevertHexInMessage = 200;

bool contains_lowercase(const std::string& text, std::string_view needle) {
  std::string lowered(text);
  for (char& c : lowered) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return lowered.find(needle) != std::string::npos;
}

// The node already has a transaction with this nonce (sent by someone else, or before a restart).
bool is_nonce_too_low(const RpcError& error) {
  return contains_lowercase(error.rpc_message(), "nonce too low") ||
         contains_lowercase(error.rpc_message(), "nonce has already been used");
}

std::string failure_message(const Receipt& receipt, const std::optional<Bytes>& revert_data, const std::string& reason) {
  std::string message = "transaction " + to_hex(receipt.transaction_hash) + " failed (status 0) in block " +
                        std::to_string(receipt.block_number) + " after using " + std::to_string(receipt.gas_used) +
                        " gas";
  if (!reason.empty()) message += ": " + reason;
  if (revert_data && !revert_data->empty()) {
    std::string hex = to_hex(*revert_data);
    if (hex.size() > kRevertHexInMessage) hex = hex.substr(0, kRevertHexInMessage) + "...";
    message += " (revert data " + hex + ")";
  }
  return message;
}

CallRequest call_for(const Address& from, const TxRequest& request) {
  CallRequest call;
  call.from = from;
  call.to = request.to;
  call.data = request.data;
  if (!request.value.is_zero()) call.value = request.value;
  return call;
}

}  // namespace

TxFailedError::TxFailedError(Receipt receipt, std::optional<Bytes> revert_data, const std::string& reason)
    : Error(failure_message(receipt, revert_data, reason)),
      receipt_(std::move(receipt)),
      revert_data_(std::move(revert_data)) {}

TxSender::TxSender(RpcClient& rpc, const crypto::PrivateKey& key, std::uint64_t chain_id, TxSenderOptions options)
    : rpc_(rpc),
      key_(key),
      address_(Address::from_public_key(key.public_key())),
      chain_id_(chain_id),
      options_(options) {}

void TxSender::apply_fees(Transaction& tx, const TxRequest& request) {
  const FeeData fees = rpc_.fee_data();
  const bool use_eip1559 =
      request.type ? *request.type == TxType::eip1559 : fees.supports_eip1559();
  if (!use_eip1559) {
    tx.type = TxType::legacy;
    if (request.gas_price) {
      tx.gas_price = *request.gas_price;
    } else if (fees.gas_price) {
      tx.gas_price = *fees.gas_price;
    } else {
      throw Error("the node at " + rpc_.display_url() + " reports no gas price; set one explicitly");
    }
    return;
  }
  tx.type = TxType::eip1559;
  if (request.gas_price) {
    tx.max_fee_per_gas = tx.max_priority_fee_per_gas = *request.gas_price;
  } else if (fees.supports_eip1559()) {
    tx.max_fee_per_gas = *fees.max_fee_per_gas;
    tx.max_priority_fee_per_gas = *fees.max_priority_fee_per_gas;
  } else if (fees.gas_price) {
    tx.max_fee_per_gas = tx.max_priority_fee_per_gas = *fees.gas_price;
  } else {
    throw Error("the node at " + rpc_.display_url() + " reports no fee data; set a gas price explicitly");
  }
}

Transaction TxSender::populate(const TxRequest& request) {
  Transaction tx;
  tx.chain_id = chain_id_;
  tx.to = request.to;
  tx.data = request.data;
  tx.value = request.value;
  if (request.gas_limit) {
    tx.gas_limit = *request.gas_limit;
  } else {
    const std::uint64_t estimate = rpc_.estimate_gas(call_for(address_, request));
    tx.gas_limit = estimate + estimate / 100 * options_.gas_margin_percent +
                   (estimate % 100) * options_.gas_margin_percent / 100;
  }
  apply_fees(tx, request);
  return tx;
}

std::uint64_t TxSender::next_nonce_locked() {
  if (!next_nonce_) next_nonce_ = rpc_.get_transaction_count(address_, BlockTag::pending());
  return *next_nonce_;
}

Hash256 TxSender::send_locked(Transaction& tx) {
  for (int attempt = 0;; ++attempt) {
    tx.nonce = next_nonce_locked();
    const SignedTransaction signed_tx = sign_transaction(tx, key_);
    const Hash256 hash = signed_tx.hash();
    try {
      const Hash256 reported = rpc_.send_raw_transaction(signed_tx.raw());
      if (reported != hash) {
        throw Error("eth_sendRawTransaction: node reported hash " + to_hex(reported) + " for transaction " + to_hex(hash));
      }
      ++*next_nonce_;
      return hash;
    } catch (const RpcError& error) {
      if (!is_nonce_too_low(error) || attempt + 1 >= kNonceRetries) throw;
      next_nonce_.reset();  // someone else used our nonce: ask the node again and re-sign
    } catch (const IoError&) {
      next_nonce_.reset();  // the send may or may not have arrived; the node knows
      throw;
    }
  }
}

Hash256 TxSender::send(const TxRequest& request) {
  Transaction tx = populate(request);  // network calls outside the lock
  std::lock_guard lock(nonce_mutex_);
  return send_locked(tx);
}

void TxSender::resync_nonce() {
  std::lock_guard lock(nonce_mutex_);
  next_nonce_.reset();
}

std::optional<Bytes> TxSender::replay_revert(const Receipt& receipt, const TxRequest& request, std::string& reason) {
  try {
    rpc_.call(call_for(address_, request), BlockTag::number(receipt.block_number));
    reason = "the call succeeds when replayed, so it probably ran out of gas";
  } catch (const RpcError& error) {
    reason = error.rpc_message();
    return error.data();
  } catch (const Error&) {
    reason.clear();  // the replay is a best effort; the receipt already says it failed
  }
  return std::nullopt;
}

Receipt TxSender::wait_impl(const Hash256& hash, const TxRequest* request) {
  Receipt receipt = rpc_.wait_for_receipt(hash, options_.receipt_timeout, options_.poll_interval);
  if (receipt.succeeded) return receipt;
  std::string reason;
  std::optional<Bytes> revert_data;
  if (request != nullptr) revert_data = replay_revert(receipt, *request, reason);
  throw TxFailedError(std::move(receipt), std::move(revert_data), reason);
}

Receipt TxSender::wait(const Hash256& hash, const TxRequest& request) { return wait_impl(hash, &request); }

Receipt TxSender::wait(const Hash256& hash) { return wait_impl(hash, nullptr); }

}  // namespace zg::eth
