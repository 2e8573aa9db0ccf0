#include "request_gate.hpp"

#include "balance_gate.hpp"
#include "broker/session_token.hpp"

namespace zg::provider {

namespace {

constexpr int kBadRequest = 400;
constexpr int kTooManyRequests = 429;

broker::TokenRevocationState revocation_state(const contracts::InferenceAccount& account) {
  // A generation beyond 64 bits cannot match any token the broker decodes (Go uint64); saturate.
  const std::uint64_t generation =
      account.generation.fits_u64() ? account.generation.low_u64() : std::numeric_limits<std::uint64_t>::max();
  return {generation, account.revoked_bitmap};
}

}  // namespace

std::string rate_limited_text(unsigned requests_per_minute) {
  return "Rate limit exceeded. Please slow down your request rate (limit: " + std::to_string(requests_per_minute) +
         " requests/min).";
}

eth::Address RequestGate::authenticate(std::string_view authorization, std::int64_t now_unix_s) {
  try {
    const auto parsed = broker::parse_authorization_header(authorization);
    const auto user = eth::Address::from_hex(parsed.token.address);
    const auto account = accounts_.account(user);
    broker::SessionValidationContext context{settings_.provider.checksummed(), now_unix_s, std::nullopt};
    if (account) context.account = revocation_state(*account);
    broker::validate_session(parsed, context);
    return user;
  } catch (const broker::SessionTokenError& error) {
    throw GateRejection(kBadRequest, error.what());
  } catch (const ParseError& error) {
    // A token whose address field is not an address: the signature check could never pass.
    throw GateRejection(kBadRequest, std::string("invalid session token format in Authorization: ") + error.what());
  }
}

eth::Address RequestGate::admit_billed(std::string_view authorization, std::string_view messages_json,
                                       std::int64_t now_unix_s) {
  const eth::Address user = authenticate(authorization, now_unix_s);
  if (!limiter_.admit(user)) throw GateRejection(kTooManyRequests, rate_limited_text(limiter_.limit()));
  check_account(user, messages_json);
  return user;
}

void RequestGate::check_account(const eth::Address& user, std::string_view messages_json) {
  const auto account = accounts_.account(user);
  if (!account) throw GateRejection(kBadRequest, std::string(kAccountNotExist));
  if (!account->acknowledged) throw GateRejection(kBadRequest, std::string(kUserNotAcknowledged));
  const auto service = accounts_.service();
  if (!service || !service->tee_signer_acknowledged) {
    throw GateRejection(kBadRequest, std::string(kTeeSignerNotAcknowledged));
  }
  const BalanceRequirement requirement{available_balance(account->balance, account->pending_refund),
                                       settings_.minimum_locked_balance, fees_.unsettled(user),
                                       estimated_input_fee(messages_json, settings_.input_price)};
  if (auto message = insufficient_balance_message(requirement)) throw GateRejection(kBadRequest, *message);
}

}  // namespace zg::provider
