#pragma once
// One thread that runs queued tasks in order, off the request path (async verification, funding
// checks). Tasks must not throw past themselves; anything they throw is logged and dropped. The
// destructor runs what is queued, then joins.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace zg::hooks {

class BackgroundWorker {
 public:
  using Task = std::function<void()>;
  using ErrorLog = std::function<void(const std::string& line)>;

  BackgroundWorker(std::string name, ErrorLog log_error, std::size_t max_queued = 4096);
  ~BackgroundWorker();
  BackgroundWorker(const BackgroundWorker&) = delete;
  BackgroundWorker& operator=(const BackgroundWorker&) = delete;

  // False (and the task dropped) when the queue is full or the worker is stopping.
  bool post(Task task);
  void wait_idle();  // until the queue is empty and no task runs

 private:
  void run();

  std::string name_;
  ErrorLog log_error_;
  std::size_t max_queued_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<Task> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace zg::hooks
