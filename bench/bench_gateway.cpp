// What the gateway adds to a request: the same chat sent straight to the provider simulator over a
// warm keep-alive connection (BM_DirectToProvider) and through zg::gateway::Gateway::handle
// (BM_ThroughGateway), on one local devnet (anvil + contracts + zg-provider-sim, started once).
// The difference of the two is the gateway's own cost per request: body scan and model rewrite,
// directory lookup and routing, cached Authorization, event bus, usage/fee accounting. Verification
// is off in both (it is a second round trip, measured in bench_request_path). BM_PrepareRequest is
// the CPU-only part of that cost, without any network.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <memory>

#include "broker/provider_client.hpp"
#include "broker/session_cache.hpp"
#include "contracts/inference_serving.hpp"
#include "contracts/ledger_manager.hpp"
#include "devnet/devnet.hpp"
#include "eth/rpc_client.hpp"
#include "eth/tx_sender.hpp"
#include "gateway/gateway.hpp"
#include "gateway/request_target.hpp"
#include "gateway/routing.hpp"

namespace {

using namespace zg;
using nlohmann::json;

const std::string kDirectBody = R"({"model":"zg-sim-1","messages":[{"role":"user","content":"Say hello in one word"}],"max_tokens":8})";
const std::string kGatewayBody = R"({"model":"0g/zg-sim-1","messages":[{"role":"user","content":"Say hello in one word"}],"max_tokens":8})";

// One devnet, one funded user and one gateway for the whole run.
struct Bench {
  std::filesystem::path dir;
  std::unique_ptr<devnet::Devnet> devnet;
  std::unique_ptr<gateway::Gateway> gateway;
  std::unique_ptr<broker::SessionCache> sessions;
  std::string provider_url;
  eth::Address provider;

  Bench() {
    dir = std::filesystem::temp_directory_path() / ("zg-bench-gateway-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    devnet::DevnetOptions options;
    options.state_file = dir / "devnet.json";
    options.start_provider = true;
    options.provider_arguments = {"--settle-interval-ms", "600000"};
    devnet = std::make_unique<devnet::Devnet>(devnet::Devnet::up(options));
    const auto& state = devnet->state();
    provider = state.account("provider").address;
    provider_url = state.provider_url;

    eth::RpcClient rpc(state.rpc_url);
    const contracts::LedgerManager ledger(rpc, state.contracts.ledger);
    const contracts::InferenceServing serving(rpc, state.contracts.inference);
    const auto key = crypto::PrivateKey::from_hex(state.account("user").private_key);
    eth::TxSender user(rpc, key, state.chain_id);
    ledger.add_ledger(user, eth::parse_amount("10"));
    ledger.transfer_fund(user, provider, ledger.service_name(state.contracts.inference), eth::parse_amount("5"));
    sessions = std::make_unique<broker::SessionCache>(key, [](const eth::Address&, const eth::Address&) { return std::uint64_t{0}; });

    ::setenv("ZG_BENCH_GATEWAY_KEY", state.account("user").private_key.c_str(), 1);
    gateway = std::make_unique<gateway::Gateway>(
        json{{"devnet_state", options.state_file.string()}, {"key_env", "ZG_BENCH_GATEWAY_KEY"}, {"verify", "off"}, {"auto_fund", false}},
        gateway::HostServices{});
  }
  ~Bench() {
    gateway.reset();
    devnet.reset();
    std::filesystem::remove_all(dir);
  }
};

Bench& bench() {
  static Bench instance;
  return instance;
}

void BM_DirectToProvider(benchmark::State& state) {
  auto& b = bench();
  broker::ProviderClient client(b.provider_url);
  const auto authorization = b.sessions->authorization_header(b.provider);
  std::string received;
  for (auto _ : state) {
    received.clear();
    client.forward("/v1/proxy/chat/completions", kDirectBody, authorization, [](const broker::ForwardHead&) { return true; },
                   [&](std::string_view bytes) {
                     received.append(bytes);
                     return true;
                   });
    benchmark::DoNotOptimize(received);
  }
}
BENCHMARK(BM_DirectToProvider)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_ThroughGateway(benchmark::State& state) {
  auto& b = bench();
  std::string received;
  gateway::ResponseSink sink{[](const gateway::ResponseHead&) { return true; },
                             [&](std::string_view bytes) {
                               received.append(bytes);
                               return true;
                             }};
  static std::atomic<std::uint64_t> next_id{1};
  for (auto _ : state) {
    received.clear();
    auto summary = b.gateway->handle(next_id++, "/v1/chat/completions", kGatewayBody, sink);
    benchmark::DoNotOptimize(summary);
  }
}
BENCHMARK(BM_ThroughGateway)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_PrepareRequest(benchmark::State& state) {
  for (auto _ : state) {
    const auto member = gateway::find_model_member(kGatewayBody);
    const auto ref = gateway::parse_model_ref(member.value);
    auto body = gateway::replace_model(kGatewayBody, member, "zg-sim-1");
    benchmark::DoNotOptimize(ref);
    benchmark::DoNotOptimize(body);
  }
}
BENCHMARK(BM_PrepareRequest)->Unit(benchmark::kNanosecond);

}  // namespace
