#pragma once
// Sends transactions from one account: fills in nonce, gas and fees, signs, sends, and optionally
// waits for the receipt. Nonces are tracked locally so that many transactions can go out back to
// back without waiting; use one TxSender per account (it may be shared between threads).
//
//   eth::RpcClient rpc("http://127.0.0.1:8545");
//   eth::TxSender sender(rpc, key, rpc.chain_id());
//   auto deployed = sender.send_and_wait({.data = init_code});         // deploy
//   auto receipt = sender.send_and_wait({.to = *deployed.contract_address, .data = calldata, .value = 1});
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

#include "crypto/secp256k1.hpp"
#include "eth/rpc_client.hpp"
#include "eth/transaction.hpp"

namespace zg::eth {

struct TxRequest {
  std::optional<Address> to{};               // none: contract creation with `data` as init code
  Bytes data{};
  Uint256 value{};
  std::optional<std::uint64_t> gas_limit{};  // none: eth_estimateGas plus the sender's margin
  // Like ethers: a gas price alone becomes a type 2 transaction with maxFeePerGas =
  // maxPriorityFeePerGas = gas_price on EIP-1559 chains, and a legacy one elsewhere.
  std::optional<Uint256> gas_price{};
  std::optional<TxType> type{};              // force a type; none: type 2 when the chain supports it
};

// A mined transaction with status 0. `revert_data` holds the revert bytes when replaying the call
// at the receipt's block reproduced the revert; decode them with the ABI revert decoder.
class TxFailedError : public Error {
 public:
  TxFailedError(Receipt receipt, std::optional<Bytes> revert_data, const std::string& reason);
  const Hash256& transaction_hash() const noexcept { return receipt_.transaction_hash; }
  const Receipt& receipt() const noexcept { return receipt_; }
  const std::optional<Bytes>& revert_data() const noexcept { return revert_data_; }

 private:
  Receipt receipt_;
  std::optional<Bytes> revert_data_;
};

struct TxSenderOptions {
  unsigned gas_margin_percent = 20;  // added to eth_estimateGas
  std::chrono::milliseconds receipt_timeout{300000};  // the official SDK waits 300 s
  std::chrono::milliseconds poll_interval{100};
};

class TxSender {
 public:
  // `rpc` must outlive the sender. The key is copied (into wiped storage).
  TxSender(RpcClient& rpc, const crypto::PrivateKey& key, std::uint64_t chain_id, TxSenderOptions options = {});

  const Address& address() const noexcept { return address_; }

  // Fills in gas and fees (not the nonce) the way send() would.
  Transaction populate(const TxRequest& request);
  // Signs and sends with the next nonce; returns the transaction hash without waiting.
  Hash256 send(const TxRequest& request);
  // Waits for a receipt; throws TxFailedError for status 0 and ReceiptTimeout after the timeout.
  // With the request, a failure replays the call at the receipt's block to recover the revert data.
  Receipt wait(const Hash256& hash, const TxRequest& request);
  Receipt wait(const Hash256& hash);
  Receipt send_and_wait(const TxRequest& request) { return wait(send(request), request); }

  // Forgets the local nonce; the next send asks the node again (after transactions sent elsewhere).
  void resync_nonce();

 private:
  Hash256 send_locked(Transaction& tx);
  std::uint64_t next_nonce_locked();
  void apply_fees(Transaction& tx, const TxRequest& request);
  Receipt wait_impl(const Hash256& hash, const TxRequest* request);
  std::optional<Bytes> replay_revert(const Receipt& receipt, const TxRequest& request, std::string& reason);

  RpcClient& rpc_;
  crypto::PrivateKey key_;
  Address address_;
  std::uint64_t chain_id_;
  TxSenderOptions options_;
  std::mutex nonce_mutex_;  // held from nonce choice to accepted send, so nonces go out in order
  std::optional<std::uint64_t> next_nonce_;
};

}  // namespace zg::eth
