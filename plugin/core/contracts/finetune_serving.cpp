#include "contracts/finetune_serving.hpp"

#include <map>
#include <mutex>

namespace zg::contracts {
namespace {

// Tuple layouts of the SDK 0.9.0 FineTuningServing ABI (FineTuningServing__factory.js).
#define ZG_FT_SERVICE_TUPLE                                                                                       \
  "(address provider, string url, (uint256 cpuCount, uint256 nodeMemory, uint256 gpuCount, uint256 nodeStorage, " \
  "string gpuType) quota, uint256 pricePerToken, bool occupied, string[] models, address teeSignerAddress, bool "  \
  "teeSignerAcknowledged)"
#define ZG_FT_DELIVERABLE_TUPLE \
  "(string id, bytes modelRootHash, bytes encryptedSecret, bool acknowledged, uint248 timestamp, bool settled)"
#define ZG_FT_ACCOUNT_TUPLE                                                                                         \
  "(address user, address provider, uint256 nonce, uint256 balance, uint256 pendingRefund, (uint256 index, "       \
  "uint256 amount, uint256 createdAt, bool _deprecated_processed)[] refunds, string additionalInfo, " \
  ZG_FT_DELIVERABLE_TUPLE "[] deliverables, uint256 validRefundsLength, uint256 deliverablesHead, uint256 "          \
  "deliverablesCount, bool acknowledged)"

const char* const kGetService = "function getService(address provider) view returns (" ZG_FT_SERVICE_TUPLE " service)";
const char* const kGetAllServices = "function getAllServices() view returns (" ZG_FT_SERVICE_TUPLE "[] services)";
const char* const kGetAccount = "function getAccount(address user, address provider) view returns (" ZG_FT_ACCOUNT_TUPLE ")";
const char* const kAccountExists = "function accountExists(address user, address provider) view returns (bool)";
const char* const kGetDeliverable =
    "function getDeliverable(address user, address provider, string id) view returns (" ZG_FT_DELIVERABLE_TUPLE ")";
const char* const kGetDeliverables =
    "function getDeliverables(address user, address provider) view returns (" ZG_FT_DELIVERABLE_TUPLE "[])";
const char* const kLockTime = "function lockTime() view returns (uint256)";
const char* const kPenaltyPercentage = "function penaltyPercentage() view returns (uint256)";
const char* const kAcknowledgeTeeSigner = "function acknowledgeTEESigner(address provider, bool acknowledged)";
const char* const kAcknowledgeDeliverable = "function acknowledgeDeliverable(address provider, string id)";

#undef ZG_FT_SERVICE_TUPLE
#undef ZG_FT_DELIVERABLE_TUPLE
#undef ZG_FT_ACCOUNT_TUPLE

const eth::Function& fn(const char* signature) {
  // One parse per signature for the process lifetime; the table is small and fixed.
  static std::mutex mutex;
  static std::map<std::string, eth::Function, std::less<>> cache;
  const std::lock_guard lock(mutex);
  auto it = cache.find(signature);
  if (it == cache.end()) it = cache.emplace(signature, eth::Function::parse(signature)).first;
  return it->second;
}

FinetuneService to_service(const eth::AbiValue& s) {
  const auto& q = s["quota"];
  FinetuneService service{s["provider"].as_address(),
                          s["url"].as_string(),
                          FinetuneQuota{q["cpuCount"].as_uint(), q["nodeMemory"].as_uint(), q["gpuCount"].as_uint(),
                                        q["nodeStorage"].as_uint(), q["gpuType"].as_string()},
                          s["pricePerToken"].as_uint(),
                          s["occupied"].as_bool(),
                          {},
                          s["teeSignerAddress"].as_address(),
                          s["teeSignerAcknowledged"].as_bool()};
  for (const auto& m : s["models"].as_list()) service.models.push_back(m.as_string());
  return service;
}

Deliverable to_deliverable(const eth::AbiValue& d) {
  return Deliverable{d["id"].as_string(),      d["modelRootHash"].as_bytes(), d["encryptedSecret"].as_bytes(),
                     d["acknowledged"].as_bool(), d["timestamp"].as_uint(),     d["settled"].as_bool()};
}

FinetuneAccount to_account(const eth::AbiValue& a) {
  FinetuneAccount account;
  account.user = a["user"].as_address();
  account.provider = a["provider"].as_address();
  account.nonce = a["nonce"].as_uint();
  account.balance = a["balance"].as_uint();
  account.pending_refund = a["pendingRefund"].as_uint();
  for (const auto& r : a["refunds"].as_list()) {
    account.refunds.push_back(
        Refund{r["index"].as_uint(), r["amount"].as_uint(), r["createdAt"].as_uint(), r["_deprecated_processed"].as_bool()});
  }
  account.additional_info = a["additionalInfo"].as_string();
  for (const auto& d : a["deliverables"].as_list()) account.deliverables.push_back(to_deliverable(d));
  account.valid_refunds_length = a["validRefundsLength"].as_uint();
  account.deliverables_head = a["deliverablesHead"].as_uint();
  account.deliverables_count = a["deliverablesCount"].as_uint();
  account.acknowledged = a["acknowledged"].as_bool();
  return account;
}

bool is_missing(const ContractRevert& e) {
  return e.error_name() == "AccountNotExists" || e.error_name() == "DeliverableNotExists" ||
         e.error_name() == "ServiceNotExist";
}

}  // namespace

std::vector<Refund> FinetuneAccount::live_refunds() const {
  const auto live = valid_refunds_length.fits_u64() ? valid_refunds_length.low_u64() : refunds.size();
  const auto n = std::min<std::uint64_t>(live, refunds.size());
  return {refunds.begin(), refunds.begin() + static_cast<std::ptrdiff_t>(n)};
}

eth::Uint256 FinetuneAccount::available() const {
  return balance > pending_refund ? balance - pending_refund : eth::Uint256(0);
}

std::optional<FinetuneService> FinetuneServing::get_service(const eth::Address& provider) const {
  try {
    return to_service(contract_.call(fn(kGetService), {provider})["service"]);
  } catch (const ContractRevert& e) {
    if (e.error_name() == "ServiceNotExist") return std::nullopt;
    throw;
  }
}

std::vector<FinetuneService> FinetuneServing::get_all_services() const {
  std::vector<FinetuneService> services;
  const auto result = contract_.call(fn(kGetAllServices), {});  // named: a temporary would die before the loop
  for (const auto& s : result["services"].as_list()) services.push_back(to_service(s));
  return services;
}

std::optional<FinetuneAccount> FinetuneServing::get_account(const eth::Address& user, const eth::Address& provider) const {
  try {
    return to_account(contract_.call(fn(kGetAccount), {user, provider})[0]);
  } catch (const ContractRevert& e) {
    if (e.error_name() == "AccountNotExists") return std::nullopt;
    throw;
  }
}

bool FinetuneServing::account_exists(const eth::Address& user, const eth::Address& provider) const {
  return contract_.call(fn(kAccountExists), {user, provider})[0].as_bool();
}

std::optional<Deliverable> FinetuneServing::get_deliverable(const eth::Address& user, const eth::Address& provider,
                                                            const std::string& id) const {
  try {
    return to_deliverable(contract_.call(fn(kGetDeliverable), {user, provider, id})[0]);
  } catch (const ContractRevert& e) {
    if (is_missing(e)) return std::nullopt;
    throw;
  }
}

std::vector<Deliverable> FinetuneServing::get_deliverables(const eth::Address& user, const eth::Address& provider) const {
  std::vector<Deliverable> out;
  try {
    const auto result = contract_.call(fn(kGetDeliverables), {user, provider});
    for (const auto& d : result[0].as_list()) out.push_back(to_deliverable(d));
  } catch (const ContractRevert& e) {
    if (!is_missing(e)) throw;
  }
  return out;
}

std::uint64_t FinetuneServing::lock_time() const { return contract_.call(fn(kLockTime), {})[0].as_u64(); }

std::uint64_t FinetuneServing::penalty_percentage() const {
  return contract_.call(fn(kPenaltyPercentage), {})[0].as_u64();
}

eth::Receipt FinetuneServing::acknowledge_tee_signer(eth::TxSender& user, const eth::Address& provider,
                                                     bool acknowledged) const {
  return contract_.transact(user, fn(kAcknowledgeTeeSigner), {provider, acknowledged});
}

eth::Receipt FinetuneServing::acknowledge_deliverable(eth::TxSender& user, const eth::Address& provider,
                                                      const std::string& id) const {
  return contract_.transact(user, fn(kAcknowledgeDeliverable), {provider, id});
}

}  // namespace zg::contracts
