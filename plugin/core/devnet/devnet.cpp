#include "devnet/devnet.hpp"

#include "common/error.hpp"
#include "contracts/ledger_manager.hpp"
#include "contracts/serving_contracts.hpp"
#include "crypto/secp256k1.hpp"
#include "devnet/contract_artifacts.hpp"
#include "devnet/finetune_provider_process.hpp"
#include "devnet/provider_process.hpp"
#include "devnet/storage_process.hpp"
#include "eth/tx_sender.hpp"

namespace zg::devnet {
namespace {

using eth::Address;

struct DeployedService {
  Address implementation, beacon, proxy;
};

// implementation -> UpgradeableBeacon(implementation) -> BeaconProxy(beacon, initialize calldata).
// The proxy constructor runs initialize, so the contract is never observable uninitialized.
DeployedService deploy_behind_beacon(eth::TxSender& owner, ServingContract which, const Bytes& beacon_code,
                                     const Bytes& proxy_code, const std::function<Bytes(const Address&)>& init_calldata) {
  DeployedService d;
  d.implementation = contracts::deploy(owner, serving_contract_bytecode(which));
  d.beacon = contracts::deploy(owner, beacon_code, "(address implementation_)", {d.implementation});
  d.proxy = contracts::deploy(owner, proxy_code, "(address beacon, bytes data)", {d.beacon, init_calldata(d.proxy)});
  return d;
}

DevnetContracts deploy_contracts(eth::RpcClient& rpc, eth::TxSender& owner, const DevnetOptions& options) {
  const auto beacon_code = openzeppelin_bytecode("UpgradeableBeacon");
  const auto proxy_code = openzeppelin_bytecode("BeaconProxy");
  const Address owner_address = owner.address();

  options.progress("deploying LedgerManager (implementation, beacon, proxy)");
  const auto ledger = deploy_behind_beacon(owner, ServingContract::ledger_manager, beacon_code, proxy_code,
                                           [&](const Address&) { return contracts::LedgerManager::initialize_calldata(owner_address); });
  options.progress("deploying InferenceServing (lock time " + std::to_string(options.lock_time_seconds) + " s)");
  const auto inference = deploy_behind_beacon(owner, ServingContract::inference_serving, beacon_code, proxy_code, [&](const Address&) {
    return contracts::inference_initialize_calldata(options.lock_time_seconds, ledger.proxy, owner_address);
  });
  options.progress("deploying FineTuningServing (penalty " + std::to_string(options.penalty_percentage) + "%)");
  const auto finetune = deploy_behind_beacon(owner, ServingContract::fine_tuning_serving, beacon_code, proxy_code, [&](const Address&) {
    return contracts::finetune_initialize_calldata(options.lock_time_seconds, ledger.proxy, owner_address,
                                                   options.penalty_percentage);
  });

  options.progress("registering inference/v1.0 and fine-tuning/v1.0 in LedgerManager");
  const contracts::LedgerManager ledger_manager(rpc, ledger.proxy);
  ledger_manager.register_service(owner, "inference", "v1.0", inference.proxy, "0G inference (local devnet)");
  ledger_manager.register_service(owner, "fine-tuning", "v1.0", finetune.proxy, "0G fine-tuning (local devnet)");

  DevnetContracts c;
  c.ledger = ledger.proxy;
  c.inference = inference.proxy;
  c.finetune = finetune.proxy;
  c.ledger_impl = ledger.implementation;
  c.inference_impl = inference.implementation;
  c.finetune_impl = finetune.implementation;
  c.ledger_beacon = ledger.beacon;
  c.inference_beacon = inference.beacon;
  c.finetune_beacon = finetune.beacon;
  return c;
}

}  // namespace

std::vector<DevAccount> dev_accounts() {
  // Accounts 0-4 and 7 of anvil's standard test mnemonic. Account 0 is also the user of the SDK vectors,
  // 1 the provider and 2 the TEE signer, so devnet runs line up with ../shared/vectors. 5 and 6 stay
  // free: tests use them as users with no sub-account or a small one.
  const std::pair<const char*, const char*> keys[] = {
      {"user", "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"},
      {"provider", "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"},
      {"tee-signer", "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"},
      {"owner", "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6"},
      {"finetune-provider", "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a"},
      {"embedding-provider", "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356"},
  };
  std::vector<DevAccount> accounts;
  for (const auto& [role, key] : keys) {
    const auto private_key = crypto::PrivateKey::from_hex(key);
    accounts.push_back({role, Address::from_public_key(private_key.public_key()), key});
  }
  return accounts;
}

Devnet::Devnet(std::optional<Anvil> anvil, std::optional<ChildProcess> provider, DevnetState state,
               std::filesystem::path state_file)
    : anvil_(std::move(anvil)), provider_(std::move(provider)), state_(std::move(state)), state_file_(std::move(state_file)) {}

Devnet::~Devnet() {
  // An owned devnet lives as long as this object: the anvil destructor stops it; the state file
  // goes with it so that no later command finds a dead devnet.
  if (anvil_) {
    std::error_code ignored;
    std::filesystem::remove(state_file_, ignored);
  }
}

Devnet Devnet::up(const DevnetOptions& options) {
  if (options.state_file.empty()) throw UsageError("the devnet needs a state file path");
  auto log_file = options.state_file;
  log_file.replace_extension(".anvil.log");
  if (log_file.has_parent_path()) std::filesystem::create_directories(log_file.parent_path());

  options.progress("starting anvil (chain id 31337)");
  AnvilOptions anvil_options;
  anvil_options.log_file = log_file;
  anvil_options.detach = options.detach;
  auto anvil = Anvil::start(anvil_options);  // stops anvil again if anything below throws
  options.progress("anvil is listening on " + anvil.rpc_url());

  DevnetState state;
  state.rpc_url = anvil.rpc_url();
  state.anvil_pid = anvil.pid();
  state.anvil_log = log_file.string();
  state.lock_time_seconds = options.lock_time_seconds;
  state.penalty_percentage = options.penalty_percentage;
  state.accounts = dev_accounts();

  eth::RpcClient rpc(state.rpc_url);
  state.chain_id = rpc.chain_id();
  const auto owner_key = crypto::PrivateKey::from_hex(state.account("owner").private_key);
  eth::TxSender owner(rpc, owner_key, state.chain_id);
  state.contracts = deploy_contracts(rpc, owner, options);
  options.progress("deploying 0G Storage: Flow and its market (" + options.storage_price_per_sector.to_dec() + " wei per sector)");
  const auto storage_contracts = deploy_storage_contracts(owner, options.storage_price_per_sector);
  state.contracts.flow = storage_contracts.flow;
  state.contracts.market = storage_contracts.market;

  std::optional<ChildProcess> provider;
  if (options.start_provider) {
    options.progress("starting the inference provider simulator (registers itself; the owner acknowledges its TEE signer)");
    auto running = start_provider_simulator(state, options.state_file.parent_path() / "provider", options.detach,
                                            options.provider_arguments);
    state.provider_pid = running.process.pid();
    state.provider_url = running.url;
    options.progress("provider " + state.account("provider").address.checksummed() + " serves at " + running.url);
    provider = std::move(running.process);
  }
  std::optional<ChildProcess> embedding_provider;
  if (options.start_embedding_provider) {
    options.progress("starting the embedding provider simulator (service type \"embedding\"; registers itself)");
    auto running = start_embedding_provider_simulator(state, options.state_file.parent_path() / "embedding-provider",
                                                      options.detach, options.embedding_provider_arguments);
    state.embedding_provider_pid = running.process.pid();
    state.embedding_provider_url = running.url;
    options.progress("embedding provider " + state.account("embedding-provider").address.checksummed() +
                     " serves at " + running.url);
    embedding_provider = std::move(running.process);
  }

  std::optional<ChildProcess> storage;
  if (options.start_storage) {
    options.progress("starting the 0G Storage node + indexer simulator (follows the Flow contract)");
    auto running = start_storage_simulator(state, options.state_file.parent_path() / "storage", options.detach,
                                           options.storage_arguments);
    state.storage_pid = running.process.pid();
    state.storage_url = running.url;
    options.progress("0G Storage serves at " + running.url);
    storage = std::move(running.process);
  }

  // After the storage node (when there is one): the fine-tuning provider uploads its models there.
  std::optional<ChildProcess> finetune_provider;
  if (options.start_finetune_provider) {
    options.progress("starting the fine-tuning provider simulator (registers itself; the owner acknowledges its TEE signer)");
    auto running = start_finetune_simulator(state, options.state_file.parent_path() / "finetune-provider",
                                            options.detach, options.finetune_provider_arguments);
    state.finetune_provider_pid = running.process.pid();
    state.finetune_provider_url = running.url;
    options.progress("fine-tuning provider " + state.account("finetune-provider").address.checksummed() +
                     " serves at " + running.url);
    finetune_provider = std::move(running.process);
  }

  state.save(options.state_file);
  options.progress("devnet ready; state in " + options.state_file.string());
  if (options.detach) {
    anvil.release();
    if (provider) provider->release();
    if (embedding_provider) embedding_provider->release();
    if (storage) storage->release();
    if (finetune_provider) finetune_provider->release();
    return Devnet(std::nullopt, std::nullopt, std::move(state), options.state_file);
  }
  Devnet devnet(std::move(anvil), std::move(provider), std::move(state), options.state_file);
  devnet.storage_ = std::move(storage);
  devnet.finetune_provider_ = std::move(finetune_provider);
  devnet.embedding_provider_ = std::move(embedding_provider);
  return devnet;
}

void Devnet::stop_provider() {
  // SIGTERM: the simulator settles what it has billed before it exits.
  if (provider_) {
    provider_->stop(std::chrono::seconds(10));
    provider_.reset();
  } else if (state_.provider_pid > 0) {
    stop_process_by_pid(state_.provider_pid, "zg-provider-sim", std::chrono::seconds(10));
  }
}

void Devnet::stop_embedding_provider() {
  if (embedding_provider_) {
    embedding_provider_->stop(std::chrono::seconds(10));
    embedding_provider_.reset();
  } else if (state_.embedding_provider_pid > 0) {
    stop_process_by_pid(state_.embedding_provider_pid, "zg-provider-sim", std::chrono::seconds(10));
  }
}

void Devnet::down() {
  stop_provider();
  stop_embedding_provider();
  if (storage_) {
    storage_->stop();
    storage_.reset();
  } else if (state_.storage_pid > 0) {
    stop_process_by_pid(state_.storage_pid, "zg-storage-sim");
  }
  if (finetune_provider_) {
    finetune_provider_->stop(std::chrono::seconds(10));
    finetune_provider_.reset();
  } else if (state_.finetune_provider_pid > 0) {
    stop_process_by_pid(state_.finetune_provider_pid, "zg-finetune-sim", std::chrono::seconds(10));
  }
  if (anvil_) {
    anvil_->stop();
    anvil_.reset();
  } else {
    stop_process_by_pid(state_.anvil_pid, "anvil");
  }
  std::error_code ignored;
  std::filesystem::remove(state_file_, ignored);
}

bool stop_devnet(const std::filesystem::path& state_file) {
  if (!std::filesystem::exists(state_file)) return false;
  const auto state = DevnetState::load(state_file);
  if (state.provider_pid > 0) stop_process_by_pid(state.provider_pid, "zg-provider-sim", std::chrono::seconds(10));
  if (state.embedding_provider_pid > 0) {
    stop_process_by_pid(state.embedding_provider_pid, "zg-provider-sim", std::chrono::seconds(10));
  }
  if (state.storage_pid > 0) stop_process_by_pid(state.storage_pid, "zg-storage-sim");
  if (state.finetune_provider_pid > 0) {
    stop_process_by_pid(state.finetune_provider_pid, "zg-finetune-sim", std::chrono::seconds(10));
  }
  const bool stopped = stop_process_by_pid(state.anvil_pid, "anvil");
  std::filesystem::remove(state_file);
  return stopped;
}

}  // namespace zg::devnet
