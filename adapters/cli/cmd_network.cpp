// `zg network show`: what the global options resolve to, without touching the network.
#include <sstream>

#include "command.hpp"

namespace zg::cli {
namespace {

int network_show(Context& ctx, const Args&) {
  const auto& net = ctx.network();
  const nlohmann::json result = {{"network", net.name},
                                 {"chainId", net.chain_id},
                                 {"rpcUrl", net.rpc_url},
                                 {"ledgerContract", net.ledger.checksummed()},
                                 {"inferenceContract", net.inference.checksummed()},
                                 {"finetuneContract", net.finetune.checksummed()},
                                 {"storageIndexer", net.storage_indexer}};
  std::ostringstream human;
  human << "network             " << net.name << "\n"
        << "chain id            " << (net.chain_id == 0 ? std::string("(read from the RPC)") : std::to_string(net.chain_id)) << "\n"
        << "rpc                 " << net.rpc_url << "\n"
        << "LedgerManager       " << net.ledger.checksummed() << "\n"
        << "InferenceServing    " << net.inference.checksummed() << "\n"
        << "FineTuningServing   " << net.finetune.checksummed() << "\n";
  if (!net.storage_indexer.empty()) human << "storage indexer     " << net.storage_indexer << "\n";
  ctx.emit(result, human.str());
  return 0;
}

}  // namespace

void add_network_commands(std::vector<Command>& commands) {
  commands.push_back({"network show", "print the chain, RPC and contracts the options select",
                      "Resolves --network, --rpc and the contract overrides (flags win over ZG_* environment\n"
                      "variables) and prints the result. Sends nothing.\n\n"
                      "example: zg network show --network testnet",
                      {}, network_show});
}

}  // namespace zg::cli
