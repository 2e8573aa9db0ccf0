#pragma once
// The threads that produce streamed responses (a plugin request or an upstream fetch) while the
// connection's own thread writes the chunks. A stream used to start a thread of its own; starting
// and ending one per request was a measurable part of a short stream's cost (bench/README.md,
// zg-bridge), so finished producers now wait a while for the next stream instead. There is no upper
// bound on threads: a producer may block for minutes on a slow model, and a new stream must never
// wait behind it. Threads are detached and share the queue, so a server that shuts down does not
// wait for a producer still reading (the old detached threads behaved the same).
#include <chrono>
#include <functional>
#include <memory>

namespace zg::bridge {

class ProducerPool {
 public:
  explicit ProducerPool(std::chrono::milliseconds idle_exit = std::chrono::seconds(30));
  ~ProducerPool();  // idle threads end at once; busy ones after their task
  ProducerPool(const ProducerPool&) = delete;
  ProducerPool& operator=(const ProducerPool&) = delete;

  // Runs `task` on an idle producer thread, or a new one. `task` must not throw (it is caught and
  // dropped if it does).
  void run(std::function<void()> task);

 private:
  struct State;
  static void produce_until_idle(const std::shared_ptr<State>& state);
  std::shared_ptr<State> state_;
};

}  // namespace zg::bridge
