#include "gateway/provider_directory.hpp"

#include <algorithm>

namespace zg::gateway {

const ProviderEntry* Directory::find(const eth::Address& provider) const {
  for (const auto& entry : providers) {
    if (entry.service.provider == provider) return &entry;
  }
  return nullptr;
}

std::optional<std::string> exclusion_reason(const contracts::InferenceService& service,
                                            const std::optional<contracts::InferenceAccount>& account,
                                            const std::vector<eth::Address>& allow_list) {
  if (!allow_list.empty() && std::find(allow_list.begin(), allow_list.end(), service.provider) == allow_list.end()) {
    return "not in the config's providers list";
  }
  if (!service.tee_signer_acknowledged) return "the contract owner has not acknowledged its TEE signer";
  if (!account) return "you have no sub-account with it (zg ledger transfer --provider " + service.provider.checksummed() + ")";
  if (!account->acknowledged) return "you have not acknowledged it (zg inference acknowledge --provider " + service.provider.checksummed() + ")";
  return std::nullopt;
}

Directory build_directory(std::vector<contracts::InferenceService> usable,
                          std::map<eth::Address, std::shared_ptr<ProviderRuntime>>& runtimes) {
  Directory directory;
  directory.built_at = std::chrono::system_clock::now();
  std::map<eth::Address, std::shared_ptr<ProviderRuntime>> kept;
  for (auto& service : usable) {
    auto& runtime = runtimes[service.provider];
    if (!runtime || runtime->pool.url() != service.url) runtime = std::make_shared<ProviderRuntime>(service.url);
    kept[service.provider] = runtime;
    directory.by_model[service.model].push_back(directory.providers.size());
    std::string address = service.provider.checksummed();
    directory.providers.push_back({std::move(service), runtime, std::move(address)});
  }
  runtimes = std::move(kept);
  return directory;
}

}  // namespace zg::gateway
