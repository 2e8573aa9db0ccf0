#pragma once
// The CLI's command table: every command is a path ("devnet up"), its options, its help, and a
// handler. Each cmd_*.cpp registers its group in one place (commands.cpp).
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "args.hpp"
#include "config/network.hpp"
#include "wallet/key_source.hpp"

namespace zg::cli {

// What every command gets: the global options, resolved lazily, and the output channel.
class Context {
 public:
  config::NetworkSelection network_selection;
  wallet::KeySource key_source;
  bool json_output = false;

  // The resolved network (flags > ZG_* env > defaults); cached after the first call.
  const config::Network& network();
  // The wallet key from --key-file / ZG_KEY_FILE / ZG_PRIVATE_KEY.
  crypto::PrivateKey wallet_key() const { return wallet::load_private_key(key_source); }
  // Result of a command: with --json the JSON document goes to stdout, otherwise `human`.
  void emit(const nlohmann::json& result, const std::string& human) const;
  // Progress for long work: stderr, so stdout stays machine-readable with --json.
  void progress(const std::string& line) const;

 private:
  std::optional<config::Network> network_;
};

struct Command {
  std::string path;     // e.g. "devnet up"
  std::string summary;  // one line for the command list
  std::string usage;    // longer help: arguments, what it does, an example
  std::vector<OptionSpec> options;
  std::function<int(Context&, const Args&)> run;
};

std::vector<Command> all_commands();

// Registrars, one per command group.
void add_devnet_commands(std::vector<Command>& commands);
void add_ledger_commands(std::vector<Command>& commands);
void add_inference_commands(std::vector<Command>& commands);
void add_storage_commands(std::vector<Command>& commands);
void add_network_commands(std::vector<Command>& commands);
void add_service_commands(std::vector<Command>& commands);
void add_finetune_commands(std::vector<Command>& commands);

}  // namespace zg::cli
