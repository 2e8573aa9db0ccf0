#pragma once
// The training configuration of a fine-tuning task (protocol-finetune.md §8), checked on this side
// with the provider broker's own rules (ctrl/task.go validateTrainingParams, newest upstream) so a
// bad file is refused before anything is signed or sent, with the text the broker would answer.
//
// The rules, in the broker's order: the text is a JSON object; none of the "forbidden" keys
// (fp16, bf16, lora_*, ...); no key outside the five allowed; all five present; then
// neftune_noise_alpha 0..10, num_train_epochs an integer 1..10, per_device_train_batch_size an
// integer 1..4, learning_rate written without e/E and within 0.00001..0.001, max_steps -1 or a
// positive integer. The text itself is sent verbatim as Task.trainingParams.
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace zg::finetune {

// The broker's text for the first rule `text` breaks; nullopt when the broker would accept it.
std::optional<std::string> training_params_error(std::string_view text);

// A training configuration the provider would refuse. what() is the broker's text.
class TrainingParamsError : public UsageError {
 public:
  using UsageError::UsageError;
};

// Throws TrainingParamsError with training_params_error(text).
void validate_training_params(std::string_view text);

// The example from the docs: {"neftune_noise_alpha":5,"num_train_epochs":1,
// "per_device_train_batch_size":2,"learning_rate":0.0002,"max_steps":3}.
std::string_view example_training_params() noexcept;

}  // namespace zg::finetune
