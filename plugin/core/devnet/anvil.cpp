#include "devnet/anvil.hpp"

#include <optional>

#include "common/error.hpp"
#include "devnet/npm_tools.hpp"

namespace zg::devnet {
Anvil::Anvil(ChildProcess process, int port)
    : process_(std::move(process)), port_(port), rpc_url_("http://127.0.0.1:" + std::to_string(port)) {}

Anvil Anvil::start(const AnvilOptions& options) {
  if (options.log_file.empty()) throw UsageError("anvil needs a log file to report its port");
  ProcessOptions spawn;
  spawn.argv = {anvil_binary().string(), "--host", "127.0.0.1", "--port", "0",
                "--chain-id", std::to_string(options.chain_id),
                "--accounts", std::to_string(options.accounts), "--balance", options.balance_ether};
  spawn.output_file = options.log_file;
  spawn.detach_from_owner = options.detach;
  auto process = ChildProcess::spawn(spawn);

  const auto port = wait_for_listening_port(process, options.log_file, "Listening on 127.0.0.1:", std::chrono::seconds(30));
  if (!port) {
    process.stop();
    throw IoError("anvil did not start (log: " + options.log_file.string() + "):\n" + read_log(options.log_file));
  }
  return Anvil(std::move(process), *port);
}

}  // namespace zg::devnet
