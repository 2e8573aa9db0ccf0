#pragma once
// The local 0G devnet: anvil plus the real 0G serving contracts (SDK 0.9.0 implementations behind
// OpenZeppelin 4.8.3 UpgradeableBeacon + BeaconProxy, as deployed on the live networks),
// initialized and registered in LedgerManager, all through our own transaction code.
#include <functional>
#include <memory>
#include <optional>

#include "devnet/anvil.hpp"
#include "devnet/devnet_file.hpp"
#include "eth/uint256.hpp"

namespace zg::devnet {

struct DevnetOptions {
  std::filesystem::path state_file;          // written once everything is deployed
  std::uint64_t lock_time_seconds = 3600;    // the contracts allow 1 h .. 7 d
  std::uint64_t penalty_percentage = 30;     // fine-tuning penalty for unacknowledged deliverables
  bool detach = false;                       // leave anvil running after this process exits
  bool start_provider = false;               // also run zg-provider-sim, registered and acknowledged
  std::vector<std::string> provider_arguments;  // extra zg-provider-sim flags
  bool start_embedding_provider = false;        // also a zg-provider-sim of service type "embedding" (zg-embed-1)
  std::vector<std::string> embedding_provider_arguments;  // its extra zg-provider-sim flags
  bool start_storage = true;                 // run zg-storage-sim (storage node + indexer) on the Flow contract
  std::vector<std::string> storage_arguments;  // extra zg-storage-sim flags
  eth::Uint256 storage_price_per_sector = 1000000000;  // market.pricePerSector in wei (1 gwei per 256 B)
  bool start_finetune_provider = false;          // also run zg-finetune-sim, registered and acknowledged
  std::vector<std::string> finetune_provider_arguments;  // extra zg-finetune-sim flags
  std::function<void(const std::string&)> progress = [](const std::string&) {};
};

// The well-known anvil dev accounts the devnet hands out, by role (public keys; test use only).
std::vector<DevAccount> dev_accounts();

class Devnet {
 public:
  // Starts anvil, deploys and registers everything, writes the state file. If any step fails,
  // anvil is stopped and no state file is left behind.
  static Devnet up(const DevnetOptions& options);

  const DevnetState& state() const noexcept { return state_; }
  const std::filesystem::path& state_file() const noexcept { return state_file_; }
  // Stops anvil (when this object owns it) and removes the state file.
  void down();
  // Stops the provider simulator (SIGTERM: it settles what it billed first); the chain keeps running.
  void stop_provider();
  // The same for the embedding provider, when the devnet runs one.
  void stop_embedding_provider();

  Devnet(Devnet&&) noexcept = default;
  Devnet& operator=(Devnet&&) noexcept = default;
  ~Devnet();

 private:
  Devnet(std::optional<Anvil> anvil, std::optional<ChildProcess> provider, DevnetState state,
         std::filesystem::path state_file);
  std::optional<Anvil> anvil_;            // empty for a detached devnet
  std::optional<ChildProcess> provider_;  // declared after anvil_: destroyed (stopped) first
  std::optional<ChildProcess> storage_;   // zg-storage-sim, likewise stopped before anvil
  std::optional<ChildProcess> finetune_provider_;
  std::optional<ChildProcess> embedding_provider_;
  DevnetState state_;
  std::filesystem::path state_file_;
};

// `zg devnet down` for a devnet started by another process: stops the anvil PID recorded in the
// state file (only if it still is an anvil) and removes the file. Returns false when none ran.
bool stop_devnet(const std::filesystem::path& state_file);

}  // namespace zg::devnet
