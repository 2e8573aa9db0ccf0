#include "upstream_model.hpp"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "broker/provider_client.hpp"
#include "chat_model.hpp"
#include "common/error.hpp"

namespace zg::provider {

namespace {

constexpr std::size_t kMaxErrorBodyBytes = 64 * 1024;  // an upstream error text is shown, not stored whole
constexpr time_t kUpstreamReadTimeoutSeconds = 300;  // a model may think for a long time between tokens

// "http://host:port[/v1][/]" -> "http://host:port": the chat path is added per request.
std::string upstream_base(std::string url) {
  if (url.ends_with("/")) url.pop_back();
  if (url.ends_with("/v1")) url.resize(url.size() - 3);
  return url;
}

bool is_done_event(std::string_view event) { return event.starts_with("data: [DONE]"); }

}  // namespace

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
  const std::string base = upstream_base(upstream_url);
  httplib::Client client(base);
  client.set_read_timeout(kUpstreamReadTimeoutSeconds, 0);
  const auto result = client.Post("/v1/chat/completions", body, "application/json");
  if (!result) throw IoError("upstream " + base + " unreachable: " + httplib::to_string(result.error()));
  if (result->status != 200) {
    throw IoError("upstream " + base + " answered HTTP " + std::to_string(result->status) + ": " +
                  broker::provider_error_text(result->body));
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

std::vector<std::string> SseEventSplitter::feed(std::string_view bytes) {
  pending_.append(bytes);
  std::vector<std::string> events;
  std::size_t start = 0;
  while (true) {
    const std::size_t lf = pending_.find("\n\n", start);
    const std::size_t crlf = pending_.find("\r\n\r\n", start);
    if (lf == std::string::npos && crlf == std::string::npos) break;
    const std::size_t stop = crlf < lf ? crlf + 4 : lf + 2;
    events.push_back(pending_.substr(start, stop - start));
    start = stop;
  }
  pending_.erase(0, start);
  return events;
}

std::string SseEventSplitter::take_rest() { return std::exchange(pending_, {}); }

UpstreamStream::UpstreamStream(const std::string& upstream_url, std::string body, Completion on_complete)
    : on_complete_(std::move(on_complete)) {
  const std::string base = upstream_base(upstream_url);
  thread_ = std::thread([this, base, body = std::move(body)] { run(base, body); });
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return status_ != 0 || finished_; });
  if (status_ == 200) return;
  changed_.wait(lock, [this] { return finished_; });
  const std::string failure = failure_;
  lock.unlock();
  thread_.join();
  throw IoError("upstream " + base + " " + failure);
}

UpstreamStream::~UpstreamStream() {
  if (thread_.joinable()) thread_.join();
}

std::optional<std::string> UpstreamStream::next_event() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return !ready_.empty() || finished_; });
  if (ready_.empty()) return std::nullopt;
  std::string event = std::move(ready_.front());
  ready_.pop_front();
  return event;
}

void UpstreamStream::run(const std::string& base, const std::string& body) {
  httplib::Client client(base);
  client.set_read_timeout(kUpstreamReadTimeoutSeconds, 0);
  httplib::Request request;
  request.method = "POST";
  request.path = "/v1/chat/completions";
  request.body = body;
  request.set_header("Content-Type", "application/json");
  request.set_header("Accept", "text/event-stream");
  request.response_handler = [this](const httplib::Response& response) {
    std::lock_guard lock(mutex_);
    status_ = response.status;
    changed_.notify_all();
    return true;
  };
  request.content_receiver = [this](const char* data, std::size_t size, std::uint64_t, std::uint64_t) {
    on_bytes(std::string_view(data, size));
    return true;
  };
  std::string failure;
  try {
    if (const auto result = client.send(request); !result) failure = "unreachable: " + httplib::to_string(result.error());
  } catch (const std::exception& e) {
    failure = std::string("failed: ") + e.what();
  }
  finish(failure);
}

void UpstreamStream::on_bytes(std::string_view bytes) {
  std::lock_guard lock(mutex_);
  if (status_ != 200) {
    // An error answer: keep (a bounded part of) its text for the 502.
    all_bytes_.append(bytes.substr(0, kMaxErrorBodyBytes - std::min(kMaxErrorBodyBytes, all_bytes_.size())));
    return;
  }
  all_bytes_.append(bytes);
  for (auto& event : splitter_.feed(bytes)) {
    if (!held_.empty() || is_done_event(event)) {
      held_.push_back(std::move(event));
    } else {
      ready_.push_back(std::move(event));
    }
  }
  changed_.notify_all();
}

void UpstreamStream::finish(const std::string& failure) {
  bool relayed = false;
  {
    std::lock_guard lock(mutex_);
    relayed = status_ == 200;
  }
  if (relayed) {
    // Only this thread writes all_bytes_, so it is read here without the lock. The completion signs and
    // bills the whole answer, even one the upstream cut short.
    try {
      on_complete_(all_bytes_, usage_from_sse(split_sse_events(all_bytes_)));
    } catch (...) {
      // The answer was relayed already; a failed signature shows up as "chat id not found".
    }
  }
  std::lock_guard lock(mutex_);
  if (relayed) {
    for (auto& event : held_) ready_.push_back(std::move(event));
    held_.clear();
    if (auto rest = splitter_.take_rest(); !rest.empty()) ready_.push_back(std::move(rest));
  } else if (status_ != 0) {
    failure_ = "answered HTTP " + std::to_string(status_) + ": " + broker::provider_error_text(all_bytes_);
  } else {
    failure_ = failure.empty() ? "closed the connection without an answer" : failure;
  }
  finished_ = true;
  changed_.notify_all();
}

}  // namespace zg::provider
