#pragma once
// The built-in deterministic embedding model of an "embedding" service: parses an OpenAI
// embeddings request, answers one unit-length vector per input derived from SHA-256 of the model
// name and the input (same input, same vector), and reports usage the way the upstream broker
// bills it (Broker ctrl/embedding.go updateEmbeddingWithUsage: prompt_tokens x inputPrice, no
// output side; usage carries prompt_tokens and total_tokens only).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace zg::provider {

inline constexpr unsigned kDefaultEmbeddingDimensions = 16;
inline constexpr unsigned kMaxEmbeddingDimensions = 4096;
inline constexpr std::size_t kMaxEmbeddingInputs = 2048;  // OpenAI's limit on one request's inputs

// One element of `input`: a text, or a list of token ids (OpenAI's pre-tokenized shape).
struct EmbeddingInput {
  std::string key;          // what the vector is derived from: the text, or the ids' JSON
  std::uint64_t tokens = 0; // words of the text (at least 1), or the number of ids
};

struct EmbeddingRequest {
  nlohmann::json body;         // the parsed request, rewritten (model filled in)
  std::string forwarded_body;  // the bytes the model receives and the request hash covers
  std::string model;
  std::vector<EmbeddingInput> inputs;
  unsigned dimensions = kDefaultEmbeddingDimensions;
  std::string input_json;      // json.Marshal(input): its byte length prices the balance gate
  std::uint64_t prompt_tokens() const;
};

// ParseError with the reason for anything but a JSON object whose `input` is a non-empty string,
// a non-empty array of non-empty strings, a non-empty array of non-negative integers, or a
// non-empty array of non-empty arrays of them (at most kMaxEmbeddingInputs); `model` a string when
// present; `encoding_format` "float" when present; `dimensions` 1..kMaxEmbeddingDimensions.
// The body is forwarded byte-for-byte unless the model had to be filled in.
EmbeddingRequest parse_embedding_request(std::string_view body, const std::string& default_model);

// The vector for one input: `dimensions` components, L2 norm 1 (to rounding), each rounded to 6
// decimals so the JSON stays short.
std::vector<double> embed_deterministically(std::string_view model, std::string_view key, unsigned dimensions);

// {"object":"list","data":[{"object":"embedding","index":i,"embedding":[...]}...],"model",
//  "usage":{"prompt_tokens":N,"total_tokens":N}}.
std::string embedding_body(const EmbeddingRequest& request);

}  // namespace zg::provider
