#include "producer_pool.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace zg::bridge {

struct ProducerPool::State {
  std::mutex mutex;
  std::condition_variable work;
  std::deque<std::function<void()>> tasks;
  std::size_t idle = 0;  // threads waiting for a task
  bool stopping = false;
  std::chrono::milliseconds idle_exit;
};

void ProducerPool::produce_until_idle(const std::shared_ptr<State>& state) {
  std::unique_lock lock(state->mutex);
  for (;;) {
    ++state->idle;
    state->work.wait_for(lock, state->idle_exit, [&] { return !state->tasks.empty() || state->stopping; });
    --state->idle;
    if (state->tasks.empty()) return;  // idle too long, or the pool is gone
    auto task = std::move(state->tasks.front());
    state->tasks.pop_front();
    lock.unlock();
    try {
      task();
    } catch (...) {
    }
    task = nullptr;  // what it captured goes now, not when the next task comes
    lock.lock();
  }
}

ProducerPool::ProducerPool(std::chrono::milliseconds idle_exit) : state_(std::make_shared<State>()) {
  state_->idle_exit = idle_exit;
}

ProducerPool::~ProducerPool() {
  std::lock_guard lock(state_->mutex);
  state_->stopping = true;
  state_->work.notify_all();
}

void ProducerPool::run(std::function<void()> task) {
  std::unique_lock lock(state_->mutex);
  state_->tasks.push_back(std::move(task));
  // Every idle thread takes one queued task; start a thread when the queue outgrows them.
  if (state_->idle >= state_->tasks.size()) {
    state_->work.notify_one();
    return;
  }
  lock.unlock();
  std::thread(produce_until_idle, state_).detach();
}

}  // namespace zg::bridge
