#include "model_catalog.hpp"

#include <algorithm>

#include "common/error.hpp"

namespace zg::finetune_sim {

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

}  // namespace

const std::vector<PredefinedModel>& predefined_models() {
  static const std::vector<PredefinedModel> models{
      {"Qwen2.5-0.5B-Instruct", "0xb4f76a886b8655c92bb021922d60b5e4d9271a5c9da98b6cb10937a06c2c75a7", 1,
       eth::Uint256{10'000'000'000'000'000ULL}},
      {"Qwen3-32B", "0x2e6f9620c35bdcb2b753cc7aa34e78077a8ed133e36fa36008fd6bdfd29af3a5", 8,
       eth::Uint256{90'000'000'000'000'000ULL}},
  };
  return models;
}

ModelChoice choose_model(const std::string& hash, const std::vector<CustomModel>& custom) {
  for (const auto& model : custom) {
    if (lower(model.hash) == lower(hash)) {
      return {ModelType::customized, model.name, 1, eth::Uint256{10'000'000'000'000'000ULL}};
    }
  }
  for (const auto& model : predefined_models()) {
    if (model.hash == hash) return {ModelType::predefined, model.name, model.price_coefficient, model.storage_fee};
  }
  throw ParseError("unsupported model: not found in predefined models");
}

std::uint64_t count_tokens(ByteSpan dataset) { return std::max<std::uint64_t>(1, (dataset.size() + 3) / 4); }

eth::Uint256 task_fee(std::uint64_t tokens, const eth::Uint256& price_per_token, std::uint64_t epochs,
                      const ModelChoice& model) {
  return eth::Uint256{tokens} * price_per_token * eth::Uint256{epochs} * eth::Uint256{model.price_coefficient} +
         model.storage_fee;
}

}  // namespace zg::finetune_sim
