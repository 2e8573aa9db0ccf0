#pragma once
// InferenceServing (SDK 0.9.0 ABI, ../shared/vectors/inference-abi-signatures.txt): services,
// user sub-accounts, token revocation, and the provider/owner operations the devnet and the
// provider simulator need (addOrUpdateService, acknowledgeTEESignerByOwner, settleFeesWithTEE).
#include <optional>
#include <string>
#include <vector>

#include "contracts/contract.hpp"
#include "crypto/secp256k1.hpp"

namespace zg::contracts {

struct InferenceService {
  eth::Address provider;
  std::string service_type;  // "chatbot", ...
  std::string url;
  eth::Uint256 input_price;   // neuron per token
  eth::Uint256 output_price;  // neuron per token
  eth::Uint256 updated_at;
  std::string model;
  std::string verifiability;    // "TeeML", ...
  std::string additional_info;  // JSON text
  eth::Address tee_signer_address;
  bool tee_signer_acknowledged = false;
};

struct Refund {
  eth::Uint256 index;
  eth::Uint256 amount;
  eth::Uint256 created_at;  // unix seconds
  bool processed = false;
};

struct InferenceAccount {
  eth::Address user;
  eth::Address provider;
  eth::Uint256 nonce;
  eth::Uint256 balance;
  eth::Uint256 pending_refund;
  std::vector<Refund> refunds;  // only the first valid_refunds_length are live
  std::string additional_info;
  bool acknowledged = false;
  eth::Uint256 valid_refunds_length;
  eth::Uint256 generation;
  eth::Uint256 revoked_bitmap;

  std::vector<Refund> live_refunds() const;
};

// addOrUpdateService's struct argument, in ABI order.
struct ServiceParams {
  std::string service_type = "chatbot";
  std::string url;
  std::string model;
  std::string verifiability = "TeeML";
  eth::Uint256 input_price;
  eth::Uint256 output_price;
  std::string additional_info = "{}";
  eth::Address tee_signer_address;
};

// settleFeesWithTEE's element: signed by the service's TEE signer with EIP-712 (see
// tee_settlement_digest).
struct TeeSettlement {
  eth::Address user;
  eth::Address provider;
  eth::Uint256 total_fee;
  Hash256 requests_hash{};
  eth::Uint256 nonce;
  Bytes signature;  // 65 bytes r || s || v (v = 27/28)
};

// The contract's SettlementStatus enum, as TEESettlementResult logs carry it. no_tee_signer also
// covers "the user has not acknowledged" and "the owner has not acknowledged the TEE signer".
enum class SettlementStatus : std::uint8_t { success = 0, partial = 1, provider_mismatch = 2, no_tee_signer = 3,
                                             invalid_nonce = 4, invalid_signature = 5, other = 255 };
const char* settlement_status_name(SettlementStatus status) noexcept;  // "SUCCESS", "INVALID_NONCE", ...

// One TEESettlementResult log: the status and what stayed unpaid (the whole fee on failure).
struct SettlementResult {
  eth::Address user;
  SettlementStatus status = SettlementStatus::other;
  eth::Uint256 unsettled_amount;
};

class InferenceServing {
 public:
  InferenceServing(eth::RpcClient& rpc, eth::Address address) : contract_(rpc, address, "InferenceServing") {}
  const eth::Address& address() const noexcept { return contract_.address(); }

  // Reads.
  std::optional<InferenceService> get_service(const eth::Address& provider) const;  // none: not registered
  // Every page of getAllServices (limit 50 per call, as the contract allows).
  std::vector<InferenceService> get_all_services() const;
  std::optional<InferenceAccount> get_account(const eth::Address& user, const eth::Address& provider) const;  // none: AccountNotExists
  std::uint64_t lock_time() const;
  eth::Uint256 min_provider_stake() const;  // MIN_PROVIDER_STAKE (100 0G)
  bool is_token_revoked(const eth::Address& user, const eth::Address& provider, std::uint8_t token_id) const;

  // User transactions.
  eth::Receipt acknowledge_tee_signer(eth::TxSender& user, const eth::Address& provider, bool acknowledged) const;
  eth::Receipt revoke_token(eth::TxSender& user, const eth::Address& provider, std::uint8_t token_id) const;
  eth::Receipt revoke_tokens(eth::TxSender& user, const eth::Address& provider, const std::vector<std::uint8_t>& ids) const;
  eth::Receipt revoke_all_tokens(eth::TxSender& user, const eth::Address& provider) const;

  // Provider and owner transactions (devnet, provider simulator).
  eth::Receipt add_or_update_service(eth::TxSender& provider, const ServiceParams& params, const eth::Uint256& stake) const;
  eth::Receipt acknowledge_tee_signer_by_owner(eth::TxSender& owner, const eth::Address& provider) const;
  // Sends settleFeesWithTEE; returns one status per settlement, in batch order, from the
  // TEESettlementResult logs (the contract emits one per settlement; Error when they do not match).
  std::vector<SettlementStatus> settle_fees_with_tee(eth::TxSender& provider, const std::vector<TeeSettlement>& batch) const;
  // The same with the unsettled amounts.
  std::vector<SettlementResult> settle_fees_with_tee_detailed(eth::TxSender& provider,
                                                              const std::vector<TeeSettlement>& batch) const;

 private:
  Contract contract_;
};

// The EIP-712 digest the TEE signer signs for one settlement: domain {name "0G Inference Serving",
// version "1", chainId, verifyingContract = the InferenceServing proxy}, type
// TEESettlement(bytes32 requestsHash,uint256 nonce,address provider,address user,uint256 totalFee).
Hash256 tee_settlement_digest(std::uint64_t chain_id, const eth::Address& inference_contract, const TeeSettlement& s);
// Fills s.signature with the TEE signer's signature over tee_settlement_digest (v = 27/28).
void sign_tee_settlement(TeeSettlement& s, std::uint64_t chain_id, const eth::Address& inference_contract,
                         const crypto::PrivateKey& tee_signer);

// The API-key token ids 0..254 (bit i of revokedBitmap = id i revoked).
bool token_id_revoked(const eth::Uint256& revoked_bitmap, std::uint8_t token_id);
// The lowest id in 0..254 whose bit is clear, as the SDK's createApiKey picks; none when all are revoked.
std::optional<std::uint8_t> lowest_free_token_id(const eth::Uint256& revoked_bitmap);

}  // namespace zg::contracts
