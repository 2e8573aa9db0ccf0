// Fuzzes the keep-alive HTTP/1.1 response parser (zg-bridge's upstream connection): the input is
// fed in two pieces split at a position taken from its first byte, then end of input. Whatever the
// bytes, it must end in done, failed or still waiting, never crash, and deliver exactly the body
// bytes it accounted for (Content-Length bodies never more than announced).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "gateway/http_response_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t split = bytes.empty() ? 0 : data[0] % (bytes.size() + 1);
  std::uint64_t body = 0;
  int heads = 0;
  zg::gateway::HttpResponseParser parser(
      [&](const zg::gateway::HttpResponseHead&) {
        ++heads;
        return true;
      },
      [&](std::string_view piece) {
        body += piece.size();
        return true;
      });
  const std::size_t used = parser.feed(bytes.substr(0, split));
  if (used > split) __builtin_trap();
  if (used == split) parser.feed(bytes.substr(split));
  parser.end_of_input();
  if (heads > 1) __builtin_trap();
  const auto& head = parser.head();
  const bool bodiless = head.status == 204 || head.status == 304;
  if (parser.done() && head.content_length && !head.chunked && !head.close && !bodiless && body != *head.content_length) {
    __builtin_trap();
  }
  if (!parser.done() && !parser.failed() && !parser.stopped()) __builtin_trap();  // end_of_input settles it
  return 0;
}
