#include "contracts/contract.hpp"

#include "eth/abi_codec.hpp"

namespace zg::contracts {

ContractRevert::ContractRevert(const std::string& contract, const std::string& function, eth::RevertReason reason)
    : Error(contract + "." + function + " reverted: " + reason.message), reason_(std::move(reason)) {}

eth::AbiValue Contract::call(const eth::Function& function, const eth::AbiValue::List& arguments,
                             std::optional<eth::Address> from) const {
  eth::CallRequest request;
  request.from = from;
  request.to = address_;
  request.data = function.encode_call(arguments);
  try {
    return function.decode_output(rpc_->call(request));
  } catch (const eth::RpcError& e) {
    if (e.is_revert()) throw ContractRevert(name_, function.name(), eth::decode_revert(e.data().value_or(Bytes{})));
    throw;
  }
}

eth::Receipt Contract::transact(eth::TxSender& sender, const eth::Function& function,
                                const eth::AbiValue::List& arguments, const eth::Uint256& value) const {
  eth::TxRequest request;
  request.to = address_;
  request.data = function.encode_call(arguments);
  request.value = value;
  try {
    return sender.send_and_wait(request);
  } catch (const eth::RpcError& e) {
    if (e.is_revert()) throw ContractRevert(name_, function.name(), eth::decode_revert(e.data().value_or(Bytes{})));
    throw;
  } catch (const eth::TxFailedError& e) {
    throw ContractRevert(name_, function.name(), eth::decode_revert(e.revert_data().value_or(Bytes{})));
  }
}

eth::Address deploy(eth::TxSender& sender, ByteSpan init_code, const std::string& constructor_signature,
                    const eth::AbiValue::List& arguments) {
  eth::TxRequest request;
  request.data.assign(init_code.begin(), init_code.end());
  if (!constructor_signature.empty()) {
    const auto params = eth::AbiType::tuple(eth::parse_abi_params(constructor_signature));
    append(request.data, eth::abi_encode(params, eth::AbiValue(arguments)));
  }
  const auto receipt = sender.send_and_wait(request);
  if (!receipt.contract_address) throw Error("deployment receipt has no contract address");
  return *receipt.contract_address;
}

}  // namespace zg::contracts
