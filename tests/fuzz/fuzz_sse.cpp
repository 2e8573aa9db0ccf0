// Fuzzes the provider stream parsers: the input is split at a position taken from its first byte
// and fed to the chat-stream parser (SSE + chunk JSON), with small limits so the size checks are
// reached; the same bytes also go through the non-streaming completion parser and the provider
// error-body reader. Only zg::Error may escape; a crash or any other exception is a bug.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "broker/provider_client.hpp"
#include "broker/sse.hpp"

namespace {

void parse_stream(std::string_view bytes, std::size_t split) {
  zg::broker::SseLimits limits;
  limits.max_line_bytes = 4096;
  limits.max_event_bytes = 8192;
  zg::broker::ChatStreamParser parser(limits);
  std::size_t delivered = 0;
  const auto on_chunk = [&](const zg::broker::ChatChunk& chunk) { delivered += chunk.content.size(); };
  try {
    parser.feed(bytes.substr(0, split), on_chunk);
    parser.feed(bytes.substr(split), on_chunk);
    parser.finish(on_chunk);
    if (delivered != parser.content().size()) __builtin_trap();  // every delta reaches the caller
  } catch (const zg::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  parse_stream(bytes, bytes.empty() ? 0 : data[0] % (bytes.size() + 1));
  try {
    (void)zg::broker::parse_chat_completion(std::string(bytes));
  } catch (const zg::Error&) {
  }
  (void)zg::broker::provider_error_text(bytes);
  return 0;
}
