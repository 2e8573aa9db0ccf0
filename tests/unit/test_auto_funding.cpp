// Auto-funding: the SDK's top-up rule (§10) exactly, and the background funder that applies it
// without ever blocking the caller.
#include <gtest/gtest.h>

#include <atomic>

#include "broker/auto_funding.hpp"
#include "common/error.hpp"
#include "common/process.hpp"

namespace {

using zg::broker::AutoFunder;
using zg::broker::FundingSources;
using zg::broker::top_up_needed;
using zg::eth::parse_amount;
using zg::eth::Uint256;

TEST(TopUpRule, NothingWhenBalanceCoversFeesPlusTwiceTheMinimum) {
  EXPECT_FALSE(top_up_needed(parse_amount("2"), 0, 0).has_value());
  EXPECT_FALSE(top_up_needed(parse_amount("2.5"), parse_amount("0.2"), parse_amount("0.3")).has_value());
}

TEST(TopUpRule, DeficitBelowOneZeroGIsRoundedUpToOne) {
  // required 2.000001, available 2 -> deficit 0.000001 -> at least 1 0G.
  EXPECT_EQ(top_up_needed(parse_amount("2"), 0, parse_amount("0.000001")), parse_amount("1"));
}

TEST(TopUpRule, LargeDeficitIsTransferredExactly) {
  // required 5.5 + 2 = 7.5, available 3 - 1 = 2 -> deficit 5.5.
  EXPECT_EQ(top_up_needed(parse_amount("3"), parse_amount("1"), parse_amount("5.5")), parse_amount("5.5"));
}

TEST(TopUpRule, PendingRefundAboveBalanceCountsAsNothingAvailable) {
  EXPECT_EQ(top_up_needed(parse_amount("1"), parse_amount("3"), 0), parse_amount("2"));
}

struct FakeChain {
  Uint256 balance = parse_amount("1");
  std::optional<Uint256> unsettled = parse_amount("0.25");
  Uint256 local_estimate = parse_amount("0.1");
  std::atomic<int> transfers{0};

  FundingSources sources() {
    return {[this] { return std::optional<FundingSources::Account>({balance, 0}); },
            [this] { return unsettled; },
            [this] { return local_estimate; },
            [this](const Uint256& amount) {
              balance += amount;
              ++transfers;
            }};
  }
};

TEST(AutoFunder, TopsUpFromTheProvidersUnsettledFee) {
  FakeChain chain;
  AutoFunder funder(chain.sources());
  EXPECT_EQ(funder.check_once(), parse_amount("1.25"));  // 0.25 + 2 - 1
  EXPECT_EQ(chain.balance, parse_amount("2.25"));
  EXPECT_EQ(funder.check_once(), Uint256{});  // now sufficient: nothing sent
  EXPECT_EQ(chain.transfers, 1);
  EXPECT_EQ(funder.total_transferred(), parse_amount("1.25"));
}

TEST(AutoFunder, FallsBackToTheLocalFeeCountWhenTheProviderDoesNotAnswer) {
  FakeChain chain;
  chain.unsettled.reset();
  AutoFunder funder(chain.sources());
  EXPECT_EQ(funder.check_once(), parse_amount("1.1"));
}

TEST(AutoFunder, RefusesToCreateASubAccount) {
  FundingSources sources{[] { return std::optional<FundingSources::Account>(); }, [] { return std::optional<Uint256>(); },
                         [] { return Uint256{}; }, [](const Uint256&) { FAIL() << "must not transfer"; }};
  AutoFunder funder(sources);
  EXPECT_THROW(funder.check_once(), zg::UsageError);
}

TEST(AutoFunder, BackgroundThreadActsOnPokeAndKeepsErrors) {
  FakeChain chain;
  AutoFunder funder(chain.sources());
  funder.start(std::chrono::hours(1));  // only pokes wake it in this test
  funder.poke();
  EXPECT_TRUE(zg::wait_until([&] { return chain.transfers.load() == 1; }, std::chrono::seconds(5)));
  EXPECT_FALSE(funder.last_error().has_value());
  funder.stop();

  FundingSources failing = chain.sources();
  failing.transfer = [](const Uint256&) { throw zg::Error("LedgerManager.transferFund reverted: InsufficientBalance"); };
  chain.unsettled = parse_amount("10");
  AutoFunder broken(failing);
  broken.start(std::chrono::hours(1));
  broken.poke();
  EXPECT_TRUE(zg::wait_until([&] { return broken.last_error().has_value(); }, std::chrono::seconds(5)));
  EXPECT_NE(broken.last_error()->find("InsufficientBalance"), std::string::npos);
}

}  // namespace
