#pragma once
// InferenceServing and FineTuningServing: what the devnet needs to bring them up. The customer
// operations on them are added by the inference and fine-tuning milestones.
#include "contracts/contract.hpp"

namespace zg::contracts {

// initialize(uint256 lockTime, address ledger, address owner)
Bytes inference_initialize_calldata(std::uint64_t lock_time_seconds, const eth::Address& ledger, const eth::Address& owner);
// initialize(uint256 lockTime, address ledger, address owner, uint256 penaltyPercentage)
Bytes finetune_initialize_calldata(std::uint64_t lock_time_seconds, const eth::Address& ledger, const eth::Address& owner,
                                   std::uint64_t penalty_percentage);

// lockTime() of either serving contract.
std::uint64_t read_lock_time(eth::RpcClient& rpc, const eth::Address& serving_contract);
// penaltyPercentage() of FineTuningServing.
std::uint64_t read_penalty_percentage(eth::RpcClient& rpc, const eth::Address& finetune_contract);

}  // namespace zg::contracts
