#pragma once
// LedgerManager: the user's main account (the "ledger") and the registry of serving contracts.
#include <optional>
#include <string>
#include <vector>

#include "contracts/contract.hpp"

namespace zg::contracts {

struct Ledger {
  eth::Address user;
  eth::Uint256 available_balance;  // not yet moved to provider sub-accounts
  eth::Uint256 total_balance;      // available + what sits in sub-accounts
  std::string additional_info;
};

struct ServiceInfo {
  eth::Address service_address;
  eth::Address service_contract;
  std::string service_type;  // "inference", "fine-tuning"
  std::string version;       // "v1.0"
  std::string full_name;     // "inference-v1.0": the service name transferFund/retrieveFund take
  std::string description;
  bool is_recommended = false;
  eth::Uint256 registered_at;
};

class LedgerManager {
 public:
  LedgerManager(eth::RpcClient& rpc, eth::Address address) : contract_(rpc, address, "LedgerManager") {}
  const eth::Address& address() const noexcept { return contract_.address(); }

  // None when the user has no ledger (the contract reverts LedgerNotExists).
  std::optional<Ledger> get_ledger(const eth::Address& user) const;
  ServiceInfo get_service_info(const eth::Address& service_contract) const;
  eth::Uint256 min_account_balance() const;   // MIN_ACCOUNT_BALANCE: a new ledger, and what refund must leave (or 0)
  eth::Uint256 min_transfer_amount() const;   // MIN_TRANSFER_AMOUNT: the first transfer to a provider
  // The name transferFund/retrieveFund take for a serving contract ("inference-v1.0"), read from
  // the registry rather than assumed (getServiceInfo(service).fullName).
  std::string service_name(const eth::Address& service_contract) const { return get_service_info(service_contract).full_name; }
  // Providers the user has a sub-account with, under one service name.
  std::vector<eth::Address> get_ledger_providers(const eth::Address& user, const std::string& service_name) const;

  eth::Receipt add_ledger(eth::TxSender& sender, const eth::Uint256& amount, const std::string& additional_info = "") const;
  eth::Receipt deposit_fund(eth::TxSender& sender, const eth::Uint256& amount) const;
  eth::Receipt refund(eth::TxSender& sender, const eth::Uint256& amount) const;
  // Moves `amount` from the ledger to the provider sub-account (creating it, >= MIN_TRANSFER_AMOUNT;
  // pending refunds of an existing one are cancelled first, costing no ledger funds).
  eth::Receipt transfer_fund(eth::TxSender& sender, const eth::Address& provider, const std::string& service_name,
                             const eth::Uint256& amount) const;
  // For each provider: pays matured refunds back to the ledger, then requests a refund of the rest.
  eth::Receipt retrieve_fund(eth::TxSender& sender, const std::vector<eth::Address>& providers,
                             const std::string& service_name) const;
  eth::Receipt register_service(eth::TxSender& owner, const std::string& service_type, const std::string& version,
                                const eth::Address& service_contract, const std::string& description) const;

  // Calldata of initialize(owner), run by the BeaconProxy constructor on deployment.
  static Bytes initialize_calldata(const eth::Address& owner);

 private:
  Contract contract_;
};

}  // namespace zg::contracts
