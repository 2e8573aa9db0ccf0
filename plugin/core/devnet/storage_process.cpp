#include "devnet/storage_process.hpp"

#include <cstdlib>
#include <fstream>
#include <iterator>

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

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

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
  if (const char* env = std::getenv("ZG_STORAGE_SIM"); env != nullptr && *env != '\0') return env;
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto sibling = self.parent_path() / "zg-storage-sim";
    if (std::filesystem::exists(sibling)) return sibling;
  }
  // The build tree keeps every simulator under simulators/<name>/ (the provider's path is known).
  const auto built = std::filesystem::path(ZG_PROVIDER_SIM_BUILD_PATH).parent_path().parent_path() / "storage" / "zg-storage-sim";
  if (std::filesystem::exists(built)) return built;
  throw UsageError("zg-storage-sim not found (looked next to this program and at " + built.string() +
                   "); set ZG_STORAGE_SIM to its path");
}

RunningStorage start_storage_simulator(const DevnetState& state, const std::filesystem::path& work_dir, bool detach,
                                       const std::vector<std::string>& extra_arguments) {
  std::filesystem::create_directories(work_dir);
  const auto log = work_dir / "storage-sim.log";
  ProcessOptions spawn;
  spawn.argv = {storage_simulator_binary().string(), "--rpc", state.rpc_url, "--flow", state.contracts.flow.checksummed(),
                "--port", "0"};
  spawn.argv.insert(spawn.argv.end(), extra_arguments.begin(), extra_arguments.end());
  spawn.output_file = log;
  spawn.detach_from_owner = detach;
  auto process = ChildProcess::spawn(spawn);
  const auto port = wait_for_listening_port(process, log, "listening on 127.0.0.1:", std::chrono::seconds(60));
  if (!port) {
    process.stop();
    throw IoError("zg-storage-sim did not start (log: " + log.string() + "):\n" + read_file(log));
  }
  return RunningStorage{std::move(process), "http://127.0.0.1:" + std::to_string(*port)};
}

}  // namespace zg::devnet
