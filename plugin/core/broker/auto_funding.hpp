#pragma once
// Keeps a provider sub-account above what the provider's balance gate needs, as the SDK's
// auto-funding does (protocol-inference.md §10), but off the request path: a background thread
// checks on a timer and when poked; requests never wait on the chain.
//
//   required = unsettledFee + 2 x MinimumLockedBalance (1 0G)
//   deficit  = required - (balance - pendingRefund)
//   if deficit > 0: transfer max(deficit, 1 0G) from the ledger
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "eth/uint256.hpp"

namespace zg::broker {

struct FundingPolicy {
  eth::Uint256 min_locked_balance = eth::parse_amount("1");  // the provider's MinimumLockedBalance
  unsigned reserve_multiple = 2;                            // the SDK keeps twice that on top of the fees
  eth::Uint256 min_top_up = eth::parse_amount("1");         // the SDK never transfers less than 1 0G
};

// The SDK's rule as a pure function: the amount to transfer, or nullopt when the account is fine.
std::optional<eth::Uint256> top_up_needed(const eth::Uint256& balance, const eth::Uint256& pending_refund,
                                          const eth::Uint256& unsettled_fee, const FundingPolicy& policy = {});

// Where the funder reads and what it does; injected so the rule runs against the real chain and
// provider in production and against fakes in unit tests.
struct FundingSources {
  struct Account {
    eth::Uint256 balance;
    eth::Uint256 pending_refund;
  };
  std::function<std::optional<Account>()> read_account;            // nullopt: no sub-account yet
  std::function<std::optional<eth::Uint256>()> read_unsettled_fee;  // nullopt: the provider did not answer
  std::function<eth::Uint256()> local_fee_estimate;                 // fallback: fees we counted ourselves
  std::function<void(const eth::Uint256&)> transfer;               // ledger -> sub-account
};

class AutoFunder {
 public:
  AutoFunder(FundingSources sources, FundingPolicy policy = {});
  ~AutoFunder();  // stops the background thread
  AutoFunder(const AutoFunder&) = delete;
  AutoFunder& operator=(const AutoFunder&) = delete;

  // One check, on the caller's thread. Returns what was transferred (zero when nothing was
  // needed). Throws when there is no sub-account (funding a new one is an explicit user step,
  // with its own 1 0G minimum) or when the transfer fails.
  eth::Uint256 check_once();

  // Runs check_once every `interval`, and soon after each poke(); errors are kept, not thrown.
  void start(std::chrono::milliseconds interval);
  void poke();  // cheap: the request path calls this after each billed request
  void stop();

  std::optional<std::string> last_error() const;
  eth::Uint256 total_transferred() const;

 private:
  void run(std::chrono::milliseconds interval);

  FundingSources sources_;
  FundingPolicy policy_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool poked_ = false;
  bool stopping_ = false;
  std::optional<std::string> last_error_;
  eth::Uint256 total_transferred_;
  std::mutex check_mutex_;  // one check at a time: two must not both transfer the same deficit
  std::thread thread_;
};

}  // namespace zg::broker

// Production wiring lives in broker/chain_funding.hpp (the chain and the provider as sources).
