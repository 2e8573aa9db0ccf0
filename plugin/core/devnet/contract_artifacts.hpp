#pragma once
// Creation bytecode of the real contracts, read from the pinned npm packages at run time (nothing
// third-party is committed): the 0G serving contracts from the compute SDK's typechain factories,
// the proxies from OpenZeppelin's build artifacts.
#include <string>

#include "common/bytes.hpp"

namespace zg::devnet {

enum class ServingContract { ledger_manager, inference_serving, fine_tuning_serving };

// The implementation's creation code from @0gfoundation/0g-compute-ts-sdk 0.9.0.
Bytes serving_contract_bytecode(ServingContract which);
enum class StorageContract { flow, market };
// FixedPriceFlow / FixedPrice creation code from @0gfoundation/0g-ts-sdk's typechain factories.
Bytes storage_contract_bytecode(StorageContract which);

// e.g. "UpgradeableBeacon", "BeaconProxy" from @openzeppelin/contracts 4.8.3 build/contracts.
Bytes openzeppelin_bytecode(const std::string& contract_name);

// Exposed for tests: pulls the `_bytecode = "0x..."` literal out of a typechain factory's text.
Bytes extract_typechain_bytecode(const std::string& factory_source, const std::string& origin);

}  // namespace zg::devnet
