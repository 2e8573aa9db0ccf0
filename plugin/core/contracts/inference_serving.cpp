#include "contracts/inference_serving.hpp"

#include <map>
#include <mutex>

#include "common/hex.hpp"
#include "crypto/eip712.hpp"

namespace zg::contracts {
namespace {

// Tuple layouts as in the SDK 0.9.0 ABI (../shared/vectors/inference-abi-signatures.txt).
#define ZG_SERVICE_TUPLE                                                                                     \
  "(address provider, string serviceType, string url, uint256 inputPrice, uint256 outputPrice, uint256 "    \
  "updatedAt, string model, string verifiability, string additionalInfo, address teeSignerAddress, bool " \
  "teeSignerAcknowledged)"
#define ZG_ACCOUNT_TUPLE                                                                                      \
  "(address user, address provider, uint256 nonce, uint256 balance, uint256 pendingRefund, (uint256 index, " \
  "uint256 amount, uint256 createdAt, bool processed)[] refunds, string additionalInfo, bool acknowledged, "  \
  "uint256 validRefundsLength, uint256 generation, uint256 revokedBitmap)"
#define ZG_SETTLEMENT_TUPLE \
  "(address user, address provider, uint256 totalFee, bytes32 requestsHash, uint256 nonce, bytes signature)"

const eth::Function& fn(const char* signature) {
  // One parse per signature for the process lifetime; the table is small and fixed.
  static std::mutex mutex;
  static std::map<std::string, eth::Function, std::less<>> cache;
  const std::lock_guard lock(mutex);
  auto it = cache.find(signature);
  if (it == cache.end()) it = cache.emplace(signature, eth::Function::parse(signature)).first;
  return it->second;
}

const char* const kGetService = "function getService(address provider) view returns (" ZG_SERVICE_TUPLE " service)";
const char* const kGetAllServices = "function getAllServices(uint256 offset, uint256 limit) view returns (" ZG_SERVICE_TUPLE
                                    "[] services, uint256 total)";
const char* const kGetAccount = "function getAccount(address user, address provider) view returns (" ZG_ACCOUNT_TUPLE ")";
const char* const kLockTime = "function lockTime() view returns (uint256)";
const char* const kMinProviderStake = "function MIN_PROVIDER_STAKE() view returns (uint256)";
const char* const kIsTokenRevoked =
    "function isTokenRevoked(address user, address provider, uint8 tokenId) view returns (bool)";
const char* const kAcknowledgeTeeSigner = "function acknowledgeTEESigner(address provider, bool acknowledged)";
const char* const kRevokeToken = "function revokeToken(address provider, uint8 tokenId)";
const char* const kRevokeTokens = "function revokeTokens(address provider, uint8[] tokenIds)";
const char* const kRevokeAllTokens = "function revokeAllTokens(address provider)";
const char* const kAddOrUpdateService =
    "function addOrUpdateService((string serviceType, string url, string model, string verifiability, uint256 "
    "inputPrice, uint256 outputPrice, string additionalInfo, address teeSignerAddress) params) payable";
const char* const kAcknowledgeByOwner = "function acknowledgeTEESignerByOwner(address provider)";
const char* const kSettle =
    "function settleFeesWithTEE(" ZG_SETTLEMENT_TUPLE "[] settlements) returns (uint8[] statuses)";

#undef ZG_SERVICE_TUPLE
#undef ZG_ACCOUNT_TUPLE
#undef ZG_SETTLEMENT_TUPLE

const eth::Event& settlement_result_event() {
  static const auto e =
      eth::Event::parse("event TEESettlementResult(address indexed user, uint8 status, uint256 unsettledAmount)");
  return e;
}

constexpr std::uint64_t kServicePageLimit = 50;  // the contract's maximum page size

InferenceService to_service(const eth::AbiValue& s) {
  return InferenceService{s["provider"].as_address(),          s["serviceType"].as_string(),
                          s["url"].as_string(),                s["inputPrice"].as_uint(),
                          s["outputPrice"].as_uint(),          s["updatedAt"].as_uint(),
                          s["model"].as_string(),              s["verifiability"].as_string(),
                          s["additionalInfo"].as_string(),     s["teeSignerAddress"].as_address(),
                          s["teeSignerAcknowledged"].as_bool()};
}

InferenceAccount to_account(const eth::AbiValue& a) {
  InferenceAccount account{a["user"].as_address(),    a["provider"].as_address(),
                           a["nonce"].as_uint(),      a["balance"].as_uint(),
                           a["pendingRefund"].as_uint(), {},
                           a["additionalInfo"].as_string(), a["acknowledged"].as_bool(),
                           a["validRefundsLength"].as_uint(), a["generation"].as_uint(),
                           a["revokedBitmap"].as_uint()};
  for (const auto& r : a["refunds"].as_list()) {
    account.refunds.push_back(
        Refund{r["index"].as_uint(), r["amount"].as_uint(), r["createdAt"].as_uint(), r["processed"].as_bool()});
  }
  return account;
}

eth::AbiValue settlement_value(const TeeSettlement& s) {
  return eth::AbiValue(eth::AbiValue::List{s.user, s.provider, s.total_fee, s.requests_hash, s.nonce, s.signature});
}

SettlementStatus status_from_code(const eth::Uint256& code) {
  if (!code.fits_u64() || code.low_u64() > static_cast<std::uint64_t>(SettlementStatus::invalid_signature)) {
    return SettlementStatus::other;
  }
  return static_cast<SettlementStatus>(code.low_u64());
}

}  // namespace

std::vector<Refund> InferenceAccount::live_refunds() const {
  // validRefundsLength bounds the live prefix; the contract reuses the slots behind it.
  const auto live = valid_refunds_length.fits_u64() ? valid_refunds_length.low_u64() : refunds.size();
  const auto n = std::min<std::uint64_t>(live, refunds.size());
  return {refunds.begin(), refunds.begin() + static_cast<std::ptrdiff_t>(n)};
}

const char* settlement_status_name(SettlementStatus status) noexcept {
  switch (status) {
    case SettlementStatus::success: return "SUCCESS";
    case SettlementStatus::partial: return "PARTIAL";
    case SettlementStatus::provider_mismatch: return "PROVIDER_MISMATCH";
    case SettlementStatus::no_tee_signer: return "NO_TEE_SIGNER";
    case SettlementStatus::invalid_nonce: return "INVALID_NONCE";
    case SettlementStatus::invalid_signature: return "INVALID_SIGNATURE";
    case SettlementStatus::other: break;
  }
  return "UNKNOWN";
}

std::optional<InferenceService> InferenceServing::get_service(const eth::Address& provider) const {
  try {
    return to_service(contract_.call(fn(kGetService), {provider})["service"]);
  } catch (const ContractRevert& e) {
    if (e.error_name() == "ServiceNotExist") return std::nullopt;
    throw;
  }
}

std::vector<InferenceService> InferenceServing::get_all_services() const {
  std::vector<InferenceService> services;
  std::uint64_t offset = 0;
  while (true) {
    const auto page = contract_.call(fn(kGetAllServices), {offset, kServicePageLimit});
    const auto& list = page["services"].as_list();
    for (const auto& s : list) services.push_back(to_service(s));
    offset += list.size();
    // An empty page ends the walk even if `total` says otherwise (the set changed under us).
    if (list.empty() || eth::Uint256(offset) >= page["total"].as_uint()) break;
  }
  return services;
}

std::optional<InferenceAccount> InferenceServing::get_account(const eth::Address& user,
                                                              const eth::Address& provider) const {
  try {
    return to_account(contract_.call(fn(kGetAccount), {user, provider})[0]);
  } catch (const ContractRevert& e) {
    if (e.error_name() == "AccountNotExists") return std::nullopt;
    throw;
  }
}

std::uint64_t InferenceServing::lock_time() const { return contract_.call(fn(kLockTime), {})[0].as_u64(); }

eth::Uint256 InferenceServing::min_provider_stake() const {
  return contract_.call(fn(kMinProviderStake), {})[0].as_uint();
}

bool InferenceServing::is_token_revoked(const eth::Address& user, const eth::Address& provider,
                                        std::uint8_t token_id) const {
  return contract_.call(fn(kIsTokenRevoked), {user, provider, token_id})[0].as_bool();
}

eth::Receipt InferenceServing::acknowledge_tee_signer(eth::TxSender& user, const eth::Address& provider,
                                                      bool acknowledged) const {
  return contract_.transact(user, fn(kAcknowledgeTeeSigner), {provider, acknowledged});
}

eth::Receipt InferenceServing::revoke_token(eth::TxSender& user, const eth::Address& provider,
                                            std::uint8_t token_id) const {
  return contract_.transact(user, fn(kRevokeToken), {provider, token_id});
}

eth::Receipt InferenceServing::revoke_tokens(eth::TxSender& user, const eth::Address& provider,
                                             const std::vector<std::uint8_t>& ids) const {
  eth::AbiValue::List list(ids.begin(), ids.end());
  return contract_.transact(user, fn(kRevokeTokens), {provider, eth::AbiValue(std::move(list))});
}

eth::Receipt InferenceServing::revoke_all_tokens(eth::TxSender& user, const eth::Address& provider) const {
  return contract_.transact(user, fn(kRevokeAllTokens), {provider});
}

eth::Receipt InferenceServing::add_or_update_service(eth::TxSender& provider, const ServiceParams& p,
                                                     const eth::Uint256& stake) const {
  const eth::AbiValue params(eth::AbiValue::List{p.service_type, p.url, p.model, p.verifiability, p.input_price,
                                                 p.output_price, p.additional_info, p.tee_signer_address});
  return contract_.transact(provider, fn(kAddOrUpdateService), {params}, stake);
}

eth::Receipt InferenceServing::acknowledge_tee_signer_by_owner(eth::TxSender& owner,
                                                               const eth::Address& provider) const {
  return contract_.transact(owner, fn(kAcknowledgeByOwner), {provider});
}

std::vector<SettlementResult> InferenceServing::settle_fees_with_tee_detailed(
    eth::TxSender& provider, const std::vector<TeeSettlement>& batch) const {
  eth::AbiValue::List settlements;
  for (const auto& s : batch) settlements.push_back(settlement_value(s));
  const auto receipt = contract_.transact(provider, fn(kSettle), {eth::AbiValue(std::move(settlements))});

  // The return value of a transaction is not in its receipt: the logs are the record.
  const auto& event = settlement_result_event();
  std::vector<SettlementResult> results;
  for (const auto& log : receipt.logs) {
    if (log.address != address() || log.topics.empty() || log.topics[0] != event.topic0()) continue;
    const auto v = event.decode_log(log.topics, log.data);
    results.push_back({v["user"].as_address(), status_from_code(v["status"].as_uint()), v["unsettledAmount"].as_uint()});
  }
  if (results.size() != batch.size()) {
    throw Error("settleFeesWithTEE emitted " + std::to_string(results.size()) + " TEESettlementResult logs for " +
                std::to_string(batch.size()) + " settlements (transaction " + to_hex(receipt.transaction_hash) + ")");
  }
  return results;
}

std::vector<SettlementStatus> InferenceServing::settle_fees_with_tee(eth::TxSender& provider,
                                                                     const std::vector<TeeSettlement>& batch) const {
  std::vector<SettlementStatus> statuses;
  for (const auto& r : settle_fees_with_tee_detailed(provider, batch)) statuses.push_back(r.status);
  return statuses;
}

Hash256 tee_settlement_digest(std::uint64_t chain_id, const eth::Address& inference_contract, const TeeSettlement& s) {
  using crypto::eip712::Field;
  const crypto::eip712::Types types{{"TEESettlement",
                                     {Field{"requestsHash", "bytes32"}, Field{"nonce", "uint256"},
                                      Field{"provider", "address"}, Field{"user", "address"},
                                      Field{"totalFee", "uint256"}}}};
  crypto::eip712::Domain domain;
  domain.name = "0G Inference Serving";
  domain.version = "1";
  domain.chain_id = eth::Uint256(chain_id);
  domain.verifying_contract = inference_contract;
  const nlohmann::json message{{"requestsHash", to_hex(s.requests_hash)},
                               {"nonce", s.nonce.to_dec()},
                               {"provider", s.provider.checksummed()},
                               {"user", s.user.checksummed()},
                               {"totalFee", s.total_fee.to_dec()}};
  return crypto::eip712::TypedData(types, "TEESettlement", domain, message).digest();
}

void sign_tee_settlement(TeeSettlement& s, std::uint64_t chain_id, const eth::Address& inference_contract,
                         const crypto::PrivateKey& tee_signer) {
  const auto rsv = tee_signer.sign_hash(tee_settlement_digest(chain_id, inference_contract, s)).to_rsv();
  s.signature.assign(rsv.begin(), rsv.end());
}

bool token_id_revoked(const eth::Uint256& revoked_bitmap, std::uint8_t token_id) {
  return ((revoked_bitmap.limbs()[token_id / 64] >> (token_id % 64)) & 1U) != 0;
}

std::optional<std::uint8_t> lowest_free_token_id(const eth::Uint256& revoked_bitmap) {
  for (unsigned id = 0; id < 255; ++id) {
    if (!token_id_revoked(revoked_bitmap, static_cast<std::uint8_t>(id))) return static_cast<std::uint8_t>(id);
  }
  return std::nullopt;
}

}  // namespace zg::contracts
