#pragma once
// User command hooks from the config ("hooks":[{"event":"usage.accounted","command":["/bin/prog","arg"]}]):
// a program that receives one event as JSON on stdin. Programs run off the request path, one at a
// time on a worker thread, without a shell, with a time limit; a failure is logged and never fails
// the request that raised the event.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "hooks/event_bus.hpp"

namespace zg::hooks {

struct CommandHook {
  EventKind event = EventKind::usage_accounted;
  std::vector<std::string> command;  // argv; command[0] is an absolute path to the program
  std::chrono::milliseconds timeout{10000};
};

// Parses the config's "hooks" member: an array of {"event","command"[, "timeout_ms"]}. Throws
// UsageError with the member at fault (unknown event, empty or relative command, unknown key).
std::vector<CommandHook> parse_command_hooks(const nlohmann::json& hooks);

// How one run ended, for logs and tests.
struct CommandResult {
  bool started = false;
  bool timed_out = false;
  int exit_code = -1;  // -1 when killed by a signal or not started
  std::string error;   // why it did not start, or what went wrong feeding stdin
  bool ok() const noexcept { return started && !timed_out && exit_code == 0 && error.empty(); }
};

// Runs `argv` (no shell, no PATH search, stdout/stderr discarded), writes `input` to its stdin,
// closes it, and waits up to `timeout` (then SIGKILL). Never throws for the program's failures.
CommandResult run_command_with_input(const std::vector<std::string>& argv, std::string_view input,
                                     std::chrono::milliseconds timeout);

class CommandHookRunner {
 public:
  using Log = std::function<void(int level, const std::string& line)>;  // ZG_LOG_* levels

  explicit CommandHookRunner(Log log, std::size_t max_queued = 1024);
  ~CommandHookRunner();  // runs what is queued (each within its timeout), then joins
  CommandHookRunner(const CommandHookRunner&) = delete;
  CommandHookRunner& operator=(const CommandHookRunner&) = delete;

  // Queues one run; returns at once. A full queue drops the run (and logs it).
  void enqueue(const CommandHook& hook, const nlohmann::json& event);
  // Subscribes every hook to its event on `bus`.
  void attach(EventBus& bus, const std::vector<CommandHook>& hooks);

  // Waits until the queue is empty and no program runs (tests, shutdown).
  void wait_idle();

 private:
  struct Job {
    std::vector<std::string> argv;
    std::chrono::milliseconds timeout;
    std::string input;
    std::string event_name;
  };
  void run_jobs();

  Log log_;
  std::size_t max_queued_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<Job> queue_;
  bool running_job_ = false;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace zg::hooks
