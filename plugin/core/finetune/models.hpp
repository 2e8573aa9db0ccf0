#pragma once
// The pre-trained models a fine-tuning task can start from (protocol-finetune.md §8). The SDK
// 0.9.0 uses its MAINNET_MODELS map on every network: the task names a model by its 0G Storage
// `turbo` root (Task.preTrainedModelHash). A provider may also offer customized models, listed at
// GET {url}/v1/model.
#include <optional>
#include <span>
#include <string_view>

namespace zg::finetune {

struct PredefinedModel {
  std::string_view name;       // "Qwen2.5-0.5B-Instruct"
  std::string_view hash;       // the turbo root: Task.preTrainedModelHash
  std::string_view tokenizer;  // informational
  std::string_view networks;   // where the SDK offers it
};

std::span<const PredefinedModel> predefined_models() noexcept;

// By exact name, or by hash (any letter case). nullopt when it is not predefined.
std::optional<PredefinedModel> find_predefined_model(std::string_view name_or_hash);

}  // namespace zg::finetune
