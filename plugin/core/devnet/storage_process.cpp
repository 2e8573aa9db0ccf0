#include "devnet/storage_process.hpp"

#include "common/error.hpp"
#include "contracts/contract.hpp"
#include "contracts/flow_contract.hpp"
#include "devnet/contract_artifacts.hpp"

namespace zg::devnet {
namespace {

// Creation code of a contract whose runtime code is the single byte 0x00 (STOP): it accepts any
// call with any value. CODECOPY(0, 12, 1) then RETURN(0, 1).
constexpr std::uint8_t kAcceptAllInitCode[] = {0x60, 0x01, 0x60, 0x0c, 0x60, 0x00, 0x39,
                                               0x60, 0x01, 0x60, 0x00, 0xf3, 0x00};
constexpr std::uint64_t kBlocksPerEpoch = 100;

void send_call(eth::TxSender& owner, const eth::Address& to, Bytes calldata) {
  eth::TxRequest request;
  request.to = to;
  request.data = std::move(calldata);
  owner.send_and_wait(request);
}

}  // namespace

StorageContracts deploy_storage_contracts(eth::TxSender& owner, const eth::Uint256& price_per_sector) {
  StorageContracts c;
  c.reward = contracts::deploy(owner, kAcceptAllInitCode);
  c.flow = contracts::deploy(owner, storage_contract_bytecode(StorageContract::flow), "(uint256 deployDelay_)",
                             {std::uint64_t{0}});
  c.market = contracts::deploy(owner, storage_contract_bytecode(StorageContract::market));
  send_call(owner, c.market, contracts::FlowContract::market_initialize_calldata(price_per_sector, c.flow, c.reward));
  send_call(owner, c.flow, contracts::FlowContract::initialize_calldata(c.market, kBlocksPerEpoch));
  return c;
}

std::filesystem::path storage_simulator_binary() {
  return find_simulator_binary("zg-storage-sim", "ZG_STORAGE_SIM", "storage");
}

RunningStorage start_storage_simulator(const DevnetState& state, const std::filesystem::path& work_dir, bool detach,
                                       const std::vector<std::string>& extra_arguments) {
  std::filesystem::create_directories(work_dir);
  std::vector<std::string> argv = {storage_simulator_binary().string(), "--rpc", state.rpc_url, "--flow",
                                   state.contracts.flow.checksummed(), "--port", "0"};
  argv.insert(argv.end(), extra_arguments.begin(), extra_arguments.end());
  return start_simulator(std::move(argv), work_dir / "storage-sim.log", detach);
}

}  // namespace zg::devnet
