#include "inference_demo.hpp"

#include <iostream>

#include "broker/provider_client.hpp"
#include "broker/quote.hpp"
#include "broker/session_cache.hpp"
#include "broker/usage_accounting.hpp"
#include "broker/verifier.hpp"
#include "common/error.hpp"
#include "contracts/inference_serving.hpp"
#include "contracts/ledger_manager.hpp"
#include "ledger_view.hpp"

namespace zg::cli {
namespace {

std::string account_line(const std::optional<contracts::InferenceAccount>& account) {
  if (!account) return "no sub-account";
  return "balance " + eth::format_amount(account->balance) + " 0G, pending refund " +
         eth::format_amount(account->pending_refund) + " 0G, acknowledged " + (account->acknowledged ? "yes" : "no");
}

// Step 5: the provider's TEE quote must name the signer the contract has, before money moves.
void check_provider_quote(Context& ctx, broker::ProviderClient& client, const contracts::InferenceService& service) {
  const auto check = broker::check_quote(broker::parse_quote(client.quote()), service.tee_signer_address);
  if (!check.acceptable()) throw Error("the provider's TEE quote does not match the contract: " + check.summary());
  ctx.progress("inference: quote checked: " + check.summary());
}

}  // namespace

nlohmann::json run_inference_demo(Context& ctx, eth::RpcClient& rpc, const devnet::DevnetState& state,
                                   const crypto::PrivateKey& user_key, const std::function<void()>& settle) {
  const contracts::LedgerManager ledger(rpc, state.contracts.ledger);
  const contracts::InferenceServing serving(rpc, state.contracts.inference);
  eth::TxSender user(rpc, user_key, state.chain_id);
  const auto provider = state.account("provider").address;
  const auto service = serving.get_service(provider);
  if (!service) throw Error("the devnet provider " + provider.checksummed() + " is not registered");
  broker::ProviderClient client(service->url);

  check_provider_quote(ctx, client, *service);
  const auto amount = eth::parse_amount("2");
  ctx.progress("inference: transferring 2 0G to the provider's sub-account (this acknowledges the provider) ...");
  ledger.transfer_fund(user, provider, ledger.service_name(state.contracts.inference), amount);
  ctx.progress("inference: " + account_line(serving.get_account(user.address(), provider)));

  broker::SessionCache sessions(user_key, [&](const eth::Address& u, const eth::Address& p) -> std::uint64_t {
    const auto account = serving.get_account(u, p);
    return account ? account->generation.low_u64() : 0;
  });
  const nlohmann::json request = {{"model", service->model},
                                  {"messages", {{{"role", "user"}, {"content", "What is 0G Compute?"}}}},
                                  {"stream", true},
                                  {"stream_options", {{"include_usage", true}}}};
  ctx.progress("inference: streaming a chat from " + service->model + ":");
  std::string streamed;
  const auto answer = client.chat_stream(request.dump(), sessions.authorization_header(provider), [&](std::string_view delta) {
    streamed.append(delta);
    std::cerr << delta << std::flush;
  });
  std::cerr << "\n";
  const auto report = broker::verify_chat(client, *service, answer.chat_id().value_or(""), as_bytes(answer.body));
  ctx.progress("inference: verification " + std::string(broker::to_string(report.verdict)) + " (" + report.reason + ")");
  if (report.verdict != broker::Verdict::verified) throw Error("the devnet provider's answer did not verify: " + report.reason);
  if (!answer.usage) throw Error("the provider reported no usage");
  broker::UsageAccounting accounting;
  const auto fee = accounting.record(provider, *answer.usage, service->input_price, service->output_price);
  ctx.progress("inference: usage " + std::to_string(answer.usage->prompt_tokens) + " + " +
               std::to_string(answer.usage->completion_tokens) + " tokens, fee " + eth::format_amount(fee) + " 0G");

  ctx.progress("inference: the provider settles its fees on chain (settleFeesWithTEE) ...");
  settle();
  const auto account = serving.get_account(user.address(), provider);
  const auto after = ledger.get_ledger(user.address());
  ctx.progress("inference: sub-account after settlement: " + account_line(account));
  ctx.progress(ledger_text(user.address(), after));
  if (!account || account->balance != amount - fee) {
    throw Error("after settlement the sub-account holds " + (account ? eth::format_amount(account->balance) : "nothing") +
                " 0G, expected " + eth::format_amount(amount - fee) + " 0G");
  }
  return {{"chatId", answer.chat_id().value_or("")},
          {"content", streamed},
          {"verification", broker::to_string(report.verdict)},
          {"usage", {{"prompt_tokens", answer.usage->prompt_tokens}, {"completion_tokens", answer.usage->completion_tokens}}},
          {"fee", fee.to_dec()},
          {"subAccountBalance", account->balance.to_dec()},
          {"ledger", ledger_json(user.address(), after)}};
}

}  // namespace zg::cli
