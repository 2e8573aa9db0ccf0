#pragma once
// LedgerManager: the user's main account (the "ledger") and the registry of serving contracts.
#include <optional>
#include <string>

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
  eth::Uint256 min_account_balance() const;

  eth::Receipt add_ledger(eth::TxSender& sender, const eth::Uint256& amount, const std::string& additional_info = "") const;
  eth::Receipt deposit_fund(eth::TxSender& sender, const eth::Uint256& amount) const;
  eth::Receipt refund(eth::TxSender& sender, const eth::Uint256& amount) const;
  eth::Receipt register_service(eth::TxSender& owner, const std::string& service_type, const std::string& version,
                                const eth::Address& service_contract, const std::string& description) const;

  // Calldata of initialize(owner), run by the BeaconProxy constructor on deployment.
  static Bytes initialize_calldata(const eth::Address& owner);

 private:
  Contract contract_;
};

}  // namespace zg::contracts
