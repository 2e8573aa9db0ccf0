#pragma once
// The provider's side of FineTuningServing (SDK 0.9.0 ABI), through the generic Contract and
// human-readable signatures: register the service, read accounts and deliverables, add a
// deliverable, settle fees with the TEE's EIP-712 signature (protocol-finetune.md §2, §3 steps
// 10-12). Reverts come back as contracts::ContractRevert naming the custom error.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "contracts/contract.hpp"
#include "crypto/secp256k1.hpp"

namespace zg::finetune_sim {

struct Quota {
  std::uint64_t cpu_count = 8, node_memory = 64, gpu_count = 1, node_storage = 512;
  std::string gpu_type = "H100 (simulated)";
};

struct ServiceInfo {
  eth::Address provider;
  std::string url;
  eth::Uint256 price_per_token;
  bool occupied = false;
  std::vector<std::string> models;
  eth::Address tee_signer;
  bool tee_signer_acknowledged = false;
};

struct DeliverableInfo {
  std::string id;
  Bytes model_root_hash;
  Bytes encrypted_secret;
  bool acknowledged = false;
  std::uint64_t timestamp = 0;
  bool settled = false;
};

struct AccountInfo {
  eth::Address user, provider;
  eth::Uint256 nonce, balance, pending_refund;
  bool acknowledged = false;
  std::vector<DeliverableInfo> deliverables;
};

// settleFees' VerifierInput (FineTuningVerifier.sol), signature excluded.
struct VerifierMessage {
  std::string id;
  Bytes encrypted_secret;  // empty on the penalty path
  Bytes model_root_hash;
  eth::Uint256 nonce;
  eth::Uint256 task_fee;
  eth::Address user;
};

// The EIP-712 digest the contract verifies: domain {name "0G Fine-Tuning Serving", version "1",
// chainId, verifyingContract}, VerifierMessage(string id,bytes encryptedSecret,bytes modelRootHash,
// uint256 nonce,uint256 taskFee,address user).
Hash256 settlement_digest(const VerifierMessage& message, std::uint64_t chain_id, const eth::Address& contract);
// r || s || v with v = 27/28 (OpenZeppelin's ECDSA.tryRecover refuses 0/1).
Bytes sign_settlement(const VerifierMessage& message, std::uint64_t chain_id, const eth::Address& contract,
                      const crypto::PrivateKey& tee_key);

class FinetuneChain {
 public:
  FinetuneChain(eth::RpcClient& rpc, eth::Address contract);

  const eth::Address& address() const noexcept { return contract_.address(); }

  std::optional<ServiceInfo> get_service(const eth::Address& provider) const;
  std::optional<AccountInfo> get_account(const eth::Address& user, const eth::Address& provider) const;
  std::optional<DeliverableInfo> get_deliverable(const eth::Address& user, const eth::Address& provider,
                                                 const std::string& id) const;
  std::uint64_t lock_time() const;
  std::uint64_t penalty_percentage() const;
  eth::Uint256 min_provider_stake() const;

  void add_or_update_service(eth::TxSender& provider, const std::string& url, const Quota& quota,
                             const eth::Uint256& price_per_token, bool occupied, const std::vector<std::string>& models,
                             const eth::Address& tee_signer, const eth::Uint256& stake) const;
  void acknowledge_tee_signer_by_owner(eth::TxSender& owner, const eth::Address& provider) const;
  // Returns the block timestamp of the transaction (the deliverable's on-chain time).
  std::uint64_t add_deliverable(eth::TxSender& provider, const eth::Address& user, const std::string& id,
                                ByteSpan model_root_hash) const;
  eth::Receipt settle_fees(eth::TxSender& provider, const VerifierMessage& message, ByteSpan signature) const;

 private:
  eth::RpcClient& rpc_;
  contracts::Contract contract_;
};

}  // namespace zg::finetune_sim
