#pragma once
// The checks in front of billed routes, in the upstream broker's order (protocol-inference.md
// §3.3): the Authorization session token (broker::validate_session, with the cached on-chain
// generation/revokedBitmap), the rate limit, the account's existence and acknowledgement, the
// service's TEE signer acknowledgement, then the balance gate. A refusal carries the HTTP status
// and the broker's text.
#include <string>
#include <string_view>

#include "account_cache.hpp"
#include "common/error.hpp"
#include "fee_ledger.hpp"
#include "rate_limiter.hpp"

namespace zg::provider {

class GateRejection : public Error {
 public:
  GateRejection(int status, const std::string& message) : Error(message), status_(status) {}
  int status() const noexcept { return status_; }

 private:
  int status_;
};

inline constexpr std::string_view kAccountNotExist = "get account from contract, account not exist";
inline constexpr std::string_view kUserNotAcknowledged =
    "user not acknowledge the provider, please use acknowledgeProviderSigner function in sdk first, it will take "
    "effect in 2 minutes";
// The broker's own words (Broker ctrl/request.go ValidateRequestWithEstimatedFee).
inline constexpr std::string_view kTeeSignerNotAcknowledged = "service not acknowledge the tee signer";
// The broker's per-user limit text (Broker common/middleware CheckPerUserRateLimit), with the limit.
std::string rate_limited_text(unsigned requests_per_minute);

struct GateSettings {
  eth::Address provider;
  eth::Uint256 input_price;             // neuron per token, for the pre-flight estimate
  eth::Uint256 minimum_locked_balance;  // 1 0G upstream
};

class RequestGate {
 public:
  RequestGate(GateSettings settings, AccountCache& accounts, FeeLedger& fees, RateLimiter& limiter)
      : settings_(std::move(settings)), accounts_(accounts), fees_(fees), limiter_(limiter) {}

  // Token checks only (unsettledfee): returns the user the token speaks for.
  eth::Address authenticate(std::string_view authorization, std::int64_t now_unix_s);
  // Everything a billed request must pass; `messages_json` prices the estimate.
  eth::Address admit_billed(std::string_view authorization, std::string_view messages_json, std::int64_t now_unix_s);

 private:
  void check_account(const eth::Address& user, std::string_view messages_json);

  GateSettings settings_;
  AccountCache& accounts_;
  FeeLedger& fees_;
  RateLimiter& limiter_;
};

}  // namespace zg::provider
