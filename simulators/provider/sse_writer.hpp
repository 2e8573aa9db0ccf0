#pragma once
// Server-sent events as the OpenAI streaming API writes them: one `data: <json>` event per chunk,
// a blank line after each, and the `data: [DONE]` terminator the SDK and clients look for.
#include <string>
#include <string_view>

namespace zg::provider {

inline constexpr std::string_view kSseDone = "data: [DONE]\n\n";

// "data: " + payload + "\n\n". A payload with a line break would split the event, so it is refused
// (UsageError): our JSON payloads are always dumped on one line.
std::string sse_event(std::string_view payload);

}  // namespace zg::provider
