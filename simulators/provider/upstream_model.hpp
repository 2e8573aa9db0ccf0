#pragma once
// --upstream: the chat request goes to a real OpenAI-compatible server (llama-server, vLLM) and
// its bytes come back unchanged, as the broker passes them through (§6). Usage is read from the
// body, or from the stream's data chunks (include_usage is forced, so the last one has it).
// A streamed answer is relayed event by event as the upstream sends it; what the TEE signs (the
// hash of the whole stream) is only known at its end, as in the upstream broker.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "broker/fee.hpp"

namespace zg::provider {

struct ModelReply {
  std::vector<std::string> parts;  // the response bytes, in the pieces they are sent (SSE events for streams)
  std::optional<broker::TokenUsage> usage;
  std::string content_type;
};

// POSTs `body` to <upstream_url>/v1/chat/completions and waits for the whole answer; IoError when
// the server cannot be reached or answers other than 200 (the broker answers 502 then).
ModelReply ask_upstream(const std::string& upstream_url, const std::string& body, bool stream);

// Splits an SSE byte stream into its events (each with its blank-line terminator) and finds the
// usage among the data payloads.
std::vector<std::string> split_sse_events(const std::string& stream);
std::optional<broker::TokenUsage> usage_from_sse(const std::vector<std::string>& events);

// Cuts SSE bytes that arrive in arbitrary pieces into whole events ("...\n\n" or "...\r\n\r\n").
class SseEventSplitter {
 public:
  // Appends `bytes` and returns the events completed by them, terminators included.
  std::vector<std::string> feed(std::string_view bytes);
  // What is left after the last terminator (an unterminated last event, if any).
  std::string take_rest();

 private:
  std::string pending_;
};

// One streamed chat relayed from the upstream while it arrives. The upstream request runs on its
// own thread: the constructor returns once the upstream's status is known, so a failing upstream
// still becomes a clean 502 before anything was sent to the client.
class UpstreamStream {
 public:
  // Called once on the upstream thread with every byte the upstream sent and the usage found in
  // them, before the final "data: [DONE]" event is handed out: the signature is ready when the
  // client sees the end of the stream.
  using Completion = std::function<void(const std::string& all_bytes, const std::optional<broker::TokenUsage>& usage)>;

  // IoError (nothing relayed, nothing billed) when the upstream is unreachable or does not answer 200.
  UpstreamStream(const std::string& upstream_url, std::string body, Completion on_complete);
  // Waits for the upstream to finish: as the broker, the provider keeps reading (and bills the whole
  // answer) when the client went away.
  ~UpstreamStream();
  UpstreamStream(const UpstreamStream&) = delete;
  UpstreamStream& operator=(const UpstreamStream&) = delete;

  // The next SSE event, waiting until it arrived; nullopt once the stream is over.
  std::optional<std::string> next_event();

 private:
  void run(const std::string& upstream_url, const std::string& body);
  void on_bytes(std::string_view bytes);
  void finish(const std::string& failure);

  Completion on_complete_;
  std::mutex mutex_;
  std::condition_variable changed_;
  int status_ = 0;             // the upstream's HTTP status, 0 until its headers arrived
  bool finished_ = false;      // the upstream thread is done (answer complete, failed or cut)
  std::string failure_;        // why the upstream could not be used
  std::string all_bytes_;      // everything the upstream sent (for the signature and the error text)
  std::deque<std::string> ready_;  // events the client may have now
  std::vector<std::string> held_;  // "data: [DONE]" and after, released once signed
  SseEventSplitter splitter_;
  std::thread thread_;
};

}  // namespace zg::provider
