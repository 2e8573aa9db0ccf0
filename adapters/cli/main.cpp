// zg: the command-line interface to the 0G Compute Network.
//
// `zg [global options] <command> [options]`. Global options may appear anywhere. Errors print one
// clear line on stderr and exit 1 (2 for usage errors); nothing here prints a private key.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "cli_events.hpp"
#include "command.hpp"
#include "common/error.hpp"

namespace {

using zg::cli::Command;
using zg::cli::OptionSpec;

const std::vector<OptionSpec>& global_options() {
  static const std::vector<OptionSpec> specs = {
      {"network", "NAME", "testnet, mainnet or local (the devnet; default) [ZG_NETWORK]"},
      {"rpc", "URL", "EVM JSON-RPC endpoint, overrides the network's [ZG_RPC]"},
      {"ledger-contract", "ADDR", "LedgerManager address override [ZG_LEDGER_CONTRACT]"},
      {"inference-contract", "ADDR", "InferenceServing address override [ZG_INFERENCE_CONTRACT]"},
      {"finetune-contract", "ADDR", "FineTuningServing address override [ZG_FINETUNE_CONTRACT]"},
      {"key-file", "PATH", "wallet key file, hex, mode 0600 [ZG_KEY_FILE]; or set ZG_PRIVATE_KEY"},
      {"devnet-file", "PATH", "devnet state file [ZG_DEVNET_FILE]"},
      {"hooks", "FILE", "command hooks for model.acknowledged/decrypted/imported: a JSON file, the gateway's\n"
                        "\"hooks\" array ([{\"event\",\"command\":[\"/abs/prog\",...],\"timeout_ms\"}]) or a config\n"
                        "object holding it; each program gets the event JSON on stdin, zg waits for them [ZG_HOOKS]"},
      {"json", "", "machine-readable output on stdout"},
      {"help", "", "show help for zg or for a command"},
  };
  return specs;
}

const OptionSpec* global_spec(const std::string& token) {
  if (token.rfind("--", 0) != 0) return nullptr;
  auto name = token.substr(2);
  if (const auto eq = name.find('='); eq != std::string::npos) name.resize(eq);
  for (const auto& s : global_options()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

// Finds the longest command path made of the leading non-option words; global options (and
// their values) may stand before and between them. `rest` gets every other token, in order.
const Command* find_command(const std::vector<Command>& commands, const std::vector<std::string>& tokens,
                            std::vector<std::string>& rest) {
  std::vector<std::size_t> word_positions;
  for (std::size_t i = 0; i < tokens.size() && word_positions.size() < 3; ++i) {
    const auto& t = tokens[i];
    if (const auto* spec = global_spec(t)) {
      if (!spec->value_name.empty() && t.find('=') == std::string::npos) ++i;  // skip its value
      continue;
    }
    if (t.rfind("--", 0) == 0) break;
    word_positions.push_back(i);
  }
  const Command* best = nullptr;
  std::size_t best_words = 0;
  std::string path;
  for (std::size_t n = 0; n < word_positions.size(); ++n) {
    path += (n > 0 ? " " : "") + tokens[word_positions[n]];
    for (const auto& c : commands) {
      if (c.path == path) {
        best = &c;
        best_words = n + 1;
      }
    }
  }
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const bool is_command_word =
        std::find(word_positions.begin(), word_positions.begin() + static_cast<std::ptrdiff_t>(best_words), i) !=
        word_positions.begin() + static_cast<std::ptrdiff_t>(best_words);
    if (!is_command_word) rest.push_back(tokens[i]);
  }
  return best;
}

std::string overview(const std::vector<Command>& commands) {
  std::string out =
      "zg: use the 0G Compute Network from the command line.\n\n"
      "usage: zg [global options] <command> [options]\n\ncommands:\n";
  for (const auto& c : commands) {
    std::string left = "  " + c.path;
    left.resize(std::max<std::size_t>(left.size() + 2, 26), ' ');
    out += left + c.summary + "\n";
  }
  out += "\nglobal options:\n" + zg::cli::describe_options(global_options());
  out += "\n`zg <command> --help` explains a command. Without --network, commands use the local devnet\n"
         "started by `zg devnet up`.\n";
  return out;
}

std::string command_help(const Command& c) {
  std::string out = "usage: zg " + c.path + (c.options.empty() ? "" : " [options]") + "\n\n" + c.usage + "\n";
  if (!c.options.empty()) out += "\noptions:\n" + zg::cli::describe_options(c.options);
  out += "\nglobal options:\n" + zg::cli::describe_options(global_options());
  return out;
}

void apply_global_options(zg::cli::Context& ctx, const zg::cli::Args& args) {
  auto& sel = ctx.network_selection;
  sel.network = args.value("network");
  sel.rpc = args.value("rpc");
  sel.ledger_contract = args.value("ledger-contract");
  sel.inference_contract = args.value("inference-contract");
  sel.finetune_contract = args.value("finetune-contract");
  if (auto f = args.value("devnet-file")) sel.devnet_file = *f;
  sel.apply_environment();
  if (auto f = args.value("key-file")) {
    ctx.key_source.key_file = *f;
  } else if (const char* env = std::getenv("ZG_KEY_FILE"); env != nullptr && *env != '\0') {
    ctx.key_source.key_file = env;
  }
  ctx.json_output = args.flag("json");
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> tokens(argv + 1, argv + argc);
  const auto commands = zg::cli::all_commands();
  try {
    zg::cli::refuse_secret_options(tokens);
    std::vector<std::string> rest;
    const Command* command = find_command(commands, tokens, rest);
    if (command == nullptr) {
      const bool asked_for_help = tokens.empty() || std::find(tokens.begin(), tokens.end(), "--help") != tokens.end();
      if (tokens.size() == 1 && tokens[0] == "--version") {
        std::cout << "zg 0.1.0\n";
        return 0;
      }
      std::cout << overview(commands);
      if (asked_for_help) return 0;
      std::cerr << "\nzg: unknown command";
      for (const auto& t : tokens) {
        if (t.rfind("--", 0) == 0) break;
        std::cerr << " " << t;
      }
      std::cerr << "\n";
      return 2;
    }
    auto specs = global_options();
    specs.insert(specs.end(), command->options.begin(), command->options.end());
    const auto args = zg::cli::Args::parse(rest, specs);
    if (args.flag("help")) {
      std::cout << command_help(*command);
      return 0;
    }
    zg::cli::Context ctx;
    apply_global_options(ctx, args);
    const zg::cli::CliHooksScope hooks(args.value("hooks"));  // waits for the hooks when the command returns
    return command->run(ctx, args);
  } catch (const zg::UsageError& e) {
    std::cerr << "zg: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "zg: " << e.what() << "\n";
    return 1;
  }
}
