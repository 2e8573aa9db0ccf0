#pragma once
// The built-in deterministic chat model: answers "echo: <last user message>", counts tokens as
// whitespace-separated words (the broker's own fallback count, protocol-inference.md §6), and
// renders the answer as an OpenAI chat completion or as a list of streaming chunks whose last
// data chunk carries `usage` (the broker forces stream_options.include_usage, §5).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "broker/fee.hpp"

namespace zg::provider {

// A client's chat request after the broker's checks and rewriting (§5).
struct ChatRequest {
  nlohmann::json body;           // the parsed request, rewritten (model filled in, include_usage forced)
  std::string forwarded_body;    // the bytes the model receives and the request hash covers
  std::string model;
  bool stream = false;
  std::string messages_json;     // json.Marshal(messages): its byte length prices the balance gate
};

// ParseError for anything that is not a JSON object with a non-empty `messages` array of objects
// whose `content` (when present) is a string or an array; `stream` must be a boolean when present.
// The body is forwarded byte-for-byte unless the broker had to rewrite it.
ChatRequest parse_chat_request(std::string_view body, const std::string& default_model);

// Whitespace-separated words (spaces, tabs, line breaks).
std::uint64_t count_words(std::string_view text);
// The words of every message's text content.
std::uint64_t count_prompt_tokens(const nlohmann::json& messages);
// The text of the last message with role "user" ("" when there is none).
std::string last_user_text(const nlohmann::json& messages);

struct ChatAnswer {
  std::string id;       // "chatcmpl-…"
  std::string model;
  std::int64_t created = 0;
  std::vector<std::string> pieces;  // the answer text, in the pieces a stream sends
  broker::TokenUsage usage;
  std::string text() const;
};

ChatAnswer answer_deterministically(const ChatRequest& request, std::string id, std::int64_t created);

// The non-streaming body: {"id","object":"chat.completion","created","model","choices":[…],"usage":{…}}.
std::string completion_body(const ChatAnswer& answer);
// The streaming data payloads: a role chunk, one chunk per piece, a finish chunk, then a usage
// chunk with empty choices (what OpenAI sends with include_usage).
std::vector<std::string> stream_payloads(const ChatAnswer& answer);

// Usage as a model reports it (prompt_tokens/completion_tokens), from a completion body or from
// the data payloads of a stream; nullopt when it is absent or malformed.
std::optional<broker::TokenUsage> usage_from_json(const nlohmann::json& object);

}  // namespace zg::provider
