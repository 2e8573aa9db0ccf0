#include "sse_writer.hpp"

#include "common/error.hpp"

namespace zg::provider {

std::string sse_event(std::string_view payload) {
  if (payload.find_first_of("\r\n") != std::string_view::npos) {
    throw UsageError("an SSE data payload must be a single line");
  }
  std::string event;
  event.reserve(payload.size() + 8);
  event.append("data: ").append(payload).append("\n\n");
  return event;
}

}  // namespace zg::provider
