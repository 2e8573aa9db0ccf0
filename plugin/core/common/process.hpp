#pragma once
// Child processes the core starts (anvil, simulators, llama-server). Each child runs in its own
// process group and is stopped by PID (SIGTERM, then SIGKILL) when its owner goes away, so nothing
// we start outlives the test or command that started it.
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zg {

struct ProcessOptions {
  std::vector<std::string> argv;                // argv[0] is the program path
  std::filesystem::path output_file;            // stdout+stderr go here (empty: /dev/null)
  std::vector<std::string> extra_environment;   // "NAME=value" entries added to ours
  bool detach_from_owner = false;               // survive the owner (for `zg devnet up`)
};

class ChildProcess {
 public:
  static ChildProcess spawn(const ProcessOptions& options);
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  int pid() const noexcept { return pid_; }
  bool running();
  // SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit status when known.
  std::optional<int> stop(std::chrono::milliseconds grace = std::chrono::milliseconds(3000));
  // Gives up ownership: the process keeps running and is not stopped by the destructor.
  int release() noexcept;

 private:
  explicit ChildProcess(int pid, bool owned) noexcept : pid_(pid), owned_(owned) {}
  int pid_ = -1;
  bool owned_ = false;
};

// Stops a process we started earlier and only know by PID (e.g. from the devnet file).
// Checks /proc/<pid>/cmdline contains `expected_name` first, so a recycled PID is left alone.
bool stop_process_by_pid(int pid, const std::string& expected_name,
                         std::chrono::milliseconds grace = std::chrono::milliseconds(3000));

// What a child has written to its log file so far (empty when it cannot be read): for error messages
// and for watching a starting server.
std::string read_log(const std::filesystem::path& log);

// Servers we start print "<marker><port>" (e.g. "Listening on 127.0.0.1:") once they accept
// connections. Watches `log` for it until `timeout`, or until `child` exits; returns the port.
std::optional<int> wait_for_listening_port(ChildProcess& child, const std::filesystem::path& log,
                                           std::string_view marker, std::chrono::milliseconds timeout);

// Polls `ready` every 20 ms until it returns true or `timeout` passes.
bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds timeout);

}  // namespace zg
