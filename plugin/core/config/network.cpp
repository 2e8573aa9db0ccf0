#include "config/network.hpp"

#include <cstdlib>

#include "common/error.hpp"
#include "devnet/devnet_file.hpp"

namespace zg::config {
namespace {

std::optional<std::string> env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

template <typename T>
void fill_from_env(std::optional<T>& field, const char* name) {
  if (!field) {
    if (auto value = env(name)) field = T(*value);
  }
}

eth::Address parse_contract(const std::string& text, const char* flag) {
  try {
    return eth::Address::from_hex(text);
  } catch (const Error& e) {
    throw UsageError(std::string(flag) + ": '" + text + "' is not a contract address (" + e.what() + ")");
  }
}

Network local_network(const NetworkSelection& selection) {
  const auto path = selection.devnet_file.value_or(default_devnet_file());
  const auto state = devnet::DevnetState::load(path);
  Network net;
  net.name = "local";
  net.chain_id = state.chain_id;
  net.rpc_url = state.rpc_url;
  net.ledger = state.contracts.ledger;
  net.inference = state.contracts.inference;
  net.finetune = state.contracts.finetune;
  return net;
}

}  // namespace

void NetworkSelection::apply_environment() {
  fill_from_env(network, "ZG_NETWORK");
  fill_from_env(rpc, "ZG_RPC");
  fill_from_env(ledger_contract, "ZG_LEDGER_CONTRACT");
  fill_from_env(inference_contract, "ZG_INFERENCE_CONTRACT");
  fill_from_env(finetune_contract, "ZG_FINETUNE_CONTRACT");
  fill_from_env(devnet_file, "ZG_DEVNET_FILE");
}

Network testnet() {
  Network net;
  net.name = "testnet";
  net.chain_id = 16602;
  net.rpc_url = "https://evmrpc-testnet.0g.ai";
  net.ledger = eth::Address::from_hex("0xE70830508dAc0A97e6c087c75f402f9Be669E406");
  net.inference = eth::Address::from_hex("0xa79F4c8311FF93C06b8CfB403690cc987c93F91E");
  net.finetune = eth::Address::from_hex("0xC6C075D8039763C8f1EbE580be5ADdf2fd6941bA");
  net.storage_indexer = "https://indexer-storage-testnet-turbo.0g.ai";
  return net;
}

Network mainnet() {
  Network net;
  net.name = "mainnet";
  net.chain_id = 16661;
  net.rpc_url = "https://evmrpc.0g.ai";
  net.ledger = eth::Address::from_hex("0x2dE54c845Cd948B72D2e32e39586fe89607074E3");
  net.inference = eth::Address::from_hex("0x47340d900bdFec2BD393c626E12ea0656F938d84");
  net.finetune = eth::Address::from_hex("0x4e3474095518883744ddf135b7E0A23301c7F9c0");
  net.storage_indexer = "https://indexer-storage-turbo.0g.ai";
  return net;
}

Network resolve(const NetworkSelection& selection) {
  // An RPC URL without a network name is a custom chain: contracts come from the flags.
  const bool custom = !selection.network && selection.rpc;
  const auto name = selection.network.value_or(custom ? "custom" : "local");
  Network net;
  if (name == "custom") {
    net.name = "custom";
  } else if (name == "testnet") {
    net = testnet();
  } else if (name == "mainnet") {
    net = mainnet();
  } else if (name == "local") {
    net = local_network(selection);
  } else {
    throw UsageError("--network: unknown network '" + name + "' (use testnet, mainnet or local)");
  }
  if (selection.rpc) {
    net.rpc_url = *selection.rpc;
    if (net.name == "local") net.name = "custom";
  }
  if (selection.ledger_contract) net.ledger = parse_contract(*selection.ledger_contract, "--ledger-contract");
  if (selection.inference_contract) net.inference = parse_contract(*selection.inference_contract, "--inference-contract");
  if (selection.finetune_contract) net.finetune = parse_contract(*selection.finetune_contract, "--finetune-contract");
  return net;
}

std::filesystem::path default_devnet_file() {
  if (auto path = env("ZG_DEVNET_FILE")) return *path;
  if (auto state = env("XDG_STATE_HOME")) return std::filesystem::path(*state) / "zg/devnet.json";
  if (auto home = env("HOME")) return std::filesystem::path(*home) / ".local/state/zg/devnet.json";
  return std::filesystem::temp_directory_path() / "zg-devnet.json";
}

}  // namespace zg::config
