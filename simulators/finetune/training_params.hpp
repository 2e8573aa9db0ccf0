#pragma once
// The fine-tuning broker's trainingParams rules (protocol-finetune.md §8; broker ctrl/task.go
// validateTrainingParams): exactly five keys, each with its range, learning_rate in decimal
// notation. The messages are the broker's, so a client sees the same text from us as from a
// live provider.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zg::finetune_sim {

struct TrainingParams {
  double neftune_noise_alpha = 0;
  std::int64_t num_train_epochs = 0;
  std::int64_t per_device_train_batch_size = 0;
  double learning_rate = 0;
  std::int64_t max_steps = 0;  // -1: train by epochs
};

// Parses and validates the trainingParams text. Throws ParseError whose what() is the broker's
// message, e.g. "learning_rate must use decimal notation (e.g., 0.0002), not scientific notation
// (e.g., 2e-4)". Never crashes on any input.
TrainingParams parse_training_params(std::string_view json_text);

// The broker's message for `json_text`, or none when it is valid.
std::optional<std::string> training_params_error(std::string_view json_text);

}  // namespace zg::finetune_sim
