#pragma once
// Which base models the provider trains and what a task costs (protocol-finetune.md §3 step 8, §8):
// the predefined models by their SDK hash (looked up by exact text, as the broker's SCRIPT_MAP
// is), the provider's customized models by hash (any letter case, as common.HexToHash compares),
// and fee = tokenCount x pricePerToken x trainEpochs x priceCoefficient + storageFee.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "eth/uint256.hpp"
#include "finetune_config.hpp"
#include "task_store.hpp"

namespace zg::finetune_sim {

struct PredefinedModel {
  std::string name;
  std::string hash;
  std::uint64_t price_coefficient = 1;
  eth::Uint256 storage_fee;
};

const std::vector<PredefinedModel>& predefined_models();

struct ModelChoice {
  ModelType type = ModelType::predefined;
  std::string name;
  std::uint64_t price_coefficient = 1;
  eth::Uint256 storage_fee;
};

// The broker's answer for a preTrainedModelHash: throws ParseError "unsupported model: not found in
// predefined models" when it is neither a predefined nor one of `custom` models.
ModelChoice choose_model(const std::string& pretrained_model_hash, const std::vector<CustomModel>& custom);

// Our token_counter.py stand-in: one token per 4 bytes of dataset text, rounded up (a BPE
// tokenizer's rough average), never less than 1.
std::uint64_t count_tokens(ByteSpan dataset);

eth::Uint256 task_fee(std::uint64_t tokens, const eth::Uint256& price_per_token, std::uint64_t epochs,
                      const ModelChoice& model);

}  // namespace zg::finetune_sim
