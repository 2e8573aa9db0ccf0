#pragma once
// FineTuningServing (SDK 0.9.0 ABI; protocol-finetune.md §2), the customer side: services with
// their quota, price, occupancy and models; the user's sub-account with its refunds and
// deliverables; the user-level TEE-signer acknowledgement; deliverables and their
// acknowledgement. Reverts arrive as ContractRevert with the decoded error
// ("FineTuningServing.acknowledgeDeliverable reverted: CannotAcknowledgeSettledDeliverable(id=...)").
#include <optional>
#include <string>
#include <vector>

#include "contracts/contract.hpp"
#include "contracts/inference_serving.hpp"  // Refund

namespace zg::contracts {

struct FinetuneQuota {
  eth::Uint256 cpu_count;
  eth::Uint256 node_memory;
  eth::Uint256 gpu_count;
  eth::Uint256 node_storage;
  std::string gpu_type;
};

struct FinetuneService {
  eth::Address provider;
  std::string url;
  FinetuneQuota quota;
  eth::Uint256 price_per_token;  // neuron per token (informational: the broker prices from its config)
  bool occupied = false;
  std::vector<std::string> models;  // non-empty: the provider also offers customized models (GET /v1/model)
  eth::Address tee_signer_address;
  bool tee_signer_acknowledged = false;
};

struct Deliverable {
  std::string id;             // the broker's task UUID
  Bytes model_root_hash;      // see finetune/model_root.hpp for its three forms
  Bytes encrypted_secret;     // empty until settlement released the key (and forever on the penalty path)
  bool acknowledged = false;
  eth::Uint256 timestamp;     // block time of addDeliverable
  bool settled = false;

  bool has_secret() const noexcept { return !encrypted_secret.empty(); }
};

struct FinetuneAccount {
  eth::Address user;
  eth::Address provider;
  eth::Uint256 nonce;  // the last SETTLED task nonce: the next task's must be greater
  eth::Uint256 balance;
  eth::Uint256 pending_refund;
  std::vector<Refund> refunds;  // only the first valid_refunds_length are live
  std::string additional_info;
  std::vector<Deliverable> deliverables;  // the contract's ring buffer, in storage order
  eth::Uint256 valid_refunds_length;
  eth::Uint256 deliverables_head;
  eth::Uint256 deliverables_count;
  bool acknowledged = false;  // the user accepts this provider's TEE signer

  std::vector<Refund> live_refunds() const;
  eth::Uint256 available() const;  // balance - pendingRefund: what a task's fee may use
};

class FinetuneServing {
 public:
  FinetuneServing(eth::RpcClient& rpc, eth::Address address) : contract_(rpc, address, "FineTuningServing") {}
  const eth::Address& address() const noexcept { return contract_.address(); }

  std::optional<FinetuneService> get_service(const eth::Address& provider) const;  // none: not registered
  std::vector<FinetuneService> get_all_services() const;
  std::optional<FinetuneAccount> get_account(const eth::Address& user, const eth::Address& provider) const;
  bool account_exists(const eth::Address& user, const eth::Address& provider) const;
  // none: DeliverableNotExists (or no account).
  std::optional<Deliverable> get_deliverable(const eth::Address& user, const eth::Address& provider,
                                             const std::string& id) const;
  std::vector<Deliverable> get_deliverables(const eth::Address& user, const eth::Address& provider) const;  // chronological
  std::uint64_t lock_time() const;
  std::uint64_t penalty_percentage() const;

  eth::Receipt acknowledge_tee_signer(eth::TxSender& user, const eth::Address& provider, bool acknowledged) const;
  eth::Receipt acknowledge_deliverable(eth::TxSender& user, const eth::Address& provider, const std::string& id) const;

 private:
  Contract contract_;
};

}  // namespace zg::contracts
