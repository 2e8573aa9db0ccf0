#include "contracts/ledger_manager.hpp"

namespace zg::contracts {
namespace {

// Signatures as in the SDK 0.9.0 ABI (../shared/vectors/inference-abi-signatures.txt).
const eth::Function& fn_get_ledger() {
  static const auto f = eth::Function::parse(
      "function getLedger(address user) view returns ((address user, uint256 availableBalance, "
      "uint256 totalBalance, string additionalInfo))");
  return f;
}
const eth::Function& fn_get_service_info() {
  static const auto f = eth::Function::parse(
      "function getServiceInfo(address serviceAddress) view returns ((address serviceAddress, "
      "address serviceContract, string serviceType, string version, string fullName, string description, "
      "bool isRecommended, uint256 registeredAt))");
  return f;
}
const eth::Function& fn_min_account_balance() {
  static const auto f = eth::Function::parse("function MIN_ACCOUNT_BALANCE() view returns (uint256)");
  return f;
}
const eth::Function& fn_min_transfer_amount() {
  static const auto f = eth::Function::parse("function MIN_TRANSFER_AMOUNT() view returns (uint256)");
  return f;
}
const eth::Function& fn_get_ledger_providers() {
  static const auto f =
      eth::Function::parse("function getLedgerProviders(address user, string serviceName) view returns (address[])");
  return f;
}
const eth::Function& fn_transfer_fund() {
  static const auto f =
      eth::Function::parse("function transferFund(address provider, string serviceName, uint256 amount)");
  return f;
}
const eth::Function& fn_retrieve_fund() {
  static const auto f = eth::Function::parse("function retrieveFund(address[] providers, string serviceName)");
  return f;
}
const eth::Function& fn_add_ledger() {
  static const auto f = eth::Function::parse("function addLedger(string additionalInfo) payable returns (uint256, uint256)");
  return f;
}
const eth::Function& fn_deposit_fund() {
  static const auto f = eth::Function::parse("function depositFund() payable");
  return f;
}
const eth::Function& fn_refund() {
  static const auto f = eth::Function::parse("function refund(uint256 amount)");
  return f;
}
const eth::Function& fn_register_service() {
  static const auto f = eth::Function::parse(
      "function registerService(string serviceType, string version, address serviceAddress, string description)");
  return f;
}
const eth::Function& fn_initialize() {
  static const auto f = eth::Function::parse("function initialize(address owner)");
  return f;
}

}  // namespace

std::optional<Ledger> LedgerManager::get_ledger(const eth::Address& user) const {
  eth::AbiValue result;
  try {
    result = contract_.call(fn_get_ledger(), {user});
  } catch (const ContractRevert& e) {
    if (e.error_name() == "LedgerNotExists") return std::nullopt;
    throw;
  }
  const auto& l = result[0];
  return Ledger{l["user"].as_address(), l["availableBalance"].as_uint(), l["totalBalance"].as_uint(),
                l["additionalInfo"].as_string()};
}

ServiceInfo LedgerManager::get_service_info(const eth::Address& service_contract) const {
  const auto result = contract_.call(fn_get_service_info(), {service_contract});
  const auto& s = result[0];
  return ServiceInfo{s["serviceAddress"].as_address(), s["serviceContract"].as_address(), s["serviceType"].as_string(),
                     s["version"].as_string(),         s["fullName"].as_string(),         s["description"].as_string(),
                     s["isRecommended"].as_bool(),     s["registeredAt"].as_uint()};
}

eth::Uint256 LedgerManager::min_account_balance() const {
  return contract_.call(fn_min_account_balance(), {})[0].as_uint();
}

eth::Uint256 LedgerManager::min_transfer_amount() const {
  return contract_.call(fn_min_transfer_amount(), {})[0].as_uint();
}

std::vector<eth::Address> LedgerManager::get_ledger_providers(const eth::Address& user,
                                                              const std::string& service_name) const {
  std::vector<eth::Address> providers;
  // Kept in a variable: a range-for over a member of a temporary would dangle.
  const auto result = contract_.call(fn_get_ledger_providers(), {user, service_name});
  for (const auto& a : result[0].as_list()) {
    providers.push_back(a.as_address());
  }
  return providers;
}

eth::Receipt LedgerManager::transfer_fund(eth::TxSender& sender, const eth::Address& provider,
                                          const std::string& service_name, const eth::Uint256& amount) const {
  return contract_.transact(sender, fn_transfer_fund(), {provider, service_name, amount});
}

eth::Receipt LedgerManager::retrieve_fund(eth::TxSender& sender, const std::vector<eth::Address>& providers,
                                          const std::string& service_name) const {
  eth::AbiValue::List list(providers.begin(), providers.end());
  return contract_.transact(sender, fn_retrieve_fund(), {eth::AbiValue(std::move(list)), service_name});
}

eth::Receipt LedgerManager::add_ledger(eth::TxSender& sender, const eth::Uint256& amount,
                                       const std::string& additional_info) const {
  return contract_.transact(sender, fn_add_ledger(), {additional_info}, amount);
}

eth::Receipt LedgerManager::deposit_fund(eth::TxSender& sender, const eth::Uint256& amount) const {
  return contract_.transact(sender, fn_deposit_fund(), {}, amount);
}

eth::Receipt LedgerManager::refund(eth::TxSender& sender, const eth::Uint256& amount) const {
  return contract_.transact(sender, fn_refund(), {amount});
}

eth::Receipt LedgerManager::register_service(eth::TxSender& owner, const std::string& service_type,
                                             const std::string& version, const eth::Address& service_contract,
                                             const std::string& description) const {
  return contract_.transact(owner, fn_register_service(), {service_type, version, service_contract, description});
}

Bytes LedgerManager::initialize_calldata(const eth::Address& owner) { return fn_initialize().encode_call({owner}); }

}  // namespace zg::contracts
