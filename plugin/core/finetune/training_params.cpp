#include "finetune/training_params.hpp"

#include <array>
#include <cmath>

#include <nlohmann/json.hpp>

#include "common/text.hpp"

namespace zg::finetune {
namespace {

using nlohmann::json;

// In the broker's order; the keys of the "standard configuration template".
constexpr std::array<std::string_view, 5> kAllowed = {"neftune_noise_alpha", "num_train_epochs",
                                                       "per_device_train_batch_size", "learning_rate", "max_steps"};
constexpr std::array<std::string_view, 16> kForbidden = {
    "fp16",      "bf16",         "gradient_accumulation_steps", "warmup_ratio", "warmup_steps", "logging_steps",
    "save_steps", "save_total_limit", "max_seq_length",          "lora_r",       "lora_alpha",   "lora_dropout",
    "use_4bit",  "use_8bit",     "optim",                        "lr_scheduler_type"};

bool is_allowed(const std::string& key) {
  for (const auto allowed : kAllowed) {
    if (key == allowed) return true;
  }
  return false;
}

// Go's `val != float64(int(val))` on amd64: fractions and values outside int64 are not integers.
bool is_integral(double value) {
  return std::isfinite(value) && std::trunc(value) == value && std::fabs(value) < 9.2e18;
}

// What encoding/json says when the text is valid JSON but not an object.
std::string go_kind(const json& value) {
  if (value.is_array()) return "array";
  if (value.is_string()) return "string";
  if (value.is_boolean()) return "bool";
  return "number";
}

// ---- the raw text of one member (the broker looks at learning_rate's text, not its value) -------

std::size_t skip_whitespace(std::string_view s, std::size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  return i;
}

std::size_t skip_string(std::string_view s, std::size_t i) {  // s[i] == '"'
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return s.size();
}

std::size_t skip_value(std::string_view s, std::size_t i) {
  if (i < s.size() && s[i] == '"') return skip_string(s, i);
  if (i < s.size() && (s[i] == '{' || s[i] == '[')) {
    int depth = 0;
    while (i < s.size()) {
      const char c = s[i];
      if (c == '"') {
        i = skip_string(s, i);
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    return s.size();
  }
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' &&
         s[i] != '\r') {
    ++i;
  }
  return i;
}

// The raw text of the last member named `name` of the top-level object in `text` (already known to
// be valid JSON), as Go's json.RawMessage holds it.
std::optional<std::string_view> raw_member(std::string_view text, std::string_view name) {
  std::optional<std::string_view> found;
  std::size_t i = skip_whitespace(text, 0);
  if (i >= text.size() || text[i] != '{') return found;
  ++i;
  while (true) {
    i = skip_whitespace(text, i);
    if (i >= text.size() || text[i] != '"') return found;
    const auto key_end = skip_string(text, i);
    const json key = json::parse(text.substr(i, key_end - i), nullptr, false);
    i = skip_whitespace(text, key_end);
    if (i >= text.size() || text[i] != ':') return found;
    const auto value_start = skip_whitespace(text, i + 1);
    const auto value_end = skip_value(text, value_start);
    if (key.is_string() && key.get<std::string>() == name) found = text.substr(value_start, value_end - value_start);
    i = skip_whitespace(text, value_end);
    if (i >= text.size() || text[i] != ',') return found;
    ++i;
  }
}

std::optional<double> number(const json& params, const char* name) {
  const auto& value = params.at(name);
  if (!value.is_number()) return std::nullopt;
  return value.get<double>();
}

std::optional<std::string> value_error(const json& params, std::string_view text) {
  const auto alpha = number(params, "neftune_noise_alpha");
  if (!alpha) return "neftune_noise_alpha must be a number";
  if (*alpha < 0 || *alpha > 10) return "neftune_noise_alpha must be between 0 and 10";

  const auto epochs = number(params, "num_train_epochs");
  if (!epochs) return "num_train_epochs must be a number";
  if (*epochs <= 0 || !is_integral(*epochs)) return "num_train_epochs must be a positive integer";
  if (*epochs > 10) return "num_train_epochs should not exceed 10 for fine-tuning (typical: 1-3)";

  const auto batch = number(params, "per_device_train_batch_size");
  if (!batch) return "per_device_train_batch_size must be a number";
  if (*batch < 1 || *batch > 4 || !is_integral(*batch)) {
    return "per_device_train_batch_size must be an integer between 1 and 4";
  }

  // The broker checks the TEXT: any e or E in the raw value (even inside `true` or a string).
  if (const auto raw = raw_member(text, "learning_rate"); raw && raw->find_first_of("eE") != std::string_view::npos) {
    return "learning_rate must use decimal notation (e.g., 0.0002), not scientific notation (e.g., 2e-4)";
  }
  const auto rate = number(params, "learning_rate");
  if (!rate) return "learning_rate must be a number";
  if (*rate < 0.00001 || *rate > 0.001) return "learning_rate must be between 0.00001 and 0.001 (typical: 0.0002)";

  const auto steps = number(params, "max_steps");
  if (!steps) return "max_steps must be a number";
  if (*steps != -1 && (*steps <= 0 || !is_integral(*steps))) {
    return "max_steps must be -1 (to use epochs) or a positive integer";
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> training_params_error(std::string_view text) {
  json params;
  try {
    params = json::parse(text);
  } catch (const json::exception& e) {
    return "invalid training params JSON format: " + printable_excerpt(e.what(), 200);
  }
  if (params.is_null()) params = json::object();  // Go decodes `null` into an empty map
  if (!params.is_object()) {
    return "invalid training params JSON format: json: cannot unmarshal " + go_kind(params) +
           " into Go value of type map[string]interface {}";
  }
  for (const auto forbidden : kForbidden) {
    if (params.contains(forbidden)) {
      return "training config contains forbidden parameter '" + std::string(forbidden) +
             "'. Please use only the standard configuration template. See documentation: "
             "https://docs.0g.ai/developer-hub/building-on-0g/compute-network/fine-tuning#prepare-configuration-file";
    }
  }
  for (const auto& [key, value] : params.items()) {
    if (!is_allowed(key)) {
      return "training config contains unexpected parameter '" + printable_excerpt(key, 100) +
             "'. Only these parameters are allowed: neftune_noise_alpha, num_train_epochs, "
             "per_device_train_batch_size, learning_rate, max_steps";
    }
  }
  for (const auto required : kAllowed) {
    if (!params.contains(required)) return "training config missing required parameter '" + std::string(required) + "'";
  }
  return value_error(params, text);
}

void validate_training_params(std::string_view text) {
  if (auto error = training_params_error(text)) throw TrainingParamsError(*error);
}

std::string_view example_training_params() noexcept {
  return R"({"neftune_noise_alpha":5,"num_train_epochs":1,"per_device_train_batch_size":2,"learning_rate":0.0002,"max_steps":3})";
}

}  // namespace zg::finetune
