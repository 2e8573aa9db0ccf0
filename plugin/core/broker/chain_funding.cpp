#include "broker/chain_funding.hpp"

namespace zg::broker {

FundingSources chain_funding_sources(const ChainFundingContext& c) {
  FundingSources sources;
  sources.read_account = [c]() -> std::optional<FundingSources::Account> {
    const auto account = c.serving.get_account(c.user.address(), c.provider);
    if (!account) return std::nullopt;
    return FundingSources::Account{account->balance, account->pending_refund};
  };
  sources.read_unsettled_fee = [c]() -> std::optional<eth::Uint256> {
    try {
      return c.provider_client.unsettled_fee(c.user.address(), c.sessions.authorization_header(c.provider)).fee;
    } catch (const Error&) {
      return std::nullopt;  // as the SDK: fall back to the fees we counted ourselves
    }
  };
  sources.local_fee_estimate = [c] { return c.usage.totals(c.provider).fee; };
  sources.transfer = [c](const eth::Uint256& amount) { c.ledger.transfer_fund(c.user, c.provider, c.service_name, amount); };
  return sources;
}

}  // namespace zg::broker
