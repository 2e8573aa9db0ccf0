#pragma once
// A local anvil chain on a free loopback port, stopped by PID when the owner goes away.
#include <cstdint>
#include <filesystem>
#include <string>

#include "common/process.hpp"

namespace zg::devnet {

struct AnvilOptions {
  std::uint64_t chain_id = 31337;
  std::filesystem::path log_file;   // anvil's output; required (we read the port from it)
  bool detach = false;              // keep running after this object is gone (`zg devnet up`)
  std::uint64_t accounts = 10;      // funded dev accounts from the standard test mnemonic
  std::string balance_ether = "100000";
};

class Anvil {
 public:
  static Anvil start(const AnvilOptions& options);

  const std::string& rpc_url() const noexcept { return rpc_url_; }
  int port() const noexcept { return port_; }
  int pid() const noexcept { return process_.pid(); }
  int release() noexcept { return process_.release(); }  // for detached devnets
  void stop() { process_.stop(); }

 private:
  Anvil(ChildProcess process, int port);
  ChildProcess process_;
  int port_;
  std::string rpc_url_;
};

}  // namespace zg::devnet
