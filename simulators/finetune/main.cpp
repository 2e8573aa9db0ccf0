// zg-finetune-sim: a 0G fine-tuning provider with the upstream Go broker's rules, for the devnet
// and tests. Prints "listening on 127.0.0.1:<port>" once it serves (after --register, if asked);
// SIGTERM/SIGINT stop it.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

#include "common/error.hpp"
#include "crypto/keccak.hpp"
#include "finetune_chain.hpp"
#include "finetune_config.hpp"
#include "finetune_server.hpp"
#include "storage_link.hpp"
#include "task_runner.hpp"
#include "wallet/key_source.hpp"

namespace {

using namespace zg;
using namespace zg::finetune_sim;

std::mutex log_mutex;
void log_line(const std::string& line) {
  std::lock_guard lock(log_mutex);
  std::cerr << "zg-finetune-sim: " << line << std::endl;
}

crypto::PrivateKey load_key(const std::optional<std::filesystem::path>& file, const char* variable) {
  return wallet::load_private_key(wallet::KeySource{file, variable});
}

// A fixed key that is not the TEE signer: --sign-tags-with-wrong-key.
crypto::PrivateKey wrong_key() {
  const auto secret = crypto::keccak256(as_bytes("zg-finetune-sim: not the TEE signer"));
  return crypto::PrivateKey(std::span<const std::uint8_t, 32>(secret));
}

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

  std::atomic<bool> stopping{false};
  std::thread signal_waiter([&] {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    int received = 0;
    sigwait(&signals, &received);
    stopping = true;
    server.stop();
  });
  std::cout << "listening on 127.0.0.1:" << port << std::endl;
  log_line("provider " + provider.address().checksummed() + ", TEE signer " + tee_signer.checksummed() +
           ", data in " + config.data_dir.string() + (storage.enabled() ? ", models to 0G Storage" : ""));
  const bool served = server.listen();
  if (!stopping.exchange(true)) pthread_kill(signal_waiter.native_handle(), SIGTERM);
  signal_waiter.join();
  runner.stop();
  log_line("stopped");
  return served ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  // Every thread inherits this mask, so only the waiter thread sees SIGTERM/SIGINT.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  try {
    const std::vector<std::string_view> args(argv + 1, argv + argc);
    if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
      std::cout << finetune_usage();
      return 0;
    }
    return run(parse_finetune_args(args));
  } catch (const UsageError& error) {
    std::cerr << "zg-finetune-sim: " << error.what() << "\n";
    return 2;
  } catch (const std::exception& error) {
    std::cerr << "zg-finetune-sim: " << error.what() << "\n";
    return 1;
  }
}
