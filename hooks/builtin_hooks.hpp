#pragma once
// The built-in hooks of the request path, each a small class testable alone, and the one place
// that registers them on an EventBus (register_builtin_hooks, in builtin_hooks.cpp):
//   request.sending    SessionSigningHook        Authorization from the session cache
//   response.received  ResponseVerificationHook  TEE signature check (sync / async / off)
//   response.received  UsageAccountingHook       fee from usage and prices -> usage.accounted
//   usage.accounted    BalanceWatchHook          cached balance minus fees -> balance.low
//   balance.low        AutoFundingHook           pokes the funder (a background top-up)
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string_view>

#include "broker/session_cache.hpp"
#include "broker/usage_accounting.hpp"
#include "broker/verifier.hpp"
#include "common/bytes.hpp"
#include "hooks/background_worker.hpp"
#include "hooks/event_bus.hpp"
#include "hooks/request_context.hpp"

namespace zg::hooks {

// plugin.h's spelling of a verdict: "verified", "signature-only", "failed", "not-verifiable".
std::string_view outcome_name(broker::Verdict verdict) noexcept;

class SessionSigningHook {
 public:
  explicit SessionSigningHook(broker::SessionCache& sessions) : sessions_(sessions) {}
  void operator()(Event& event) const;

 private:
  broker::SessionCache& sessions_;
};

enum class VerifyMode { sync, async, off };

// Fetches and judges the signature of one answer (broker::verify_chat with a provider connection).
using SignatureCheck = std::function<broker::VerificationReport(const contracts::InferenceService& service,
                                                                std::string_view chat_id, ByteSpan response)>;

class ResponseVerificationHook {
 public:
  // `worker` runs the async checks; it and `bus` must outlive the hook.
  ResponseVerificationHook(VerifyMode mode, SignatureCheck check, const EventBus& bus, BackgroundWorker& worker)
      : mode_(mode), check_(std::move(check)), bus_(bus), worker_(worker) {}
  void operator()(Event& event) const;

 private:
  VerifyMode mode_;
  SignatureCheck check_;
  const EventBus& bus_;
  BackgroundWorker& worker_;
};

class UsageAccountingHook {
 public:
  UsageAccountingHook(broker::UsageAccounting& accounting, const EventBus& bus) : accounting_(accounting), bus_(bus) {}
  void operator()(Event& event) const;

 private:
  broker::UsageAccounting& accounting_;
  const EventBus& bus_;
};

// What we believe a provider sub-account holds: the last chain read (balance - pendingRefund),
// less the fees accounted since. Thread-safe; the request path only subtracts.
class BalanceBook {
 public:
  explicit BalanceBook(eth::Uint256 threshold) : threshold_(threshold) {}
  const eth::Uint256& threshold() const noexcept { return threshold_; }

  void set_chain_balance(const eth::Address& provider, const eth::Uint256& available);
  // Subtracts `fee`; returns the remaining estimate when it is below the threshold (nullopt when
  // fine, or when no chain balance is known yet).
  std::optional<eth::Uint256> charge(const eth::Address& provider, const eth::Uint256& fee);
  std::optional<eth::Uint256> estimate(const eth::Address& provider) const;

 private:
  eth::Uint256 threshold_;
  mutable std::mutex mutex_;
  std::map<eth::Address, eth::Uint256> available_;
};

class BalanceWatchHook {
 public:
  BalanceWatchHook(BalanceBook& book, const EventBus& bus) : book_(book), bus_(bus) {}
  void operator()(Event& event) const;

 private:
  BalanceBook& book_;
  const EventBus& bus_;
};

class AutoFundingHook {
 public:
  using Poke = std::function<void(const eth::Address& provider)>;  // must return at once
  explicit AutoFundingHook(Poke poke) : poke_(std::move(poke)) {}
  void operator()(Event& event) const;

 private:
  Poke poke_;
};

struct BuiltinHookDependencies {
  broker::SessionCache& sessions;
  VerifyMode verify_mode;
  SignatureCheck signature_check;
  BackgroundWorker& worker;
  broker::UsageAccounting& accounting;
  BalanceBook& balances;
  std::optional<AutoFundingHook::Poke> auto_fund;  // nullopt: auto-funding is off
};

// The registry: every built-in hook on its event, in the order the request path needs.
void register_builtin_hooks(EventBus& bus, const BuiltinHookDependencies& deps);

}  // namespace zg::hooks
