#pragma once
// Hands a streamed response from the thread that produces it (a plugin request or an upstream
// fetch) to the HTTP connection thread that writes it: first the head (status, headers), then body
// chunks in order, then the end. Chunks are passed on as they arrive, never collected; a producer
// that gets more than kMaxQueuedBytes ahead of a slow client waits (back-pressure).
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace zg::bridge {

struct ResponseHead {
  int status = 200;
  std::string content_type;
  std::map<std::string, std::string> headers;  // extra response headers (X-ZG-Provider, ...)
};

class StreamChannel {
 public:
  static constexpr std::size_t kMaxQueuedBytes = 1 << 20;

  // `bounded` false: push never waits (for a producer and consumer on one thread, which collect a
  // non-streamed answer first and send it whole).
  explicit StreamChannel(bool bounded = true) : bounded_(bounded) {}

  // Producer side. Each returns false once the consumer abandoned the stream (client gone).
  bool set_head(ResponseHead head);
  bool push(std::string chunk);
  void finish();  // no more chunks; also releases a consumer waiting for a head that never came

  // Consumer side.
  // Waits for the head; std::nullopt when the producer finished without one (it failed before).
  std::optional<ResponseHead> wait_head();
  // Waits for the next chunk; std::nullopt at the end of the stream.
  std::optional<std::string> next_chunk();
  // Waits for the next chunk and takes every chunk queued behind it too, joined: a client that fell
  // behind gets one write for what piled up instead of one per event. std::nullopt at the end.
  std::optional<std::string> next_chunks();
  void abandon();  // the client went away: producers stop, waits end
  bool abandoned() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<ResponseHead> head_;
  std::deque<std::string> chunks_;
  std::size_t queued_bytes_ = 0;
  bool finished_ = false;
  bool abandoned_ = false;
  bool bounded_ = true;
};

}  // namespace zg::bridge
