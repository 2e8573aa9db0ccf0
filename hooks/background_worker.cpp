#include "hooks/background_worker.hpp"

#include <exception>

namespace zg::hooks {

BackgroundWorker::BackgroundWorker(std::string name, ErrorLog log_error, std::size_t max_queued)
    : name_(std::move(name)), log_error_(std::move(log_error)), max_queued_(max_queued), thread_([this] { run(); }) {}

BackgroundWorker::~BackgroundWorker() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

bool BackgroundWorker::post(Task task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= max_queued_) return false;
    queue_.push_back(std::move(task));
  }
  wake_.notify_one();
  return true;
}

void BackgroundWorker::wait_idle() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return queue_.empty() && !busy_; });
}

void BackgroundWorker::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) break;
    Task task = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    try {
      task();
    } catch (const std::exception& error) {
      if (log_error_) log_error_(name_ + ": " + error.what());
    } catch (...) {
      if (log_error_) log_error_(name_ + ": unknown failure");
    }
    lock.lock();
    busy_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
  idle_.notify_all();
}

}  // namespace zg::hooks
