#pragma once
// The devnet state file: what `zg devnet up` started and deployed, so that later commands (and
// `zg devnet down`) find the chain, the contracts and the dev accounts.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "eth/address.hpp"

namespace zg::devnet {

struct DevAccount {
  std::string role;         // "owner", "user", "provider", "tee-signer", ...
  eth::Address address;
  std::string private_key;  // public anvil dev keys only; never a real wallet's key
};

struct DevnetContracts {
  eth::Address ledger, inference, finetune;                        // the proxies users call
  eth::Address ledger_impl, inference_impl, finetune_impl;         // implementations
  eth::Address ledger_beacon, inference_beacon, finetune_beacon;   // UpgradeableBeacons
  // 0G Storage (from @0gfoundation/0g-ts-sdk): the Flow contract users submit to and its market
  // (pricePerSector). Zero in state files written before storage was part of the devnet.
  eth::Address flow, market;
};

struct DevnetState {
  std::string rpc_url;
  std::uint64_t chain_id = 0;
  int anvil_pid = -1;
  std::string anvil_log;
  std::uint64_t lock_time_seconds = 0;
  std::uint64_t penalty_percentage = 0;
  DevnetContracts contracts;
  std::vector<DevAccount> accounts;
  int provider_pid = -1;     // zg-provider-sim, when the devnet runs one
  std::string provider_url;  // its Service.url; empty when none
  int storage_pid = -1;      // zg-storage-sim (storage node + indexer), when the devnet runs one
  std::string storage_url;   // its JSON-RPC URL (indexer and node methods); empty when none
  int finetune_provider_pid = -1;     // zg-finetune-sim (the "finetune-provider" account), when the devnet runs one
  std::string finetune_provider_url;  // its Service.url in FineTuningServing; empty when none
  int embedding_provider_pid = -1;     // zg-provider-sim --service-type embedding ("embedding-provider"), if any
  std::string embedding_provider_url;  // its Service.url; empty when none

  const DevAccount& account(const std::string& role) const;  // UsageError when absent

  // Throws UsageError ("no devnet at PATH: start one with `zg devnet up`") or ParseError.
  static DevnetState load(const std::filesystem::path& path);
  // Writes atomically (temp file + rename), mode 0600.
  void save(const std::filesystem::path& path) const;
};

}  // namespace zg::devnet
