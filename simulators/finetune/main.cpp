// zg-finetune-sim: a 0G fine-tuning provider with the upstream Go broker's rules, for the devnet
// and tests. Prints "listening on 127.0.0.1:<port>" once it serves (after --register, if asked);
// SIGTERM/SIGINT stop it.
#include <unistd.h>

#include <cstdlib>
#include <vector>

#include "common/error.hpp"
#include "finetune_chain.hpp"
#include "finetune_config.hpp"
#include "finetune_server.hpp"
#include "storage_link.hpp"
#include "task_runner.hpp"
#include "simulator_main.hpp"

namespace {

using namespace zg;
using namespace zg::finetune_sim;

using sim::load_key;

const sim::LogLine logger("zg-finetune-sim");
void log_line(const std::string& line) { logger(line); }

// A fixed key that is not the TEE signer: --sign-tags-with-wrong-key.
crypto::PrivateKey wrong_key() { return sim::not_the_tee_key("zg-finetune-sim: not the TEE signer"); }

void register_service(const FinetuneConfig& config, FinetuneChain& chain, eth::TxSender& provider,
                      const eth::Address& tee_signer, int port, eth::RpcClient& rpc, std::uint64_t chain_id) {
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  std::vector<std::string> models;
  for (const auto& model : config.custom_models) models.push_back(model.name);
  // The stake is paid once; an update of an existing service sends none.
  const bool exists = chain.get_service(provider.address()).has_value();
  chain.add_or_update_service(provider, url, Quota{}, config.price_per_token, false, models, tee_signer,
                              exists ? eth::Uint256{} : chain.min_provider_stake());
  log_line("registered " + provider.address().checksummed() + " at " + url);
  if (config.owner_key_file || std::getenv("ZG_OWNER_KEY") != nullptr) {
    eth::TxSender owner(rpc, load_key(config.owner_key_file, "ZG_OWNER_KEY"), chain_id);
    chain.acknowledge_tee_signer_by_owner(owner, provider.address());
    log_line("the contract owner acknowledged TEE signer " + tee_signer.checksummed());
  }
}

int run(FinetuneConfig config) {
  if (config.data_dir.empty()) {
    config.data_dir = std::filesystem::temp_directory_path() / ("zg-finetune-sim-" + std::to_string(::getpid()));
  }
  std::filesystem::create_directories(config.data_dir);
  const auto provider_key = load_key(config.provider_key_file, "ZG_PROVIDER_KEY");
  const auto tee_key = load_key(config.tee_key_file, "ZG_TEE_KEY");
  const auto tag_key = config.misbehaviour.sign_tags_with_wrong_key ? wrong_key() : tee_key;
  const auto tee_signer = eth::Address::from_public_key(tee_key.public_key());

  eth::RpcClient rpc(config.rpc_url);
  const std::uint64_t chain_id = rpc.chain_id();
  FinetuneChain chain(rpc, *config.finetune_contract);
  eth::TxSender provider(rpc, provider_key, chain_id);
  StorageLink storage(config, rpc, provider);

  TaskStore tasks;
  TaskRunner runner({config, tasks, chain, rpc, provider, tee_key, tag_key, chain_id, storage.uploader(),
                     storage.downloader(), log_line});
  FinetuneServer server({config, tasks, chain, provider.address(), tee_signer, [&runner] { runner.wake(); }, log_line});
  const int port = server.bind();
  if (config.register_service) register_service(config, chain, provider, tee_signer, port, rpc, chain_id);
  runner.start();

  log_line("provider " + provider.address().checksummed() + ", TEE signer " + tee_signer.checksummed() +
           ", data in " + config.data_dir.string() + (storage.enabled() ? ", models to 0G Storage" : ""));
  const bool served = sim::serve_until_signal(port, [&] { return server.listen(); }, [&] { server.stop(); });
  runner.stop();
  log_line("stopped");
  return served ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  return zg::sim::simulator_main("zg-finetune-sim", argc, argv, zg::finetune_sim::finetune_usage,
                                 [](std::span<const std::string_view> args) {
                                   return run(zg::finetune_sim::parse_finetune_args(args));
                                 });
}
