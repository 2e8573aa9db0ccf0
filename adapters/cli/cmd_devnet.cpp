// `zg devnet up|down|status` and `zg demo`, the main job on the embedded default.
#include <iostream>
#include <sstream>

#include "command.hpp"
#include "common/error.hpp"
#include "devnet/devnet.hpp"
#include "inference_demo.hpp"
#include "ledger_view.hpp"

namespace zg::cli {
namespace {

std::filesystem::path devnet_file(const Context& ctx) {
  return ctx.network_selection.devnet_file.value_or(config::default_devnet_file());
}

std::uint64_t parse_count(const Args& args, const std::string& name, std::uint64_t fallback) {
  const auto v = args.value(name);
  if (!v) return fallback;
  try {
    std::size_t used = 0;
    const auto n = std::stoull(*v, &used);
    if (used != v->size()) throw std::invalid_argument(*v);
    return n;
  } catch (const std::exception&) {
    throw UsageError("--" + name + ": '" + *v + "' is not a whole number");
  }
}

nlohmann::json state_json(const devnet::DevnetState& s) {
  nlohmann::json accounts = nlohmann::json::array();
  for (const auto& a : s.accounts) accounts.push_back({{"role", a.role}, {"address", a.address.checksummed()}});
  return {{"rpcUrl", s.rpc_url},
          {"chainId", s.chain_id},
          {"anvilPid", s.anvil_pid},
          {"lockTimeSeconds", s.lock_time_seconds},
          {"contracts",
           {{"ledger", s.contracts.ledger.checksummed()},
            {"inference", s.contracts.inference.checksummed()},
            {"finetune", s.contracts.finetune.checksummed()},
            {"flow", s.contracts.flow.checksummed()},
            {"market", s.contracts.market.checksummed()}}},
          {"accounts", accounts},
          {"provider", s.provider_url.empty() ? nlohmann::json(nullptr)
                                               : nlohmann::json{{"address", s.account("provider").address.checksummed()},
                                                                {"url", s.provider_url}, {"pid", s.provider_pid}}},
          {"finetuneProvider", s.finetune_provider_url.empty()
                                   ? nlohmann::json(nullptr)
                                   : nlohmann::json{{"address", s.account("finetune-provider").address.checksummed()},
                                                    {"url", s.finetune_provider_url},
                                                    {"pid", s.finetune_provider_pid}}},
          {"embeddingProvider", s.embedding_provider_url.empty()
                                    ? nlohmann::json(nullptr)
                                    : nlohmann::json{{"address", s.account("embedding-provider").address.checksummed()},
                                                     {"url", s.embedding_provider_url},
                                                     {"pid", s.embedding_provider_pid}}},
          {"storage", s.storage_url.empty() ? nlohmann::json(nullptr)
                                            : nlohmann::json{{"url", s.storage_url}, {"pid", s.storage_pid}}}};
}

std::string state_text(const devnet::DevnetState& s) {
  std::ostringstream out;
  out << "rpc                 " << s.rpc_url << " (chain id " << s.chain_id << ", anvil pid " << s.anvil_pid << ")\n"
      << "LedgerManager       " << s.contracts.ledger.checksummed() << "\n"
      << "InferenceServing    " << s.contracts.inference.checksummed() << "\n"
      << "FineTuningServing   " << s.contracts.finetune.checksummed() << "\n"
      << "lock time           " << s.lock_time_seconds << " s\n";
  if (!s.provider_url.empty()) {
    out << "inference provider  " << s.account("provider").address.checksummed() << " at " << s.provider_url
        << " (zg-provider-sim, pid " << s.provider_pid << ")\n";
  }
  if (!s.finetune_provider_url.empty()) {
    out << "fine-tuning provider " << s.account("finetune-provider").address.checksummed() << " at "
        << s.finetune_provider_url << " (zg-finetune-sim, pid " << s.finetune_provider_pid << ")\n";
  }
  if (!s.embedding_provider_url.empty()) {
    out << "embedding provider  " << s.account("embedding-provider").address.checksummed() << " at "
        << s.embedding_provider_url << " (zg-provider-sim --service-type embedding, pid " << s.embedding_provider_pid
        << ")\n";
  }
  if (!s.storage_url.empty()) {
    out << "0G Storage node     " << s.storage_url << " (zg-storage-sim, pid " << s.storage_pid << "), Flow "
        << s.contracts.flow.checksummed() << "\n";
  }
  out
      << "dev accounts (anvil test keys, also in the devnet file):\n";
  for (const auto& a : s.accounts) out << "  " << a.role << std::string(20 - std::min<std::size_t>(a.role.size(), 19), ' ') << a.address.checksummed() << "\n";
  return out.str();
}

int devnet_up(Context& ctx, const Args& args) {
  const auto file = devnet_file(ctx);
  if (std::filesystem::exists(file)) {
    throw UsageError("a devnet is already recorded in " + file.string() + "; stop it with `zg devnet down` first");
  }
  devnet::DevnetOptions options;
  options.state_file = file;
  options.lock_time_seconds = parse_count(args, "lock-time", 3600);
  options.penalty_percentage = parse_count(args, "penalty-percentage", 30);
  options.detach = true;
  options.start_provider = !args.flag("no-provider");
  options.start_finetune_provider = !args.flag("no-finetune-provider");
  options.start_embedding_provider = args.flag("embedding-provider");
  options.progress = [&](const std::string& line) { ctx.progress("devnet: " + line); };
  auto net = devnet::Devnet::up(options);
  ctx.emit(state_json(net.state()), "devnet is up\n" + state_text(net.state()) +
                                        "stop it with: zg devnet down\n");
  return 0;
}

int devnet_down(Context& ctx, const Args&) {
  const auto file = devnet_file(ctx);
  const bool existed = std::filesystem::exists(file);
  const bool stopped = existed && devnet::stop_devnet(file);
  ctx.emit({{"stopped", stopped}, {"stateFile", file.string()}},
           !existed ? "no devnet recorded in " + file.string()
                    : (stopped ? "devnet stopped" : "devnet was not running; removed its state file"));
  return 0;
}

int devnet_status(Context& ctx, const Args&) {
  const auto state = devnet::DevnetState::load(devnet_file(ctx));
  eth::RpcClient rpc(state.rpc_url);
  std::uint64_t block = 0;
  bool up = true;
  try {
    block = rpc.block_number();
  } catch (const IoError&) {
    up = false;
  }
  auto j = state_json(state);
  j["running"] = up;
  j["blockNumber"] = block;
  ctx.emit(j, state_text(state) + (up ? "running, block " + std::to_string(block) : "NOT RUNNING (anvil is gone)"));
  return up ? 0 : 1;
}

// The main job: a devnet of its own (torn down at the end, even on failure), a ledger created
// and read back, a revert decoded, the provider acknowledged, one streamed chat verified, and the
// balances after the provider settled: a new user sees the whole stack work end to end.
int demo(Context& ctx, const Args&) {
  const auto dir = std::filesystem::temp_directory_path() / ("zg-demo-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  devnet::DevnetOptions options;
  options.state_file = dir / "devnet.json";
  options.start_provider = true;
  options.progress = [&](const std::string& line) { ctx.progress("devnet: " + line); };
  auto net = devnet::Devnet::up(options);
  ctx.progress(state_text(net.state()));

  eth::RpcClient rpc(net.state().rpc_url);
  const auto user_key = crypto::PrivateKey::from_hex(net.state().account("user").private_key);
  auto result = run_ledger_demo(ctx, rpc, net.state(), user_key);
  result["inference"] = run_inference_demo(ctx, rpc, net.state(), user_key, [&] { net.stop_provider(); });

  ctx.progress("devnet: stopping anvil");
  net.down();
  std::filesystem::remove_all(dir);
  ctx.emit(result, "demo finished: devnet up, ledger created, provider acknowledged, streamed chat " +
                       result["inference"]["verification"].get<std::string>() + ", fees settled on chain, devnet down");
  return 0;
}

}  // namespace

void add_devnet_commands(std::vector<Command>& commands) {
  commands.push_back(
      {"devnet up", "start a local 0G devnet (anvil + the real 0G contracts)",
       "Starts anvil on a free loopback port, deploys LedgerManager, InferenceServing and\n"
       "FineTuningServing (SDK 0.9.0 bytecode) behind OpenZeppelin UpgradeableBeacon + BeaconProxy,\n"
       "initializes them, registers inference/v1.0 and fine-tuning/v1.0, deploys the 0G Storage Flow and\n"
       "market contracts with a storage node (zg-storage-sim), starts an inference provider\n"
       "(zg-provider-sim) and a fine-tuning provider (zg-finetune-sim) that register themselves and whose\n"
       "TEE signers the devnet owner acknowledges, and writes\n"
       "the RPC URL, chain id, addresses and dev keys to the devnet file. Later commands use it by default.\n\n"
       "example: zg devnet up && zg ledger show --key-file <(...)",
       {{"lock-time", "SECONDS", "refund lock time of the serving contracts (3600..604800, default 3600)"},
        {"penalty-percentage", "N", "fine-tuning penalty for unacknowledged deliverables (default 30)"},
        {"no-provider", "", "do not start the inference provider simulator"},
        {"no-finetune-provider", "", "do not start the fine-tuning provider simulator"},
        {"embedding-provider", "", "also start an embedding provider (service type \"embedding\", model zg-embed-1)"}},
       devnet_up});
  commands.push_back({"devnet down", "stop the devnet that `devnet up` started",
                      "Stops exactly the anvil process recorded in the devnet file (by PID, after checking it\n"
                      "is still anvil) and removes the file.",
                      {}, devnet_down});
  commands.push_back({"devnet status", "show the devnet's contracts and whether it runs",
                      "Reads the devnet file and asks the chain for its block number.", {}, devnet_status});
  commands.push_back({"demo", "the main job: devnet up, ledger created and read back, devnet down",
                      "Runs a private devnet for the duration of the command (never touching one started with\n"
                      "`zg devnet up`), creates a ledger for the dev user with 3 0G, reads it back, shows a\n"
                      "decoded revert (a 1 0G ledger is refused), and stops the devnet.",
                      {}, demo});
}

}  // namespace zg::cli
