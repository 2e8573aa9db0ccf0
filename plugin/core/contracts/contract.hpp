#pragma once
// A deployed contract: read-only calls (eth_call + ABI decode) and transactions (through a
// TxSender), with every revert turned into a sentence that names the function and the error.
#include <optional>
#include <string>

#include "eth/abi.hpp"
#include "eth/revert.hpp"
#include "eth/rpc_client.hpp"
#include "eth/tx_sender.hpp"

namespace zg::contracts {

// A call or transaction the contract refused. what() reads e.g.
// "LedgerManager.addLedger reverted: MinimumDepositRequired(provided=1000000000000000000, required=3000000000000000000)".
class ContractRevert : public Error {
 public:
  ContractRevert(const std::string& contract, const std::string& function, eth::RevertReason reason);
  const eth::RevertReason& reason() const noexcept { return reason_; }
  const std::string& error_name() const noexcept { return reason_.error_name; }

 private:
  eth::RevertReason reason_;
};

class Contract {
 public:
  Contract(eth::RpcClient& rpc, eth::Address address, std::string name)
      : rpc_(&rpc), address_(address), name_(std::move(name)) {}

  const eth::Address& address() const noexcept { return address_; }
  const std::string& name() const noexcept { return name_; }

  // eth_call; ContractRevert when the contract reverts.
  eth::AbiValue call(const eth::Function& function, const eth::AbiValue::List& arguments,
                     std::optional<eth::Address> from = std::nullopt) const;
  // Sends and waits for the receipt. A revert during gas estimation or in the mined transaction
  // becomes ContractRevert, so nothing is sent when the node already knows it would fail.
  eth::Receipt transact(eth::TxSender& sender, const eth::Function& function, const eth::AbiValue::List& arguments,
                        const eth::Uint256& value = 0) const;

 private:
  eth::RpcClient* rpc_;
  eth::Address address_;
  std::string name_;
};

// Deploys `init_code` followed by ABI-encoded constructor arguments; returns the new address.
eth::Address deploy(eth::TxSender& sender, ByteSpan init_code, const std::string& constructor_signature = "",
                    const eth::AbiValue::List& arguments = {});

}  // namespace zg::contracts
