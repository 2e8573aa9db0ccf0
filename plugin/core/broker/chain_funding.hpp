#pragma once
// FundingSources for a real user and provider: the sub-account from InferenceServing, the
// unsettled fee from the provider's /v1/user/{addr}/unsettledfee (with the user's session token),
// our own fee count as the fallback, and transfers through LedgerManager.transferFund.
#include "broker/auto_funding.hpp"
#include "broker/provider_client.hpp"
#include "broker/session_cache.hpp"
#include "broker/usage_accounting.hpp"
#include "contracts/inference_serving.hpp"
#include "contracts/ledger_manager.hpp"

namespace zg::broker {

struct ChainFundingContext {
  const contracts::LedgerManager& ledger;
  const contracts::InferenceServing& serving;
  eth::TxSender& user;  // the wallet that owns the ledger
  eth::Address provider;
  std::string service_name;  // LedgerManager's name of the inference service ("inference-v1.0")
  ProviderClient& provider_client;
  SessionCache& sessions;
  const UsageAccounting& usage;
};

// Every reference in `context` must outlive the returned sources (and any AutoFunder using them).
FundingSources chain_funding_sources(const ChainFundingContext& context);

}  // namespace zg::broker
