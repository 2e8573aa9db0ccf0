#pragma once
// What the three simulators (zg-provider-sim, zg-finetune-sim, zg-storage-sim) share around their
// own logic: the process shell (signals, --help, exit codes), the loopback listener, the option-table
// parser, the log line and the keys. One copy, so a fix to how a simulator starts or stops lands in all.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "crypto/secp256k1.hpp"

namespace httplib {
class Server;
}

namespace zg::sim {

// The whole of a simulator's main(): blocks SIGTERM/SIGINT in every thread (serve_until_signal waits
// for them on one), answers --help/-h with `usage`, runs `run` on the other arguments, and turns
// errors into "<program>: <message>" on stderr with exit code 2 (UsageError) or 1 (anything else).
int simulator_main(std::string_view program, int argc, char** argv, const std::function<std::string()>& usage,
                   const std::function<int(std::span<const std::string_view> args)>& run);

// Binds `server` to 127.0.0.1:`port` (0: any free port) and returns the port. Throws IoError.
int bind_loopback(httplib::Server& server, int port);

// Prints "listening on 127.0.0.1:<port>" (what the devnet launcher waits for), runs `listen` until it
// returns, which it does when SIGTERM/SIGINT arrives (then `stop` is called) or on its own.
// Returns listen's result. Requires simulator_main's signal mask.
bool serve_until_signal(int port, const std::function<bool()>& listen, const std::function<void()>& stop);

// "<program>: <line>" on stderr, whole lines even from many threads.
class LogLine {
 public:
  explicit LogLine(std::string program) : program_(std::move(program)) {}
  void operator()(const std::string& line) const;

 private:
  std::string program_;
  mutable std::mutex mutex_;
};

// A key from a 0600 file, or else from the environment variable `variable`.
crypto::PrivateKey load_key(const std::optional<std::filesystem::path>& file, const char* variable);

// A fixed key derived from `label` that is not the registered TEE signer: the "sign with the wrong
// key" faults. The label keeps each simulator's wrong key distinct and stable across runs.
crypto::PrivateKey not_the_tee_key(std::string_view label);

// Parses "--switch" and "--flag VALUE" arguments into `config` through two tables. A setter's
// zg::Error (not UsageError) becomes "--flag: <message>"; an unknown flag lists `usage`.
template <typename Config>
struct OptionTable {
  std::map<std::string_view, std::function<void(Config&)>> switches;
  std::map<std::string_view, std::function<void(Config&, std::string_view)>> values;

  void parse(std::span<const std::string_view> args, Config& config, const std::string& usage) const {
    for (std::size_t i = 0; i < args.size(); ++i) {
      const std::string_view flag = args[i];
      if (const auto found = switches.find(flag); found != switches.end()) {
        found->second(config);
        continue;
      }
      const auto found = values.find(flag);
      if (found == values.end()) throw UsageError("unknown option " + std::string(flag) + "\n" + usage);
      if (i + 1 == args.size()) throw UsageError(std::string(flag) + " needs a value");
      try {
        found->second(config, args[++i]);
      } catch (const UsageError&) {
        throw;
      } catch (const Error& error) {
        throw UsageError(std::string(flag) + ": " + error.what());
      }
    }
  }
};

// A whole non-negative number for `flag`, or a UsageError that quotes the text.
std::uint64_t parse_count(std::string_view flag, std::string_view text);

}  // namespace zg::sim
