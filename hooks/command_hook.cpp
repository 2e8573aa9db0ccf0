#include "hooks/command_hook.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "common/error.hpp"

extern char** environ;

namespace zg::hooks {
namespace {

constexpr int kLogWarn = 1;   // ZG_LOG_WARN
constexpr int kLogDebug = 3;  // ZG_LOG_DEBUG

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(left);
}

// Owns one file descriptor.
class Fd {
 public:
  explicit Fd(int fd = -1) noexcept : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const noexcept { return fd_; }
  void reset() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// Writes all of `input` before `deadline`; false when the program stopped reading or time ran out
// (`error` is set only for a failure that is ours to report, not for a program that did not read).
// The worker thread blocks SIGPIPE, so a program that exits without reading gives EPIPE here.
bool feed_stdin(int fd, std::string_view input, Clock::time_point deadline, std::string& error) {
  while (!input.empty()) {
    pollfd p{fd, POLLOUT, 0};
    const int ready = ::poll(&p, 1, remaining_ms(deadline));
    if (ready == 0) return false;
    if (ready < 0 && errno == EINTR) continue;
    const ssize_t n = ::write(fd, input.data(), input.size());
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    // EPIPE: the program closed its stdin or already exited. A hook may ignore the event's JSON;
    // whether it failed is what its exit status says, so that is what gets reported.
    if (n < 0 && errno == EPIPE) return false;
    if (n < 0) {
      error = std::string("writing the event to its stdin failed: ") + std::strerror(errno);
      return false;
    }
    input.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Waits for `pid` until `deadline`, then kills it. Returns the wait status, or nullopt on timeout.
std::optional<int> wait_or_kill(pid_t pid, Clock::time_point deadline) {
  int status = 0;
  while (true) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return status;
    if (done < 0 && errno != EINTR) return 0;
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return std::nullopt;
}

std::string describe(const std::vector<std::string>& argv) { return argv.empty() ? "(none)" : argv.front(); }

}  // namespace

std::vector<CommandHook> parse_command_hooks(const nlohmann::json& hooks) {
  if (!hooks.is_array()) throw UsageError("config \"hooks\" must be an array of {\"event\",\"command\"} objects");
  std::vector<CommandHook> parsed;
  for (std::size_t i = 0; i < hooks.size(); ++i) {
    const auto& entry = hooks[i];
    const std::string where = "config \"hooks\"[" + std::to_string(i) + "]";
    if (!entry.is_object()) throw UsageError(where + " must be an object");
    CommandHook hook;
    for (const auto& [key, value] : entry.items()) {
      if (key == "event") {
        const auto kind = value.is_string() ? event_from_name(value.get<std::string>()) : std::nullopt;
        if (!kind) throw UsageError(where + ".event must be one of the event names in plugin.h, e.g. \"usage.accounted\"");
        hook.event = *kind;
      } else if (key == "command") {
        if (!value.is_array() || value.empty()) throw UsageError(where + ".command must be a non-empty array of strings");
        for (const auto& part : value) {
          if (!part.is_string()) throw UsageError(where + ".command must be a non-empty array of strings");
          hook.command.push_back(part.get<std::string>());
        }
        if (hook.command.front().empty() || hook.command.front().front() != '/') {
          throw UsageError(where + ".command[0] must be an absolute path (no shell and no PATH search is used)");
        }
      } else if (key == "timeout_ms") {
        if (!value.is_number_integer() || value.get<std::int64_t>() < 1 || value.get<std::int64_t>() > 600000) {
          throw UsageError(where + ".timeout_ms must be a whole number of milliseconds from 1 to 600000");
        }
        hook.timeout = std::chrono::milliseconds(value.get<std::int64_t>());
      } else {
        throw UsageError(where + " has an unknown member \"" + key + "\" (known: event, command, timeout_ms)");
      }
    }
    if (!entry.contains("event")) throw UsageError(where + " needs an \"event\"");
    if (hook.command.empty()) throw UsageError(where + " needs a \"command\"");
    parsed.push_back(std::move(hook));
  }
  return parsed;
}

CommandResult run_command_with_input(const std::vector<std::string>& argv, std::string_view input,
                                     std::chrono::milliseconds timeout) {
  CommandResult result;
  if (argv.empty()) {
    result.error = "no command";
    return result;
  }
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    result.error = std::string("pipe failed: ") + std::strerror(errno);
    return result;
  }
  Fd read_end(pipe_fds[0]);
  Fd write_end(pipe_fds[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, read_end.get(), STDIN_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);  // the child must not inherit our blocked SIGPIPE
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);

  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int spawned = ::posix_spawn(&pid, args[0], &actions, &attributes, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) {
    result.error = std::string("could not start it: ") + std::strerror(spawned);
    return result;
  }
  result.started = true;
  read_end.reset();

  const auto deadline = Clock::now() + timeout;
  ::fcntl(write_end.get(), F_SETFL, O_NONBLOCK);
  feed_stdin(write_end.get(), input, deadline, result.error);
  write_end.reset();  // EOF for the program
  const auto status = wait_or_kill(pid, deadline);
  if (!status) {
    result.timed_out = true;
    return result;
  }
  if (WIFEXITED(*status)) result.exit_code = WEXITSTATUS(*status);
  return result;
}

CommandHookRunner::CommandHookRunner(Log log, std::size_t max_queued)
    : log_(std::move(log)), max_queued_(max_queued), worker_([this] { run_jobs(); }) {}

CommandHookRunner::~CommandHookRunner() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

void CommandHookRunner::enqueue(const CommandHook& hook, const nlohmann::json& event) {
  Job job{hook.command, hook.timeout, event.dump() + "\n", std::string(event_name(hook.event))};
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= max_queued_) {
      if (log_) log_(kLogWarn, "command hook " + describe(hook.command) + " on " + job.event_name + " dropped: too many queued");
      return;
    }
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void CommandHookRunner::attach(EventBus& bus, const std::vector<CommandHook>& hooks) {
  for (const auto& hook : hooks) {
    bus.add_observer(hook.event, "command " + describe(hook.command),
                     [this, hook](const nlohmann::json& event) { enqueue(hook, event); });
  }
}

void CommandHookRunner::wait_idle() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return queue_.empty() && !running_job_; });
}

void CommandHookRunner::run_jobs() {
  sigset_t pipe_signal;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);  // EPIPE instead of a process-wide SIGPIPE
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) break;  // stopping, and everything queued has run
    Job job = std::move(queue_.front());
    queue_.pop_front();
    running_job_ = true;
    lock.unlock();
    const auto result = run_command_with_input(job.argv, job.input, job.timeout);
    // A SIGPIPE raised by a program that did not read stays pending on this thread: consume it.
    timespec zero{0, 0};
    while (sigtimedwait(&pipe_signal, nullptr, &zero) > 0) {
    }
    if (log_) {
      const std::string who = "command hook " + describe(job.argv) + " on " + job.event_name;
      if (result.ok()) {
        log_(kLogDebug, who + " ran");
      } else if (result.timed_out) {
        log_(kLogWarn, who + " was killed after " + std::to_string(job.timeout.count()) + " ms");
      } else if (!result.error.empty()) {
        log_(kLogWarn, who + " failed: " + result.error);
      } else {
        log_(kLogWarn, who + " exited with status " + std::to_string(result.exit_code));
      }
    }
    lock.lock();
    running_job_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
  running_job_ = false;
  idle_.notify_all();
}

}  // namespace zg::hooks
