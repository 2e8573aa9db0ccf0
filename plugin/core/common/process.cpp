#include "common/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <thread>
#include <utility>

#include "common/error.hpp"

extern char** environ;

namespace zg {
namespace {

std::vector<char*> as_c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

std::vector<std::string> environment_with(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::optional<int> reap(int pid, bool block) {
  int status = 0;
  const int r = waitpid(pid, &status, block ? 0 : WNOHANG);
  if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return std::nullopt;
}

bool is_alive(int pid) { return kill(pid, 0) == 0 || errno == EPERM; }


// Runs in the forked child: only async-signal-safe calls until execve.
// On failure it writes errno to `report_fd` (close-on-exec, so a successful exec closes it silently).
[[noreturn]] void exec_child(char* const* argv, char* const* env, const char* output, bool die_with_parent, pid_t parent,
                             int report_fd) {
  // Its own process group: a Ctrl-C meant for us does not reach a detached devnet.
  ::setpgid(0, 0);
  // An owned child (a test's anvil, a simulator) must not outlive us even when we crash or are
  // killed: the kernel sends it SIGTERM when we go away.
  if (die_with_parent) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);  // we died before prctl took effect
  }
  const int in = ::open("/dev/null", O_RDONLY);
  const int out = ::open(output, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (in >= 0 && out >= 0) {
    ::dup2(in, STDIN_FILENO);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(out, STDERR_FILENO);
    ::execve(argv[0], argv, env);
  }
  const int error = errno;
  (void)!::write(report_fd, &error, sizeof error);
  ::_exit(127);
}

}  // namespace

ChildProcess ChildProcess::spawn(const ProcessOptions& options) {
  if (options.argv.empty()) throw UsageError("cannot start a process without a program path");
  const std::string output = options.output_file.empty() ? "/dev/null" : options.output_file.string();
  // Everything the child needs is prepared before fork: after it only async-signal-safe calls.
  auto argv = options.argv;
  auto env = environment_with(options.extra_environment);
  auto c_argv = as_c_strings(argv);
  auto c_env = as_c_strings(env);
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) throw IoError(std::string("cannot create a pipe: ") + std::strerror(errno));
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(report[0]);
    ::close(report[1]);
    throw IoError("cannot start " + options.argv[0] + ": fork failed: " + std::strerror(errno));
  }
  if (pid == 0) exec_child(c_argv.data(), c_env.data(), output.c_str(), !options.detach_from_owner, parent, report[1]);
  ::close(report[1]);
  // Returns once the child has exec'd (EOF) or failed to (errno): callers then see the real program.
  int child_errno = 0;
  ssize_t n = 0;
  do {
    n = ::read(report[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  ::close(report[0]);
  if (n == static_cast<ssize_t>(sizeof child_errno)) {
    ::waitpid(pid, nullptr, 0);
    throw IoError("cannot start " + options.argv[0] + ": " + std::strerror(child_errno));
  }
  return ChildProcess(pid, !options.detach_from_owner);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept : pid_(other.pid_), owned_(other.owned_) {
  other.pid_ = -1;
  other.owned_ = false;
}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    if (owned_) stop();
    pid_ = std::exchange(other.pid_, -1);
    owned_ = std::exchange(other.owned_, false);
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  if (owned_) stop();
}

bool ChildProcess::running() {
  if (pid_ <= 0) return false;
  if (reap(pid_, false)) {
    pid_ = -1;
    return false;
  }
  return true;
}

std::optional<int> ChildProcess::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return std::nullopt;
  const int pid = std::exchange(pid_, -1);
  owned_ = false;
  if (auto status = reap(pid, false)) return status;
  kill(pid, SIGTERM);
  std::optional<int> status;
  wait_until([&] { return (status = reap(pid, false)).has_value(); }, grace);
  if (!status) {
    kill(pid, SIGKILL);
    status = reap(pid, true);
  }
  return status;
}

int ChildProcess::release() noexcept {
  owned_ = false;
  return std::exchange(pid_, -1);
}

bool stop_process_by_pid(int pid, const std::string& expected_name, std::chrono::milliseconds grace) {
  if (pid <= 0) return false;
  std::ifstream cmdline("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
  if (text.find(expected_name) == std::string::npos) return false;
  kill(pid, SIGTERM);
  // Not our child any more (a detached devnet): we cannot waitpid, so poll for it to vanish.
  if (!wait_until([&] { return reap(pid, false).has_value() || !is_alive(pid); }, grace)) {
    kill(pid, SIGKILL);
    wait_until([&] { return reap(pid, false).has_value() || !is_alive(pid); }, grace);
  }
  return true;
}

namespace {

std::optional<int> port_after(std::string_view text, std::string_view marker) {
  const auto at = text.find(marker);
  if (at == std::string_view::npos) return std::nullopt;
  int port = 0;
  std::size_t digits = 0;
  for (auto i = at + marker.size(); i < text.size() && text[i] >= '0' && text[i] <= '9' && digits < 6; ++i, ++digits) {
    port = port * 10 + (text[i] - '0');
  }
  if (digits == 0 || port > 65535) return std::nullopt;
  return port;
}

}  // namespace

std::string read_log(const std::filesystem::path& log) {
  std::ifstream in(log, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::optional<int> wait_for_listening_port(ChildProcess& child, const std::filesystem::path& log,
                                           std::string_view marker, std::chrono::milliseconds timeout) {
  std::optional<int> port;
  wait_until(
      [&] {
        const std::string text = read_log(log);
        port = port_after(text, marker);
        return port.has_value() || !child.running();
      },
      timeout);
  return port;
}

bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (ready()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace zg
