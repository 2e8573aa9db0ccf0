#pragma once
// Which chain and contracts a command talks to. Presets for the public 0G networks
// (protocol-inference.md §1), the local devnet from its state file, and explicit overrides.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "eth/address.hpp"

namespace zg::config {

struct Network {
  std::string name;            // "testnet", "mainnet", "local" or "custom"
  std::uint64_t chain_id = 0;  // 0 when unknown (custom RPC): read eth_chainId
  std::string rpc_url;
  eth::Address ledger;
  eth::Address inference;
  eth::Address finetune;
  std::string storage_indexer;  // 0G Storage turbo indexer (fine-tuning)
};

// What the user asked for: flags win over ZG_* environment variables, which win over defaults.
struct NetworkSelection {
  std::optional<std::string> network;  // --network / ZG_NETWORK (default "local")
  std::optional<std::string> rpc;      // --rpc / ZG_RPC
  std::optional<std::string> ledger_contract;     // --ledger-contract / ZG_LEDGER_CONTRACT
  std::optional<std::string> inference_contract;  // --inference-contract / ZG_INFERENCE_CONTRACT
  std::optional<std::string> finetune_contract;   // --finetune-contract / ZG_FINETUNE_CONTRACT
  std::optional<std::filesystem::path> devnet_file;  // --devnet-file / ZG_DEVNET_FILE

  // Fills every field still unset from the ZG_* environment variables.
  void apply_environment();
};

Network testnet();
Network mainnet();
// Resolves the selection to a network; throws UsageError for unknown names, bad addresses, or a
// missing devnet file (with the command that creates one).
Network resolve(const NetworkSelection& selection);

// The default devnet state file: $ZG_DEVNET_FILE, else $XDG_STATE_HOME/zg/devnet.json, else
// ~/.local/state/zg/devnet.json.
std::filesystem::path default_devnet_file();

}  // namespace zg::config
