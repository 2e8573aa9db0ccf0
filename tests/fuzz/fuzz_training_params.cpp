// The fine-tuning broker's trainingParams rules as zg-finetune-sim applies them, and its JSONL
// dataset check: any text gives a verdict (a message or none), never a crash or a stray exception.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/error.hpp"
#include "finetune_server.hpp"
#include "training_params.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto verdict = zg::finetune_sim::training_params_error(text);
  if (!verdict) {
    const auto params = zg::finetune_sim::parse_training_params(text);  // must agree with the verdict
    if (params.num_train_epochs < 1 || params.num_train_epochs > 10) __builtin_trap();
  }
  (void)zg::finetune_sim::jsonl_error(text);
  return 0;
}
