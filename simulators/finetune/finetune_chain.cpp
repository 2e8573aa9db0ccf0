#include "finetune_chain.hpp"

#include <map>
#include <mutex>

#include <nlohmann/json.hpp>

#include "common/hex.hpp"
#include "crypto/eip712.hpp"

namespace zg::finetune_sim {

namespace {

using eth::AbiValue;
using eth::Function;

constexpr const char* kDeliverableTuple =
    "(string id, bytes modelRootHash, bytes encryptedSecret, bool acknowledged, uint248 timestamp, bool settled)";
constexpr const char* kQuotaTuple =
    "(uint256 cpuCount, uint256 nodeMemory, uint256 gpuCount, uint256 nodeStorage, string gpuType)";

const Function& fn(const std::string& signature) {
  // Parsed once each; the set is small and fixed.
  static std::mutex mutex;
  static std::map<std::string, Function> cache;
  std::lock_guard lock(mutex);
  auto found = cache.find(signature);
  if (found == cache.end()) found = cache.emplace(signature, Function::parse(signature)).first;
  return found->second;
}

std::string get_service_signature() {
  return std::string("function getService(address provider) view returns ((address provider, string url, ") + kQuotaTuple +
         " quota, uint256 pricePerToken, bool occupied, string[] models, address teeSignerAddress, bool "
         "teeSignerAcknowledged) service)";
}

std::string get_account_signature() {
  return std::string("function getAccount(address user, address provider) view returns ((address user, address "
                     "provider, uint256 nonce, uint256 balance, uint256 pendingRefund, (uint256 index, uint256 amount, "
                     "uint256 createdAt, bool _deprecated_processed)[] refunds, string additionalInfo, ") +
         kDeliverableTuple +
         "[] deliverables, uint256 validRefundsLength, uint256 deliverablesHead, uint256 deliverablesCount, bool "
         "acknowledged))";
}

DeliverableInfo deliverable_from(const AbiValue& v) {
  DeliverableInfo d;
  d.id = v["id"].as_string();
  d.model_root_hash = v["modelRootHash"].as_bytes();
  d.encrypted_secret = v["encryptedSecret"].as_bytes();
  d.acknowledged = v["acknowledged"].as_bool();
  d.timestamp = v["timestamp"].as_u64();
  d.settled = v["settled"].as_bool();
  return d;
}

bool is_error(const contracts::ContractRevert& revert, std::string_view name) { return revert.error_name() == name; }

}  // namespace

Hash256 settlement_digest(const VerifierMessage& m, std::uint64_t chain_id, const eth::Address& contract) {
  using crypto::eip712::Field;
  const crypto::eip712::Types types{{"VerifierMessage",
                                     {Field{"id", "string"}, Field{"encryptedSecret", "bytes"},
                                      Field{"modelRootHash", "bytes"}, Field{"nonce", "uint256"},
                                      Field{"taskFee", "uint256"}, Field{"user", "address"}}}};
  crypto::eip712::Domain domain;
  domain.name = "0G Fine-Tuning Serving";
  domain.version = "1";
  domain.chain_id = eth::Uint256(chain_id);
  domain.verifying_contract = contract;
  const nlohmann::json message{{"id", m.id},
                               {"encryptedSecret", to_hex(m.encrypted_secret)},
                               {"modelRootHash", to_hex(m.model_root_hash)},
                               {"nonce", m.nonce.to_dec()},
                               {"taskFee", m.task_fee.to_dec()},
                               {"user", m.user.checksummed()}};
  return crypto::eip712::TypedData(types, "VerifierMessage", domain, message).digest();
}

Bytes sign_settlement(const VerifierMessage& message, std::uint64_t chain_id, const eth::Address& contract,
                      const crypto::PrivateKey& tee_key) {
  const auto rsv = tee_key.sign_hash(settlement_digest(message, chain_id, contract)).to_rsv(27);
  return Bytes(rsv.begin(), rsv.end());
}

FinetuneChain::FinetuneChain(eth::RpcClient& rpc, eth::Address contract)
    : rpc_(rpc), contract_(rpc, contract, "FineTuningServing") {}

std::optional<ServiceInfo> FinetuneChain::get_service(const eth::Address& provider) const {
  AbiValue result;
  try {
    result = contract_.call(fn(get_service_signature()), {provider});
  } catch (const contracts::ContractRevert& revert) {
    if (is_error(revert, "ServiceNotExist")) return std::nullopt;
    throw;
  }
  const auto& s = result[0];
  ServiceInfo info;
  info.provider = s["provider"].as_address();
  info.url = s["url"].as_string();
  info.price_per_token = s["pricePerToken"].as_uint();
  info.occupied = s["occupied"].as_bool();
  for (const auto& model : s["models"].as_list()) info.models.push_back(model.as_string());
  info.tee_signer = s["teeSignerAddress"].as_address();
  info.tee_signer_acknowledged = s["teeSignerAcknowledged"].as_bool();
  return info;
}

std::optional<AccountInfo> FinetuneChain::get_account(const eth::Address& user, const eth::Address& provider) const {
  AbiValue result;
  try {
    result = contract_.call(fn(get_account_signature()), {user, provider});
  } catch (const contracts::ContractRevert& revert) {
    if (is_error(revert, "AccountNotExists")) return std::nullopt;
    throw;
  }
  const auto& a = result[0];
  AccountInfo info;
  info.user = a["user"].as_address();
  info.provider = a["provider"].as_address();
  info.nonce = a["nonce"].as_uint();
  info.balance = a["balance"].as_uint();
  info.pending_refund = a["pendingRefund"].as_uint();
  info.acknowledged = a["acknowledged"].as_bool();
  for (const auto& d : a["deliverables"].as_list()) info.deliverables.push_back(deliverable_from(d));
  return info;
}

std::optional<DeliverableInfo> FinetuneChain::get_deliverable(const eth::Address& user, const eth::Address& provider,
                                                              const std::string& id) const {
  const std::string signature = std::string("function getDeliverable(address user, address provider, string id) view "
                                            "returns (") + kDeliverableTuple + ")";
  try {
    return deliverable_from(contract_.call(fn(signature), {user, provider, id})[0]);
  } catch (const contracts::ContractRevert& revert) {
    if (is_error(revert, "DeliverableNotExists") || is_error(revert, "AccountNotExists")) return std::nullopt;
    throw;
  }
}

std::uint64_t FinetuneChain::lock_time() const {
  return contract_.call(fn("function lockTime() view returns (uint256)"), {})[0].as_u64();
}

std::uint64_t FinetuneChain::penalty_percentage() const {
  return contract_.call(fn("function penaltyPercentage() view returns (uint256)"), {})[0].as_u64();
}

eth::Uint256 FinetuneChain::min_provider_stake() const {
  return contract_.call(fn("function MIN_PROVIDER_STAKE() view returns (uint256)"), {})[0].as_uint();
}

void FinetuneChain::add_or_update_service(eth::TxSender& provider, const std::string& url, const Quota& quota,
                                          const eth::Uint256& price_per_token, bool occupied,
                                          const std::vector<std::string>& models, const eth::Address& tee_signer,
                                          const eth::Uint256& stake) const {
  const std::string signature = std::string("function addOrUpdateService(string url, ") + kQuotaTuple +
                                " quota, uint256 pricePerToken, bool occupied, string[] models, address "
                                "teeSignerAddress) payable";
  const AbiValue quota_value(AbiValue::List{quota.cpu_count, quota.node_memory, quota.gpu_count, quota.node_storage,
                                            quota.gpu_type});
  AbiValue::List model_values;
  for (const auto& model : models) model_values.emplace_back(model);
  contract_.transact(provider, fn(signature),
                     {url, quota_value, price_per_token, occupied, AbiValue(std::move(model_values)), tee_signer}, stake);
}

void FinetuneChain::acknowledge_tee_signer_by_owner(eth::TxSender& owner, const eth::Address& provider) const {
  contract_.transact(owner, fn("function acknowledgeTEESignerByOwner(address provider)"), {provider});
}

std::uint64_t FinetuneChain::add_deliverable(eth::TxSender& provider, const eth::Address& user, const std::string& id,
                                             ByteSpan model_root_hash) const {
  const auto receipt = contract_.transact(
      provider, fn("function addDeliverable(address user, string id, bytes modelRootHash)"),
      {user, id, Bytes(model_root_hash.begin(), model_root_hash.end())});
  const auto block = rpc_.get_block_by_number(eth::BlockTag::number(receipt.block_number));
  return block ? block->timestamp : 0;
}

eth::Receipt FinetuneChain::settle_fees(eth::TxSender& provider, const VerifierMessage& m, ByteSpan signature) const {
  const std::string sig =
      "function settleFees((string id, bytes encryptedSecret, bytes modelRootHash, uint256 nonce, bytes signature, "
      "uint256 taskFee, address user) verifierInput)";
  const AbiValue input(AbiValue::List{m.id, m.encrypted_secret, m.model_root_hash, m.nonce,
                                      Bytes(signature.begin(), signature.end()), m.task_fee, m.user});
  return contract_.transact(provider, fn(sig), {input});
}

}  // namespace zg::finetune_sim
