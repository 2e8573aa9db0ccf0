#pragma once
// --upstream: the chat request goes to a real OpenAI-compatible server (llama-server, vLLM) and
// its bytes come back unchanged, as the broker passes them through (§6). Usage is read from the
// body, or from the stream's data chunks (include_usage is forced, so the last one has it).
#include <optional>
#include <string>
#include <vector>

#include "broker/fee.hpp"

namespace zg::provider {

struct ModelReply {
  std::vector<std::string> parts;  // the response bytes, in the pieces they are sent (SSE events for streams)
  std::optional<broker::TokenUsage> usage;
  std::string content_type;
};

// POSTs `body` to <upstream_url>/v1/chat/completions; IoError when the server cannot be reached or
// answers other than 200 (the broker answers 502 then).
ModelReply ask_upstream(const std::string& upstream_url, const std::string& body, bool stream);

// Splits an SSE byte stream into its events (each with its blank-line terminator) and finds the
// usage among the data payloads.
std::vector<std::string> split_sse_events(const std::string& stream);
std::optional<broker::TokenUsage> usage_from_sse(const std::vector<std::string>& events);

}  // namespace zg::provider
