// Auto-funding against the real chain and the provider simulator: the sub-account is topped up
// by the SDK's rule using the provider's own unsettled-fee count, and nothing is sent when the
// balance already covers it.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "broker/chain_funding.hpp"
#include "broker/session_token.hpp"
#include "devnet/devnet.hpp"

namespace {

using namespace zg;

TEST(AutoFundingDevnet, TopsUpByTheSdkRuleFromTheProvidersUnsettledFee) {
  const auto dir = std::filesystem::temp_directory_path() / ("zg-autofund-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  devnet::DevnetOptions options;
  options.state_file = dir / "devnet.json";
  options.start_provider = true;
  options.provider_arguments = {"--settle-interval-ms", "600000"};  // no settlement during the test
  auto net = devnet::Devnet::up(options);
  const auto& state = net.state();

  eth::RpcClient rpc(state.rpc_url);
  const contracts::LedgerManager ledger(rpc, state.contracts.ledger);
  const contracts::InferenceServing serving(rpc, state.contracts.inference);
  const auto user_key = crypto::PrivateKey::from_hex(state.account("user").private_key);
  eth::TxSender user(rpc, user_key, state.chain_id);
  const auto provider = state.account("provider").address;
  const auto service = serving.get_service(provider);
  ASSERT_TRUE(service.has_value());
  const auto service_name = ledger.service_name(state.contracts.inference);

  ledger.add_ledger(user, eth::parse_amount("10"));
  ledger.transfer_fund(user, provider, service_name, eth::parse_amount("1"));

  broker::ProviderClient client(service->url);
  broker::SessionCache sessions(user_key, [&](const eth::Address& u, const eth::Address& p) -> std::uint64_t {
    const auto a = serving.get_account(u, p);
    return a ? a->generation.low_u64() : 0;
  });
  broker::UsageAccounting usage;
  broker::AutoFunder funder(broker::chain_funding_sources({ledger, serving, user, provider, service_name, client, sessions, usage}));

  // 1 0G against a required 0 + 2 x 1 0G: the deficit is exactly 1 0G.
  EXPECT_EQ(funder.check_once(), eth::parse_amount("1"));
  EXPECT_EQ(serving.get_account(user.address(), provider)->balance, eth::parse_amount("2"));
  EXPECT_EQ(funder.check_once(), eth::Uint256{});  // covered now: nothing sent

  // One billed chat: the provider now holds an unsettled fee, so 2 0G no longer covers the gate.
  // The provider reads accounts through a cache refreshed every 3 s (as the upstream broker
  // does): let it see the top-up first.
  std::this_thread::sleep_for(std::chrono::milliseconds(3500));
  const auto answer = client.chat(R"({"messages":[{"role":"user","content":"fund me"}]})",
                                  sessions.authorization_header(provider));
  ASSERT_TRUE(answer.usage.has_value());
  const auto fee = usage.record(provider, *answer.usage, service->input_price, service->output_price);
  EXPECT_EQ(client.unsettled_fee(user.address(), sessions.authorization_header(provider)).fee, fee);
  EXPECT_EQ(funder.check_once(), eth::parse_amount("1"));  // deficit = fee < 1 0G -> the 1 0G minimum
  EXPECT_EQ(serving.get_account(user.address(), provider)->balance, eth::parse_amount("3"));
  EXPECT_EQ(ledger.get_ledger(user.address())->available_balance, eth::parse_amount("7"));

  // In the background: a poke with a covered balance sends nothing.
  funder.start(std::chrono::hours(1));
  funder.poke();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  funder.stop();
  EXPECT_FALSE(funder.last_error().has_value()) << *funder.last_error();
  EXPECT_EQ(funder.total_transferred(), eth::parse_amount("2"));
  net.down();
  std::filesystem::remove_all(dir);
}

}  // namespace
