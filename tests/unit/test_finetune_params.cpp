// Training configurations are checked locally with the provider broker's rules (ctrl/task.go
// validateTrainingParams): each rule gives exactly the broker's text, in the broker's order.
#include <gtest/gtest.h>

#include <string>

#include "finetune/training_params.hpp"

namespace zg::finetune {
namespace {

std::string error_of(const std::string& text) { return training_params_error(text).value_or("(accepted)"); }

// The example config with one member replaced (or added, when `key` is new).
std::string with(const std::string& key, const std::string& raw_value) {
  const std::string keys[] = {"neftune_noise_alpha", "num_train_epochs", "per_device_train_batch_size", "learning_rate",
                              "max_steps"};
  const std::string values[] = {"5", "1", "2", "0.0002", "3"};
  std::string text = "{";
  bool replaced = false;
  for (int i = 0; i < 5; ++i) {
    const bool hit = keys[i] == key;
    replaced = replaced || hit;
    text += (i ? "," : "") + std::string("\"") + keys[i] + "\":" + (hit ? raw_value : values[i]);
  }
  if (!replaced) text += ",\"" + key + "\":" + raw_value;
  return text + "}";
}

TEST(FinetuneParams, TheDocumentedExampleAndItsVariantsAreAccepted) {
  EXPECT_EQ(error_of(std::string(example_training_params())), "(accepted)");
  EXPECT_NO_THROW(validate_training_params(example_training_params()));
  EXPECT_EQ(error_of(with("max_steps", "-1")), "(accepted)");
  EXPECT_EQ(error_of(with("learning_rate", "0.00001")), "(accepted)");
  EXPECT_EQ(error_of(with("learning_rate", "0.001")), "(accepted)");
  EXPECT_EQ(error_of(with("neftune_noise_alpha", "0")), "(accepted)");
  EXPECT_EQ(error_of(with("neftune_noise_alpha", "10")), "(accepted)");
  EXPECT_EQ(error_of(with("num_train_epochs", "10.0")), "(accepted)");  // Go: a float64 that is integral
  EXPECT_EQ(error_of(" {\n \"max_steps\" : 3 , \"learning_rate\" : 0.0002, \"neftune_noise_alpha\":5,"
                     "\"num_train_epochs\":1,\"per_device_train_batch_size\":4 }\n"),
            "(accepted)");
}

TEST(FinetuneParams, NotAJsonObject) {
  EXPECT_EQ(error_of("[1,2]"),
            "invalid training params JSON format: json: cannot unmarshal array into Go value of type map[string]interface {}");
  EXPECT_EQ(error_of("\"text\""),
            "invalid training params JSON format: json: cannot unmarshal string into Go value of type map[string]interface {}");
  EXPECT_EQ(error_of("{\"a\":").rfind("invalid training params JSON format: ", 0), 0u);
  // Go decodes null into an empty map: the first missing key is reported.
  EXPECT_EQ(error_of("null"), "training config missing required parameter 'neftune_noise_alpha'");
  EXPECT_THROW(validate_training_params("nope"), TrainingParamsError);
}

TEST(FinetuneParams, ForbiddenKeysComeFirstInTheBrokersOrder) {
  const std::string tail =
      "'. Please use only the standard configuration template. See documentation: "
      "https://docs.0g.ai/developer-hub/building-on-0g/compute-network/fine-tuning#prepare-configuration-file";
  EXPECT_EQ(error_of(with("lora_r", "8")), "training config contains forbidden parameter 'lora_r" + tail);
  EXPECT_EQ(error_of(with("fp16", "true")), "training config contains forbidden parameter 'fp16" + tail);
  // Both present: fp16 precedes lr_scheduler_type in the broker's list, whatever the JSON order.
  EXPECT_EQ(error_of("{\"lr_scheduler_type\":\"cosine\",\"fp16\":true}"),
            "training config contains forbidden parameter 'fp16" + tail);
}

TEST(FinetuneParams, UnknownAndMissingKeys) {
  EXPECT_EQ(error_of(with("epochs", "1")),
            "training config contains unexpected parameter 'epochs'. Only these parameters are allowed: "
            "neftune_noise_alpha, num_train_epochs, per_device_train_batch_size, learning_rate, max_steps");
  EXPECT_EQ(error_of("{\"neftune_noise_alpha\":5,\"num_train_epochs\":1,\"per_device_train_batch_size\":2,"
                     "\"learning_rate\":0.0002}"),
            "training config missing required parameter 'max_steps'");
  EXPECT_EQ(error_of("{}"), "training config missing required parameter 'neftune_noise_alpha'");
}

TEST(FinetuneParams, ValueRulesWithTheBrokersTexts) {
  EXPECT_EQ(error_of(with("neftune_noise_alpha", "\"5\"")), "neftune_noise_alpha must be a number");
  EXPECT_EQ(error_of(with("neftune_noise_alpha", "10.5")), "neftune_noise_alpha must be between 0 and 10");
  EXPECT_EQ(error_of(with("neftune_noise_alpha", "-0.1")), "neftune_noise_alpha must be between 0 and 10");
  EXPECT_EQ(error_of(with("num_train_epochs", "0")), "num_train_epochs must be a positive integer");
  EXPECT_EQ(error_of(with("num_train_epochs", "1.5")), "num_train_epochs must be a positive integer");
  EXPECT_EQ(error_of(with("num_train_epochs", "11")), "num_train_epochs should not exceed 10 for fine-tuning (typical: 1-3)");
  EXPECT_EQ(error_of(with("num_train_epochs", "true")), "num_train_epochs must be a number");
  EXPECT_EQ(error_of(with("per_device_train_batch_size", "5")),
            "per_device_train_batch_size must be an integer between 1 and 4");
  EXPECT_EQ(error_of(with("per_device_train_batch_size", "2.5")),
            "per_device_train_batch_size must be an integer between 1 and 4");
  EXPECT_EQ(error_of(with("per_device_train_batch_size", "null")), "per_device_train_batch_size must be a number");
  EXPECT_EQ(error_of(with("learning_rate", "0.01")), "learning_rate must be between 0.00001 and 0.001 (typical: 0.0002)");
  EXPECT_EQ(error_of(with("learning_rate", "0.000001")),
            "learning_rate must be between 0.00001 and 0.001 (typical: 0.0002)");
  EXPECT_EQ(error_of(with("learning_rate", "\"0.0002\"")), "learning_rate must be a number");
  EXPECT_EQ(error_of(with("max_steps", "0")), "max_steps must be -1 (to use epochs) or a positive integer");
  EXPECT_EQ(error_of(with("max_steps", "-2")), "max_steps must be -1 (to use epochs) or a positive integer");
  EXPECT_EQ(error_of(with("max_steps", "2.5")), "max_steps must be -1 (to use epochs) or a positive integer");
  EXPECT_EQ(error_of(with("max_steps", "[]")), "max_steps must be a number");
}

TEST(FinetuneParams, ScientificNotationIsRefusedInTheText) {
  const std::string text = "learning_rate must use decimal notation (e.g., 0.0002), not scientific notation (e.g., 2e-4)";
  EXPECT_EQ(error_of(with("learning_rate", "2e-4")), text);
  EXPECT_EQ(error_of(with("learning_rate", "2E-4")), text);
  EXPECT_EQ(error_of(with("learning_rate", "0.2e-3")), text);
  // The broker looks at the raw text: `true` has an "e" too, and so does a string "1e-4".
  EXPECT_EQ(error_of(with("learning_rate", "true")), text);
  EXPECT_EQ(error_of(with("learning_rate", "\"1e-4\"")), text);
  // Only learning_rate's text counts; an exponent elsewhere is judged by value.
  EXPECT_EQ(error_of(with("neftune_noise_alpha", "5e0")), "(accepted)");
  // The LAST duplicate wins, as in Go.
  EXPECT_EQ(error_of(with("learning_rate", "2e-4").substr(0, with("learning_rate", "2e-4").size() - 1) +
                     ",\"learning_rate\":0.0002}"),
            "(accepted)");
  // But the scientific check only runs after the earlier value rules passed.
  EXPECT_EQ(error_of("{\"neftune_noise_alpha\":50,\"num_train_epochs\":1,\"per_device_train_batch_size\":2,"
                     "\"learning_rate\":2e-4,\"max_steps\":3}"),
            "neftune_noise_alpha must be between 0 and 10");
}

}  // namespace
}  // namespace zg::finetune
