#include "contracts/serving_contracts.hpp"

namespace zg::contracts {

Bytes inference_initialize_calldata(std::uint64_t lock_time_seconds, const eth::Address& ledger, const eth::Address& owner) {
  static const auto f = eth::Function::parse("function initialize(uint256 _locktime, address _ledgerAddress, address owner)");
  return f.encode_call({eth::Uint256(lock_time_seconds), ledger, owner});
}

Bytes finetune_initialize_calldata(std::uint64_t lock_time_seconds, const eth::Address& ledger, const eth::Address& owner,
                                   std::uint64_t penalty_percentage) {
  static const auto f = eth::Function::parse(
      "function initialize(uint256 _locktime, address _ledgerAddress, address owner, uint256 _penaltyPercentage)");
  return f.encode_call({eth::Uint256(lock_time_seconds), ledger, owner, eth::Uint256(penalty_percentage)});
}

std::uint64_t read_lock_time(eth::RpcClient& rpc, const eth::Address& serving_contract) {
  static const auto f = eth::Function::parse("function lockTime() view returns (uint256)");
  return Contract(rpc, serving_contract, "ServingContract").call(f, {})[0].as_u64();
}

std::uint64_t read_penalty_percentage(eth::RpcClient& rpc, const eth::Address& finetune_contract) {
  static const auto f = eth::Function::parse("function penaltyPercentage() view returns (uint256)");
  return Contract(rpc, finetune_contract, "FineTuningServing").call(f, {})[0].as_u64();
}

}  // namespace zg::contracts
