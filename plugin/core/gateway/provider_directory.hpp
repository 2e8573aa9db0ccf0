#pragma once
// The providers a gateway can route to, as one immutable snapshot: the on-chain inference services
// whose TEE signer the contract owner acknowledged and whose sub-account the user has funded and
// acknowledged (optionally narrowed to an allow-list), indexed by model. A background refresh builds
// a new snapshot and swaps it in; requests only read the current one.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "contracts/inference_serving.hpp"
#include "gateway/circuit_breaker.hpp"
#include "gateway/connection_pool.hpp"
#include "gateway/routing.hpp"

namespace zg::gateway {

// What the gateway learns about one provider over time; survives directory refreshes.
struct ProviderRuntime {
  explicit ProviderRuntime(std::string url) : pool(std::move(url)) {}
  CircuitBreaker circuit;
  LatencyEwma latency;
  ConnectionPool pool;  // for the service's current URL
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> failures{0};
};

struct ProviderEntry {
  contracts::InferenceService service;
  std::shared_ptr<ProviderRuntime> runtime;
  std::string address;  // service.provider checksummed, computed once (it costs a keccak)
};

struct Directory {
  std::vector<ProviderEntry> providers;
  std::unordered_map<std::string, std::vector<std::size_t>> by_model;  // model -> indexes into providers
  std::chrono::system_clock::time_point built_at{};

  const ProviderEntry* find(const eth::Address& provider) const;
};

// Why a service is left out of the directory (for health and logs).
std::optional<std::string> exclusion_reason(const contracts::InferenceService& service,
                                            const std::optional<contracts::InferenceAccount>& account,
                                            const std::vector<eth::Address>& allow_list);

// Builds a snapshot from the usable services, reusing the runtime of every provider whose URL is
// unchanged (so circuits, latency and warm connections carry over).
Directory build_directory(std::vector<contracts::InferenceService> usable,
                          std::map<eth::Address, std::shared_ptr<ProviderRuntime>>& runtimes);

}  // namespace zg::gateway
