#include "finetune/models.hpp"

#include <array>

#include "common/text.hpp"

namespace zg::finetune {
namespace {

// SDK src.ts/sdk/fine-tuning/const.ts MAINNET_MODELS (the map createTask uses on every network).
constexpr std::array<PredefinedModel, 2> kModels = {{
    {"Qwen2.5-0.5B-Instruct", "0xb4f76a886b8655c92bb021922d60b5e4d9271a5c9da98b6cb10937a06c2c75a7",
     "Qwen/Qwen2.5-0.5B-Instruct", "testnet, mainnet"},
    {"Qwen3-32B", "0x2e6f9620c35bdcb2b753cc7aa34e78077a8ed133e36fa36008fd6bdfd29af3a5", "Qwen/Qwen3-32B", "mainnet"},
}};

}  // namespace

std::span<const PredefinedModel> predefined_models() noexcept { return kModels; }

std::optional<PredefinedModel> find_predefined_model(std::string_view name_or_hash) {
  const auto lower = ascii_lower(name_or_hash);
  for (const auto& model : kModels) {
    if (model.name == name_or_hash || lower == model.hash) return model;
  }
  return std::nullopt;
}

}  // namespace zg::finetune
