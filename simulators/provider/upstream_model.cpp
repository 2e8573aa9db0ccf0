#include "upstream_model.hpp"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "chat_model.hpp"
#include "common/error.hpp"

namespace zg::provider {

std::vector<std::string> split_sse_events(const std::string& stream) {
  std::vector<std::string> events;
  std::size_t start = 0;
  while (start < stream.size()) {
    const std::size_t end = stream.find("\n\n", start);
    const std::size_t stop = end == std::string::npos ? stream.size() : end + 2;
    events.push_back(stream.substr(start, stop - start));
    start = stop;
  }
  return events;
}

std::optional<broker::TokenUsage> usage_from_sse(const std::vector<std::string>& events) {
  std::optional<broker::TokenUsage> usage;
  for (const auto& event : events) {
    constexpr std::string_view kData = "data: ";
    if (event.rfind(kData, 0) != 0) continue;
    const auto payload = nlohmann::json::parse(event.substr(kData.size()), nullptr, false);
    if (auto found = usage_from_json(payload)) usage = found;
  }
  return usage;
}

ModelReply ask_upstream(const std::string& upstream_url, const std::string& body, bool stream) {
  std::string base = upstream_url;
  if (base.ends_with("/")) base.pop_back();
  if (base.ends_with("/v1")) base.resize(base.size() - 3);
  httplib::Client client(base);
  client.set_read_timeout(300, 0);
  const auto result = client.Post("/v1/chat/completions", body, "application/json");
  if (!result) throw IoError("upstream " + base + " unreachable: " + httplib::to_string(result.error()));
  if (result->status != 200) {
    throw IoError("upstream " + base + " answered HTTP " + std::to_string(result->status));
  }
  ModelReply reply;
  reply.content_type = stream ? "text/event-stream" : "application/json";
  if (stream) {
    reply.parts = split_sse_events(result->body);
    reply.usage = usage_from_sse(reply.parts);
  } else {
    reply.parts = {result->body};
    reply.usage = usage_from_json(nlohmann::json::parse(result->body, nullptr, false));
  }
  return reply;
}

}  // namespace zg::provider
