#include "training_params.hpp"

#include <array>
#include <cmath>

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace zg::finetune_sim {

namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 5> kRequired = {"neftune_noise_alpha", "num_train_epochs",
                                                       "per_device_train_batch_size", "learning_rate", "max_steps"};
// Keys users often copy from other trainers' configs; the broker names them specifically.
constexpr std::array<std::string_view, 16> kForbidden = {
    "fp16",     "bf16",     "gradient_accumulation_steps", "warmup_ratio",   "warmup_steps", "logging_steps",
    "save_steps", "save_total_limit", "max_seq_length",     "lora_r",        "lora_alpha",   "lora_dropout",
    "use_4bit", "use_8bit", "optim",                      "lr_scheduler_type"};

[[noreturn]] void reject(const std::string& message) { throw ParseError(message); }

bool is_integral(double value) { return std::isfinite(value) && value == std::trunc(value); }

// Go unmarshals every JSON number into float64 and nothing else: a string or bool is "not a number".
std::optional<double> number_of(const json& value) {
  if (!value.is_number()) return std::nullopt;
  return value.get<double>();
}

// Skips one JSON string starting at text[i] == '"'; returns the index after the closing quote.
std::size_t skip_string(std::string_view text, std::size_t i) {
  for (++i; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == '"') {
      return i + 1;
    }
  }
  return text.size();
}

std::size_t skip_space(std::string_view text, std::size_t i) {
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) ++i;
  return i;
}

// Skips one JSON value (already known to be valid JSON); returns the index after it.
std::size_t skip_value(std::string_view text, std::size_t i) {
  if (i >= text.size()) return i;
  if (text[i] == '"') return skip_string(text, i);
  if (text[i] == '{' || text[i] == '[') {
    int depth = 0;
    while (i < text.size()) {
      const char c = text[i];
      if (c == '"') {
        i = skip_string(text, i);
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    return i;
  }
  while (i < text.size() && text[i] != ',' && text[i] != '}' && text[i] != ']' && text[i] != ' ' && text[i] != '\t' &&
         text[i] != '\n' && text[i] != '\r') {
    ++i;
  }
  return i;
}

// The raw text of a top-level member, as Go's map[string]json.RawMessage holds it (the last of
// duplicate keys wins, as in Go). `text` must be a valid JSON object.
std::optional<std::string_view> raw_member(std::string_view text, std::string_view wanted) {
  std::optional<std::string_view> found;
  std::size_t i = skip_space(text, 0);
  if (i >= text.size() || text[i] != '{') return std::nullopt;
  i = skip_space(text, i + 1);
  while (i < text.size() && text[i] == '"') {
    const std::size_t key_end = skip_string(text, i);
    const auto key = json::parse(text.substr(i, key_end - i)).get<std::string>();  // decodes escapes
    i = skip_space(text, key_end);
    if (i >= text.size() || text[i] != ':') return found;
    i = skip_space(text, i + 1);
    const std::size_t value_end = skip_value(text, i);
    if (key == wanted) found = text.substr(i, value_end - i);
    i = skip_space(text, value_end);
    if (i < text.size() && text[i] == ',') i = skip_space(text, i + 1);
  }
  return found;
}

void check_keys(const json& params) {
  for (const auto forbidden : kForbidden) {
    if (params.contains(forbidden)) {
      reject("training config contains forbidden parameter '" + std::string(forbidden) +
             "'. Please use only the standard configuration template. See documentation: "
             "https://docs.0g.ai/developer-hub/building-on-0g/compute-network/fine-tuning#prepare-configuration-file");
    }
  }
  for (const auto& [key, value] : params.items()) {
    if (std::find(kRequired.begin(), kRequired.end(), key) == kRequired.end()) {
      reject("training config contains unexpected parameter '" + key +
             "'. Only these parameters are allowed: neftune_noise_alpha, num_train_epochs, "
             "per_device_train_batch_size, learning_rate, max_steps");
    }
  }
  for (const auto required : kRequired) {
    if (!params.contains(required)) reject("training config missing required parameter '" + std::string(required) + "'");
  }
}

}  // namespace

TrainingParams parse_training_params(std::string_view json_text) {
  json params;
  try {
    params = json::parse(json_text);
  } catch (const json::exception& error) {
    reject(std::string("invalid training params JSON format: ") + error.what());
  }
  // Go decodes JSON null into an empty map (every key then counts as missing); anything else that
  // is not an object fails to unmarshal.
  if (params.is_null()) params = json::object();
  if (!params.is_object()) {
    reject("invalid training params JSON format: json: cannot unmarshal " + std::string(params.type_name()) +
           " into Go value of type map[string]interface {}");
  }
  check_keys(params);

  TrainingParams out;
  const auto alpha = number_of(params["neftune_noise_alpha"]);
  if (!alpha) reject("neftune_noise_alpha must be a number");
  if (*alpha < 0 || *alpha > 10) reject("neftune_noise_alpha must be between 0 and 10");
  out.neftune_noise_alpha = *alpha;

  const auto epochs = number_of(params["num_train_epochs"]);
  if (!epochs) reject("num_train_epochs must be a number");
  if (*epochs <= 0 || !is_integral(*epochs)) reject("num_train_epochs must be a positive integer");
  if (*epochs > 10) reject("num_train_epochs should not exceed 10 for fine-tuning (typical: 1-3)");
  out.num_train_epochs = static_cast<std::int64_t>(*epochs);

  const auto batch = number_of(params["per_device_train_batch_size"]);
  if (!batch) reject("per_device_train_batch_size must be a number");
  if (*batch < 1 || *batch > 4 || !is_integral(*batch)) {
    reject("per_device_train_batch_size must be an integer between 1 and 4");
  }
  out.per_device_train_batch_size = static_cast<std::int64_t>(*batch);

  // The broker looks at the raw text before the value: "2e-4" (and even `true`) has an 'e' in it.
  if (const auto raw = raw_member(json_text, "learning_rate");
      raw && raw->find_first_of("eE") != std::string_view::npos) {
    reject("learning_rate must use decimal notation (e.g., 0.0002), not scientific notation (e.g., 2e-4)");
  }
  const auto rate = number_of(params["learning_rate"]);
  if (!rate) reject("learning_rate must be a number");
  if (*rate < 0.00001 || *rate > 0.001) reject("learning_rate must be between 0.00001 and 0.001 (typical: 0.0002)");
  out.learning_rate = *rate;

  const auto steps = number_of(params["max_steps"]);
  if (!steps) reject("max_steps must be a number");
  if (*steps != -1 && (*steps <= 0 || !is_integral(*steps) || *steps > 9.0e18)) {
    reject("max_steps must be -1 (to use epochs) or a positive integer");
  }
  out.max_steps = static_cast<std::int64_t>(*steps);
  return out;
}

std::optional<std::string> training_params_error(std::string_view json_text) {
  try {
    parse_training_params(json_text);
    return std::nullopt;
  } catch (const ParseError& error) {
    return std::string(error.what());
  }
}

}  // namespace zg::finetune_sim
