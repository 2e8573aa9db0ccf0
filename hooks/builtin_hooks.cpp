// The built-in hooks and their one registry (register_builtin_hooks, at the end).
#include "hooks/builtin_hooks.hpp"

#include "common/error.hpp"

namespace zg::hooks {
namespace {

RequestContext& request_of(Event& event) {
  if (event.request == nullptr) throw Error(std::string(event_name(event.kind)) + " raised without its request");
  return *event.request;
}

}  // namespace

std::string_view outcome_name(broker::Verdict verdict) noexcept {
  switch (verdict) {
    case broker::Verdict::verified: return "verified";
    case broker::Verdict::signature_only: return "signature-only";
    case broker::Verdict::failed: return "failed";
    case broker::Verdict::not_verifiable: return "not-verifiable";
  }
  return "failed";
}

void SessionSigningHook::operator()(Event& event) const {
  auto& request = request_of(event);
  request.authorization = sessions_.authorization_header(request.service->provider);
}

namespace {

void publish_verified(const EventBus& bus, std::uint64_t request_id, const contracts::InferenceService& service,
                      const std::string& chat_id, const VerificationOutcome& outcome) {
  if (!bus.wanted(EventKind::response_verified)) return;
  Event verified{EventKind::response_verified, request_id,
                 {{"provider", service.provider.checksummed()},
                  {"chat_id", chat_id},
                  {"outcome", outcome.outcome},
                  {"reason", outcome.reason}},
                 nullptr};
  bus.publish(verified);
}

}  // namespace

void ResponseVerificationHook::operator()(Event& event) const {
  auto& request = request_of(event);
  if (mode_ == VerifyMode::off) {
    request.verification = VerificationOutcome{"skipped", "verification is off in the config"};
    return;
  }
  const std::string chat_id = request.chat_id.value_or("");
  if (mode_ == VerifyMode::sync) {
    const auto report = check_(*request.service, chat_id, as_bytes(request.response));
    request.verification = VerificationOutcome{std::string(outcome_name(report.verdict)), report.reason};
    publish_verified(bus_, event.request_id, *request.service, chat_id, *request.verification);
    return;
  }
  // async: the answer is the client's already; the check runs later on its own copy of the bytes
  // (the provider keeps the signature about 20 minutes, so the queue must not lag that much).
  // Captures copies, never `this`: the task may outlive nothing but the bus and the worker.
  worker_.post([check = check_, &bus = bus_, service = *request.service, chat_id, bytes = std::string(request.response),
                request_id = event.request_id] {
    const auto report = check(service, chat_id, as_bytes(bytes));
    publish_verified(bus, request_id, service, chat_id, {std::string(outcome_name(report.verdict)), report.reason});
  });
}

void UsageAccountingHook::operator()(Event& event) const {
  auto& request = request_of(event);
  if (!request.usage) return;
  const auto& service = *request.service;
  request.fee = accounting_.record(service.provider, *request.usage, service.input_price, service.output_price);
  if (!bus_.wanted(EventKind::usage_accounted)) return;
  Event accounted{EventKind::usage_accounted, event.request_id, nlohmann::json::object(), &request};
  if (bus_.observed(EventKind::usage_accounted)) {  // the JSON only for observers: stages read `request`
    accounted.fields = {{"provider", service.provider.checksummed()},
                        {"prompt_tokens", request.usage->prompt_tokens},
                        {"completion_tokens", request.usage->completion_tokens},
                        {"fee_neuron", request.fee->to_dec()}};
  }
  bus_.publish(accounted);
}

void BalanceBook::set_chain_balance(const eth::Address& provider, const eth::Uint256& available) {
  std::lock_guard lock(mutex_);
  available_[provider] = available;
}

std::optional<eth::Uint256> BalanceBook::charge(const eth::Address& provider, const eth::Uint256& fee) {
  std::lock_guard lock(mutex_);
  const auto it = available_.find(provider);
  if (it == available_.end()) return std::nullopt;
  it->second = it->second > fee ? it->second - fee : eth::Uint256{};
  if (it->second < threshold_) return it->second;
  return std::nullopt;
}

std::optional<eth::Uint256> BalanceBook::estimate(const eth::Address& provider) const {
  std::lock_guard lock(mutex_);
  const auto it = available_.find(provider);
  if (it == available_.end()) return std::nullopt;
  return it->second;
}

void BalanceWatchHook::operator()(Event& event) const {
  auto& request = request_of(event);
  if (!request.fee) return;
  const auto& provider = request.service->provider;
  const auto low = book_.charge(provider, *request.fee);
  if (!low) return;
  Event balance_low{EventKind::balance_low, event.request_id,
                    {{"provider", provider.checksummed()},
                     {"balance_neuron", low->to_dec()},
                     {"threshold_neuron", book_.threshold().to_dec()}},
                    &request};
  bus_.publish(balance_low);
}

void AutoFundingHook::operator()(Event& event) const {
  if (event.request == nullptr || event.request->service == nullptr) return;
  poke_(event.request->service->provider);
}

void register_builtin_hooks(EventBus& bus, const BuiltinHookDependencies& deps) {
  bus.add_stage(EventKind::request_sending, "session-token signing", SessionSigningHook(deps.sessions));
  // Verification before accounting: the fee is owed whatever the verdict, but the summary and the
  // events then read in the order things happened.
  bus.add_stage(EventKind::response_received, "response verification",
                ResponseVerificationHook(deps.verify_mode, deps.signature_check, bus, deps.worker));
  bus.add_stage(EventKind::response_received, "usage accounting", UsageAccountingHook(deps.accounting, bus));
  bus.add_stage(EventKind::usage_accounted, "balance watch", BalanceWatchHook(deps.balances, bus));
  if (deps.auto_fund) bus.add_stage(EventKind::balance_low, "auto-funding", AutoFundingHook(*deps.auto_fund));
}

}  // namespace zg::hooks
