#include "common/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
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

// RAII holder for posix_spawn attribute and file-action objects.
struct SpawnSetup {
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attributes{};
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

std::optional<int> reap(int pid, bool block) {
  int status = 0;
  const int r = waitpid(pid, &status, block ? 0 : WNOHANG);
  if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return std::nullopt;
}

bool is_alive(int pid) { return kill(pid, 0) == 0 || errno == EPERM; }

}  // namespace

ChildProcess ChildProcess::spawn(const ProcessOptions& options) {
  if (options.argv.empty()) throw UsageError("cannot start a process without a program path");
  SpawnSetup setup;
  const std::string output = options.output_file.empty() ? "/dev/null" : options.output_file.string();
  posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&setup.actions, STDOUT_FILENO, output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&setup.actions, STDOUT_FILENO, STDERR_FILENO);
  // Its own process group: a Ctrl-C meant for us does not kill a detached devnet, and we can
  // signal the whole group of a child that forks.
  posix_spawnattr_setflags(&setup.attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&setup.attributes, 0);

  auto argv = options.argv;
  auto env = environment_with(options.extra_environment);
  auto c_argv = as_c_strings(argv);
  auto c_env = as_c_strings(env);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, c_argv[0], &setup.actions, &setup.attributes, c_argv.data(), c_env.data());
  if (rc != 0) throw IoError("cannot start " + options.argv[0] + ": " + std::strerror(rc));
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

bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (ready()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace zg
