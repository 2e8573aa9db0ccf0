#include "embedding_model.hpp"

#include <algorithm>
#include <cmath>

#include "chat_model.hpp"
#include "common/error.hpp"
#include "crypto/sha256.hpp"

namespace zg::provider {

namespace {

using nlohmann::json;

[[noreturn]] void refuse(const std::string& reason) { throw ParseError("invalid request body: " + reason); }

bool is_token_id(const json& value) { return value.is_number_unsigned(); }

EmbeddingInput text_input(const json& text) {
  const auto value = text.get<std::string>();
  if (value.empty()) refuse("`input` strings must not be empty");
  // The chat model's token count (whitespace-separated words); a text of blanks still costs one.
  return {value, std::max<std::uint64_t>(1, count_words(value))};
}

EmbeddingInput token_input(const json& ids) {
  if (!ids.is_array() || ids.empty()) refuse("a token list in `input` must be a non-empty array of integers");
  for (const auto& id : ids) {
    if (!is_token_id(id)) refuse("token ids in `input` must be non-negative integers");
  }
  return {ids.dump(), ids.size()};
}

// The four shapes OpenAI accepts: "text", ["text", ...], [id, ...], [[id, ...], ...].
std::vector<EmbeddingInput> parse_inputs(const json& input) {
  if (input.is_string()) return {text_input(input)};
  if (!input.is_array()) refuse("`input` must be a string or an array of strings or token ids");
  if (input.empty()) refuse("`input` must not be an empty array");
  if (input.size() > kMaxEmbeddingInputs) {
    refuse("`input` has " + std::to_string(input.size()) + " elements; at most " + std::to_string(kMaxEmbeddingInputs));
  }
  if (is_token_id(input.front())) return {token_input(input)};
  std::vector<EmbeddingInput> inputs;
  inputs.reserve(input.size());
  const bool texts = input.front().is_string();
  for (const auto& element : input) {
    if (texts != element.is_string()) refuse("`input` must not mix strings with other values");
    inputs.push_back(texts ? text_input(element) : token_input(element));
  }
  return inputs;
}

unsigned parse_dimensions(const json& body) {
  const auto it = body.find("dimensions");
  if (it == body.end() || it->is_null()) return kDefaultEmbeddingDimensions;
  if (!it->is_number_unsigned() || it->get<std::uint64_t>() == 0 || it->get<std::uint64_t>() > kMaxEmbeddingDimensions) {
    refuse("`dimensions` must be a whole number from 1 to " + std::to_string(kMaxEmbeddingDimensions));
  }
  return static_cast<unsigned>(it->get<std::uint64_t>());
}

void check_encoding_format(const json& body) {
  const auto it = body.find("encoding_format");
  if (it == body.end() || it->is_null()) return;
  if (!it->is_string() || it->get<std::string>() != "float") {
    refuse("`encoding_format` must be \"float\" (the only format this model returns)");
  }
}

}  // namespace

std::uint64_t EmbeddingRequest::prompt_tokens() const {
  std::uint64_t total = 0;
  for (const auto& input : inputs) total += input.tokens;
  return total;
}

EmbeddingRequest parse_embedding_request(std::string_view body, const std::string& default_model) {
  EmbeddingRequest request;
  request.body = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (request.body.is_discarded()) refuse("not valid JSON");
  if (!request.body.is_object()) refuse("expected a JSON object");
  const auto input = request.body.find("input");
  if (input == request.body.end() || input->is_null()) refuse("`input` is required");
  request.inputs = parse_inputs(*input);
  request.input_json = input->dump();
  request.dimensions = parse_dimensions(request.body);
  check_encoding_format(request.body);
  bool rewritten = false;
  if (!request.body.contains("model") || request.body["model"].is_null()) {
    request.body["model"] = default_model;  // the broker fills in its on-chain default
    rewritten = true;
  }
  if (!request.body["model"].is_string()) refuse("`model` must be a string");
  request.model = request.body["model"].get<std::string>();
  request.forwarded_body = rewritten ? request.body.dump() : std::string(body);
  return request;
}

std::vector<double> embed_deterministically(std::string_view model, std::string_view key, unsigned dimensions) {
  // Each block of 8 components is one SHA-256 of (model, key, block number), NUL-separated so that
  // ("ab","c") and ("a","bc") differ; 4 hash bytes map to one component in [-1, 1).
  std::vector<double> vector;
  vector.reserve(dimensions);
  for (unsigned block = 0; vector.size() < dimensions; ++block) {
    std::string seed(model);
    seed.push_back('\0');
    seed.append(key);
    seed.push_back('\0');
    seed.append(std::to_string(block));
    const auto digest = crypto::sha256(as_bytes(seed));
    for (std::size_t at = 0; at + 4 <= digest.size() && vector.size() < dimensions; at += 4) {
      const std::uint32_t bits = (std::uint32_t{digest[at]} << 24) | (std::uint32_t{digest[at + 1]} << 16) |
                                 (std::uint32_t{digest[at + 2]} << 8) | std::uint32_t{digest[at + 3]};
      vector.push_back(static_cast<double>(bits) / 2147483648.0 - 1.0);
    }
  }
  double norm = 0;
  for (const double x : vector) norm += x * x;
  norm = std::sqrt(norm);
  for (double& x : vector) x = std::round((norm > 0 ? x / norm : 0.0) * 1e6) / 1e6;
  return vector;
}

std::string embedding_body(const EmbeddingRequest& request) {
  json data = json::array();
  for (std::size_t i = 0; i < request.inputs.size(); ++i) {
    data.push_back({{"object", "embedding"},
                    {"index", i},
                    {"embedding", embed_deterministically(request.model, request.inputs[i].key, request.dimensions)}});
  }
  const auto tokens = request.prompt_tokens();
  return json{{"object", "list"},
              {"data", std::move(data)},
              {"model", request.model},
              {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}}}
      .dump();
}

}  // namespace zg::provider
