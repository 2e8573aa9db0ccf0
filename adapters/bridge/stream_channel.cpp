#include "stream_channel.hpp"

namespace zg::bridge {

bool StreamChannel::set_head(ResponseHead head) {
  std::lock_guard lock(mutex_);
  if (abandoned_) return false;
  head_ = std::move(head);
  changed_.notify_all();
  return true;
}

bool StreamChannel::push(std::string chunk) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return abandoned_ || !bounded_ || queued_bytes_ < kMaxQueuedBytes; });
  if (abandoned_) return false;
  queued_bytes_ += chunk.size();
  chunks_.push_back(std::move(chunk));
  changed_.notify_all();
  return true;
}

void StreamChannel::finish() {
  std::lock_guard lock(mutex_);
  finished_ = true;
  changed_.notify_all();
}

std::optional<ResponseHead> StreamChannel::wait_head() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return head_.has_value() || finished_ || abandoned_; });
  return head_;
}

std::optional<std::string> StreamChannel::next_chunk() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return !chunks_.empty() || finished_ || abandoned_; });
  if (chunks_.empty() || abandoned_) return std::nullopt;
  std::string chunk = std::move(chunks_.front());
  chunks_.pop_front();
  queued_bytes_ -= chunk.size();
  changed_.notify_all();
  return chunk;
}

std::optional<std::string> StreamChannel::next_chunks() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return !chunks_.empty() || finished_ || abandoned_; });
  if (chunks_.empty() || abandoned_) return std::nullopt;
  std::string joined = std::move(chunks_.front());
  chunks_.pop_front();
  while (!chunks_.empty()) {
    joined += chunks_.front();
    chunks_.pop_front();
  }
  queued_bytes_ = 0;
  changed_.notify_all();
  return joined;
}

void StreamChannel::abandon() {
  std::lock_guard lock(mutex_);
  abandoned_ = true;
  changed_.notify_all();
}

bool StreamChannel::abandoned() const {
  std::lock_guard lock(mutex_);
  return abandoned_;
}

}  // namespace zg::bridge
