// The gateway: one request from a client (OpenAI JSON) to a 0G provider and back.
//
//   handle(): parse the body's "model" -> candidates from the directory snapshot (no chain read)
//             -> for each candidate allowed by its circuit: request.sending (Authorization from the
//             session cache), forward over a pooled keep-alive connection, failing over on
//             connection errors and 5xx until the first byte reached the sink
//             -> response.received: verification, usage/fee accounting, balance watch, auto-funding
//   Background: directory refresh (chain reads, token pre-signing), async verification, funding
//   checks, command hooks. None of them is on the request path.
#include "gateway/gateway.hpp"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>

#include "broker/auto_funding.hpp"
#include "broker/chain_funding.hpp"
#include "broker/session_cache.hpp"
#include "broker/sse.hpp"
#include "broker/usage_accounting.hpp"
#include "broker/verifier.hpp"
#include "config/network.hpp"
#include "contracts/inference_serving.hpp"
#include "contracts/ledger_manager.hpp"
#include "eth/rpc_client.hpp"
#include "eth/tx_sender.hpp"
#include "gateway/gateway_config.hpp"
#include "gateway/provider_directory.hpp"
#include "gateway/request_target.hpp"
#include "gateway/routing.hpp"
#include "hooks/background_worker.hpp"
#include "hooks/builtin_hooks.hpp"
#include "hooks/command_hook.hpp"
#include "hooks/event_bus.hpp"
#include "hooks/request_context.hpp"
#include "wallet/key_source.hpp"

namespace zg::gateway {

GatewayError::GatewayError(Failure kind, int http_status, const std::string& message, nlohmann::json summary)
    : zg::Error(message), kind_(kind), http_status_(http_status), summary_(std::move(summary)) {}

Failure GatewayError::kind() const noexcept { return kind_; }
int GatewayError::http_status() const noexcept { return http_status_; }
const nlohmann::json& GatewayError::summary() const noexcept { return summary_; }

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kLogWarn = 1;
constexpr int kLogInfo = 2;
constexpr int kLogDebug = 3;

constexpr auto kRefreshInterval = std::chrono::seconds(30);
constexpr int kClientClosedRequest = 499;  // nginx's status for "the client went away"

// A failure before the first byte reached the sink that the next provider may not have.
struct Retryable {
  std::string message;
};

double milliseconds_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The provider's answer to a token of an old generation (revokeAllTokens). The upstream broker
// sends it as a 4xx (the simulator, like the broker's ValidateSession path, uses 400; 401 is
// accepted too), so the text decides.
bool is_generation_error(const broker::ProviderError& error) {
  const auto& text = error.provider_message();
  return (error.status() == 400 || error.status() == 401) &&
         (text.find("generation expired") != std::string::npos || text.find("future generation") != std::string::npos);
}

// A provider's 4xx, mapped to what the user can do about it.
GatewayError refused(const broker::ProviderError& error, const std::string& provider) {
  const auto& text = error.provider_message();
  const std::string message = "provider " + provider + " refused the request: HTTP " + std::to_string(error.status()) +
                              ": " + text;
  if (text.find("insufficient balance") != std::string::npos) return {Failure::funds, 402, message};
  if (text.find("account not exist") != std::string::npos) {
    return {Failure::funds, 402, message + " (fund it: zg ledger transfer --provider " + provider + " --amount 1)"};
  }
  if (error.status() == 401 || error.status() == 403) return {Failure::auth, error.status(), message};
  return {Failure::provider, error.status(), message};
}

std::string per_million_0g(const eth::Uint256& neuron_per_token) {
  return eth::format_amount(neuron_per_token * eth::Uint256(1'000'000));
}

// Usage and completion id from the bytes the client got: the last SSE chunk that has them, or
// the JSON body. The answer is already delivered, so a malformed one only leaves them unknown.
void read_usage_and_id(std::string_view content_type, const std::string& body, hooks::RequestContext& context) {
  try {
    if (content_type.find("text/event-stream") != std::string_view::npos) {
      broker::ChatStreamParser parser;
      const auto ignore = [](const broker::ChatChunk&) {};
      parser.feed(body, ignore);
      parser.finish(ignore);
      context.usage = parser.usage();
      if (!context.chat_id) context.chat_id = parser.completion_id();
      return;
    }
    const json parsed = json::parse(body, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) return;
    context.usage = broker::parse_usage(parsed);
    if (!context.chat_id) context.chat_id = broker::parse_completion_id(parsed);
  } catch (const Error&) {
  }
}

}  // namespace

// One request in flight, so cancel() from another thread can reach its connection.
struct InFlight {
  std::mutex mutex;
  bool cancelled = false;
  broker::ProviderClient* client = nullptr;

  void attach(broker::ProviderClient& connection) {
    std::lock_guard lock(mutex);
    if (cancelled) throw GatewayError(Failure::cancelled, kClientClosedRequest, "the request was cancelled");
    client = &connection;
  }
  void detach() {
    std::lock_guard lock(mutex);
    client = nullptr;
  }
  bool is_cancelled() {
    std::lock_guard lock(mutex);
    return cancelled;
  }
  void cancel() {
    std::lock_guard lock(mutex);
    cancelled = true;
    if (client != nullptr) client->abort();
  }
};

// Auto-funding of one provider: the SDK's rule through broker::AutoFunder, run by the funding worker.
struct FundingState {
  FundingState(const contracts::LedgerManager& ledger, const contracts::InferenceServing& serving, eth::TxSender& user,
               const eth::Address& provider, const std::string& service_name, const std::string& url,
               broker::SessionCache& sessions, const broker::UsageAccounting& usage)
      : client(url),
        funder(broker::chain_funding_sources({ledger, serving, user, provider, service_name, client, sessions, usage})) {}
  broker::ProviderClient client;  // for the unsettled fee; declared before the funder that uses it
  broker::AutoFunder funder;
};

class Gateway::Impl {
 public:
  Impl(const json& config_json, HostServices host);
  ~Impl();

  json list_models();
  json handle(std::uint64_t request_id, std::string_view path, std::string_view body, const ResponseSink& sink);
  void cancel(std::uint64_t request_id);
  void publish(std::string_view event_name, const json& fields);
  json health();

 private:
  struct Request;

  void log(int level, const std::string& line) const {
    if (host_.log) host_.log(level, line);
  }
  std::shared_ptr<const Directory> directory() const {
    std::lock_guard lock(directory_mutex_);
    return directory_;
  }
  void refresh_directory();
  void refresh_loop();
  std::vector<const ProviderEntry*> candidates(const Directory& directory, const ModelRef& ref,
                                               std::string_view path) const;
  json attempt(const ProviderEntry& entry, Request& request);
  broker::ForwardEnd forward(const ProviderEntry& entry, Request& request, hooks::RequestContext& context,
                             std::string& received, broker::ForwardHead& head);
  json summary_of(const Request& request, const ProviderEntry* entry) const;
  broker::VerificationReport check_signature(const contracts::InferenceService& service, std::string_view chat_id,
                                             ByteSpan response);
  void poke_funder(const eth::Address& provider);
  void fund(const eth::Address& provider);
  void register_hooks();

  HostServices host_;
  GatewayConfig config_;
  config::Network network_;
  std::unique_ptr<eth::RpcClient> rpc_;
  std::uint64_t chain_id_ = 0;
  eth::Address user_;
  std::unique_ptr<contracts::InferenceServing> serving_;
  std::unique_ptr<contracts::LedgerManager> ledger_;
  std::unique_ptr<broker::SessionCache> sessions_;
  std::unique_ptr<eth::TxSender> sender_;  // auto-funding transfers
  broker::UsageAccounting accounting_;
  hooks::BalanceBook balances_;

  mutable std::mutex directory_mutex_;
  std::shared_ptr<const Directory> directory_;
  std::map<eth::Address, std::shared_ptr<ProviderRuntime>> runtimes_;  // refresh thread only
  std::map<eth::Address, std::string> excluded_;                       // under directory_mutex_
  std::string last_refresh_error_;                                     // under directory_mutex_

  std::mutex inflight_mutex_;
  std::condition_variable inflight_done_;
  std::unordered_map<std::uint64_t, std::shared_ptr<InFlight>> inflight_;

  // Destroyed in reverse: the workers first (their tasks use everything above), then the bus and
  // the command hooks they publish to.
  std::unique_ptr<hooks::CommandHookRunner> command_hooks_;
  hooks::EventBus bus_;
  std::mutex funding_mutex_;
  std::map<eth::Address, std::unique_ptr<FundingState>> funding_;
  std::set<eth::Address> funding_pending_;
  std::string funding_service_name_;
  std::unique_ptr<hooks::BackgroundWorker> verify_worker_;
  std::unique_ptr<hooks::BackgroundWorker> funding_worker_;

  std::mutex refresh_mutex_;
  std::condition_variable refresh_wake_;
  bool stopping_ = false;
  std::thread refresh_thread_;
};

// One handle() call.
struct Gateway::Impl::Request {
  std::uint64_t id;
  std::string_view path;
  std::string_view body;
  ModelMember model;
  const ResponseSink& sink;
  InFlight& inflight;
  Clock::time_point started = Clock::now();
  bool head_sent = false;
  int attempts = 0;
};

// ---- construction -----------------------------------------------------------------------------

namespace {

template <typename F>
auto or_gateway_error(Failure kind, int status, const std::string& what, F&& step) {
  try {
    return step();
  } catch (const GatewayError&) {
    throw;
  } catch (const std::exception& error) {
    throw GatewayError(kind, status, what + ": " + error.what());
  }
}

}  // namespace

Gateway::Impl::Impl(const json& config_json, HostServices host)
    : host_(std::move(host)),
      balances_(eth::parse_amount("2")),  // the SDK keeps 2 x MinimumLockedBalance on top of the fees
      bus_([this](const std::string& line) { log(kLogWarn, line); }) {
  try {
    config_ = parse_gateway_config(config_json);
    network_ = config::resolve(config_.network);
  } catch (const std::exception& error) {
    throw GatewayError(Failure::invalid, 400, error.what());
  }
  if (network_.rpc_url.empty()) throw GatewayError(Failure::invalid, 400, "no RPC endpoint: set \"rpc\" or \"network\"");
  if (network_.inference.is_zero()) {
    throw GatewayError(Failure::invalid, 400, "no InferenceServing address: set \"inference_contract\" or \"network\"");
  }
  const auto key = or_gateway_error(Failure::auth, 401, "no usable wallet key",
                                    [&] { return wallet::load_private_key(config_.key); });
  user_ = eth::Address::from_public_key(key.public_key());
  or_gateway_error(Failure::network, 503, "cannot reach the 0G chain", [&] {
    rpc_ = std::make_unique<eth::RpcClient>(network_.rpc_url);
    chain_id_ = rpc_->chain_id();
    if (network_.chain_id != 0 && network_.chain_id != chain_id_) {
      throw UsageError("the RPC at " + rpc_->display_url() + " serves chain " + std::to_string(chain_id_) +
                       ", but network '" + network_.name + "' is chain " + std::to_string(network_.chain_id));
    }
  });
  serving_ = std::make_unique<contracts::InferenceServing>(*rpc_, network_.inference);
  ledger_ = std::make_unique<contracts::LedgerManager>(*rpc_, network_.ledger);
  sender_ = std::make_unique<eth::TxSender>(*rpc_, key, chain_id_);
  sessions_ = std::make_unique<broker::SessionCache>(key, [this](const eth::Address& user, const eth::Address& provider) {
    const auto account = serving_->get_account(user, provider);
    if (!account) return std::uint64_t{0};
    if (!account->generation.fits_u64()) throw ParseError("Account.generation does not fit 64 bits");
    return account->generation.low_u64();
  });
  const auto log_warning = [this](const std::string& line) { log(kLogWarn, line); };
  command_hooks_ = std::make_unique<hooks::CommandHookRunner>(
      [this](int level, const std::string& line) { log(level, line); });
  verify_worker_ = std::make_unique<hooks::BackgroundWorker>("async verification", log_warning);
  funding_worker_ = std::make_unique<hooks::BackgroundWorker>("auto-funding", log_warning);
  register_hooks();
  or_gateway_error(Failure::network, 503, "cannot read the 0G inference services", [&] { refresh_directory(); });
  refresh_thread_ = std::thread([this] { refresh_loop(); });
}

void Gateway::Impl::register_hooks() {
  hooks::BuiltinHookDependencies deps{
      *sessions_,
      config_.verify,
      [this](const contracts::InferenceService& service, std::string_view chat_id, ByteSpan response) {
        return check_signature(service, chat_id, response);
      },
      *verify_worker_,
      accounting_,
      balances_,
      std::nullopt};
  if (config_.auto_fund) deps.auto_fund = [this](const eth::Address& provider) { poke_funder(provider); };
  hooks::register_builtin_hooks(bus_, deps);
  command_hooks_->attach(bus_, config_.hooks);
  if (host_.on_event) bus_.add_observer_of_all("host on_event", host_.on_event);
}

Gateway::Impl::~Impl() {
  {
    std::lock_guard lock(refresh_mutex_);
    stopping_ = true;
  }
  refresh_wake_.notify_all();
  if (refresh_thread_.joinable()) refresh_thread_.join();
  std::unique_lock lock(inflight_mutex_);
  for (auto& [id, request] : inflight_) request->cancel();
  inflight_done_.wait(lock, [this] { return inflight_.empty(); });
  lock.unlock();
  // The workers run out their queues here (each task is bounded by timeouts), before what they use goes.
  funding_worker_.reset();
  verify_worker_.reset();
  command_hooks_.reset();
}

// ---- the directory ----------------------------------------------------------------------------

void Gateway::Impl::refresh_directory() {
  std::vector<contracts::InferenceService> usable;
  std::map<eth::Address, std::string> excluded;
  for (auto& service : serving_->get_all_services()) {
    std::optional<contracts::InferenceAccount> account;
    if (service.tee_signer_acknowledged) account = serving_->get_account(user_, service.provider);
    if (auto why = exclusion_reason(service, account, config_.providers)) {
      excluded[service.provider] = std::move(*why);
      continue;
    }
    const auto available = account->balance > account->pending_refund ? account->balance - account->pending_refund
                                                                       : eth::Uint256{};
    balances_.set_chain_balance(service.provider, available);
    usable.push_back(std::move(service));
  }
  auto built = std::make_shared<const Directory>(build_directory(std::move(usable), runtimes_));
  const auto left_out = excluded.size();
  {
    std::lock_guard lock(directory_mutex_);
    directory_ = built;
    excluded_ = std::move(excluded);
    last_refresh_error_.clear();
  }
  // Sign each provider's session token now, so the first request to it needs no chain read.
  for (const auto& entry : built->providers) {
    try {
      sessions_->authorization_header(entry.service.provider);
    } catch (const std::exception& error) {
      log(kLogWarn, "session token for " + entry.service.provider.checksummed() + ": " + error.what());
    }
  }
  log(kLogDebug, "0G directory: " + std::to_string(built->providers.size()) + " usable providers, " +
                     std::to_string(left_out) + " left out");
}

void Gateway::Impl::refresh_loop() {
  std::unique_lock lock(refresh_mutex_);
  while (!refresh_wake_.wait_for(lock, kRefreshInterval, [this] { return stopping_; })) {
    lock.unlock();
    try {
      refresh_directory();
    } catch (const std::exception& error) {
      log(kLogWarn, std::string("0G directory refresh failed (keeping the last one): ") + error.what());
      std::lock_guard guard(directory_mutex_);
      last_refresh_error_ = error.what();
    }
    lock.lock();
  }
}

std::vector<const ProviderEntry*> Gateway::Impl::candidates(const Directory& directory, const ModelRef& ref,
                                                            std::string_view path) const {
  std::vector<const ProviderEntry*> serving_model;
  if (ref.provider) {
    const auto* entry = directory.find(*ref.provider);
    if (entry == nullptr) {
      throw GatewayError(Failure::not_found, 404, "provider " + ref.provider->checksummed() +
                                                      " is not usable: it is not registered, not acknowledged, or you have no funded sub-account with it");
    }
    if (!ref.model.empty() && ref.model != entry->service.model) {
      throw GatewayError(Failure::not_found, 404, "provider " + ref.provider->checksummed() + " serves \"" +
                                                      entry->service.model + "\", not \"" + ref.model + "\"");
    }
    serving_model.push_back(entry);
  } else {
    const auto it = directory.by_model.find(ref.model);
    if (it == directory.by_model.end()) {
      throw GatewayError(Failure::not_found, 404, "no usable 0G provider serves model \"" + ref.model + "\" (see /v1/models)");
    }
    for (const auto index : it->second) serving_model.push_back(&directory.providers[index]);
  }
  std::vector<RouteCandidate> routable;
  for (std::size_t i = 0; i < serving_model.size(); ++i) {
    const auto& service = serving_model[i]->service;
    if (!proxy_path_for(path, service.service_type)) continue;
    routable.push_back({service.provider, service.input_price + service.output_price,
                        serving_model[i]->runtime->latency.value(), i});
  }
  if (routable.empty()) {
    throw GatewayError(Failure::unsupported, 501, "the providers of this model (service type \"" +
                                                      serving_model.front()->service.service_type + "\") do not offer " +
                                                      std::string(path));
  }
  order_candidates(routable, config_.routing);
  std::vector<const ProviderEntry*> ordered;
  ordered.reserve(routable.size());
  for (const auto& candidate : routable) ordered.push_back(serving_model[candidate.index]);
  return ordered;
}

// ---- requests ---------------------------------------------------------------------------------

json Gateway::Impl::summary_of(const Request& request, const ProviderEntry* entry) const {
  json summary = {{"status", "ok"}};
  if (entry != nullptr) {
    summary["provider"] = entry->address;
    summary["model"] = entry->service.model;
  }
  summary["latency_ms"] = milliseconds_since(request.started);
  summary["attempts"] = request.attempts;
  return summary;
}

json Gateway::Impl::handle(std::uint64_t request_id, std::string_view path, std::string_view body,
                           const ResponseSink& sink) {
  if (!sink.on_data) throw GatewayError(Failure::invalid, 400, "the response sink has no on_data");
  if (!is_known_path(path)) {
    throw GatewayError(Failure::not_found, 404, "unknown path " + std::string(path) +
                                                    " (0G models serve /v1/chat/completions and /v1/embeddings)");
  }
  ModelMember member;
  ModelRef ref;
  try {
    member = find_model_member(body);
    ref = parse_model_ref(member.value);
  } catch (const Error& error) {
    throw GatewayError(Failure::invalid, 400, error.what());
  }
  const auto snapshot = directory();
  const auto ordered = candidates(*snapshot, ref, path);

  auto inflight = std::make_shared<InFlight>();
  {
    std::lock_guard lock(inflight_mutex_);
    if (!inflight_.emplace(request_id, inflight).second) {
      throw GatewayError(Failure::invalid, 400, "request id " + std::to_string(request_id) + " is already in flight");
    }
  }
  struct Unregister {
    Impl& self;
    std::uint64_t id;
    ~Unregister() {
      std::lock_guard lock(self.inflight_mutex_);
      self.inflight_.erase(id);
      self.inflight_done_.notify_all();
    }
  } unregister{*this, request_id};

  Request request{request_id, path, body, std::move(member), sink, *inflight};
  std::string last_failure;
  const ProviderEntry* last_entry = nullptr;
  for (const auto* entry : ordered) {
    if (inflight->is_cancelled()) {
      throw GatewayError(Failure::cancelled, kClientClosedRequest, "the request was cancelled", summary_of(request, last_entry));
    }
    if (!entry->runtime->circuit.allow()) {
      last_failure = "provider " + entry->address + " is skipped: its circuit is open after repeated failures";
      continue;
    }
    last_entry = entry;
    try {
      return attempt(*entry, request);
    } catch (const Retryable& failure) {
      entry->runtime->circuit.record_failure();
      entry->runtime->failures.fetch_add(1, std::memory_order_relaxed);
      last_failure = failure.message;
      log(kLogWarn, failure.message + (entry == ordered.back() ? "" : "; trying the next provider"));
    }
  }
  auto summary = summary_of(request, last_entry);
  summary["status"] = "error";
  throw GatewayError(request.attempts == 0 ? Failure::network : Failure::provider, request.attempts == 0 ? 503 : 502,
                     (ordered.size() > 1 ? "every provider failed; the last: " : "") + last_failure, summary);
}

broker::ForwardEnd Gateway::Impl::forward(const ProviderEntry& entry, Request& request, hooks::RequestContext& context,
                                          std::string& received, broker::ForwardHead& head) {
  const auto& service = entry.service;
  const auto proxy_path = *proxy_path_for(request.path, service.service_type);
  auto lease = entry.runtime->pool.acquire();
  request.inflight.attach(*lease);
  struct Detach {
    InFlight& inflight;
    ~Detach() { inflight.detach(); }
  } detach{request.inflight};
  const auto sent = Clock::now();
  const auto on_head = [&](const broker::ForwardHead& provider_head) {
    entry.runtime->latency.observe(milliseconds_since(sent));
    head = provider_head;
    ResponseHead response{provider_head.status, {{"content_type", provider_head.content_type},
                                                 {"provider", entry.address},
                                                 {"model", service.model}}};
    if (provider_head.response_key) response.meta["chat_id"] = *provider_head.response_key;
    request.head_sent = true;  // from here on there is no failover
    return !request.sink.on_head || request.sink.on_head(response);
  };
  const auto on_data = [&](std::string_view bytes) {
    received.append(bytes);
    return request.sink.on_data(bytes);
  };
  try {
    const auto end = lease->forward(proxy_path, replace_model(request.body, request.model, service.model),
                                    context.authorization, on_head, on_data);
    if (end == broker::ForwardEnd::stopped) lease.discard();
    return end;
  } catch (...) {
    lease.discard();
    throw;
  }
}

json Gateway::Impl::attempt(const ProviderEntry& entry, Request& request) {
  const auto& service = entry.service;
  const std::string& provider = entry.address;
  ++request.attempts;
  entry.runtime->requests.fetch_add(1, std::memory_order_relaxed);
  hooks::RequestContext context;
  context.request_id = request.id;
  context.service = &service;
  context.path = request.path;

  std::string received;
  broker::ForwardHead head;
  broker::ForwardEnd end = broker::ForwardEnd::completed;
  for (bool renewed_token = false;; renewed_token = true) {
    hooks::Event sending{hooks::EventKind::request_sending, request.id, json::object(), &context};
    if (bus_.observed(hooks::EventKind::request_sending)) {
      sending.fields = {{"provider", provider}, {"model", service.model}, {"path", request.path}};
    }
    or_gateway_error(Failure::auth, 401, "cannot sign the session token for " + provider, [&] { bus_.publish(sending); });
    try {
      end = forward(entry, request, context, received, head);
      break;
    } catch (const broker::ProviderError& error) {
      if (is_generation_error(error) && !renewed_token) {
        // The user revoked their tokens (revokeAllTokens): re-read the generation, sign anew, once.
        sessions_->invalidate(service.provider);
        continue;
      }
      if (error.status() >= 500) throw Retryable{error.what()};
      entry.runtime->circuit.record_success();  // it answered: alive, just not willing
      auto refusal = refused(error, provider);
      throw GatewayError(refusal.kind(), refusal.http_status(), refusal.what(), summary_of(request, &entry));
    } catch (const GatewayError&) {
      throw;
    } catch (const Error& error) {
      if (request.inflight.is_cancelled()) break;
      if (!request.head_sent) throw Retryable{error.what()};
      entry.runtime->circuit.record_failure();
      auto summary = summary_of(request, &entry);
      summary["status"] = "error";
      throw GatewayError(Failure::network, 502, "provider " + provider + " broke off the answer: " + error.what(), summary);
    }
  }
  if (end == broker::ForwardEnd::stopped || request.inflight.is_cancelled()) {
    entry.runtime->circuit.record_success();
    auto summary = summary_of(request, &entry);
    summary["status"] = "cancelled";
    throw GatewayError(Failure::cancelled, kClientClosedRequest, "the request was cancelled", summary);
  }
  entry.runtime->circuit.record_success();

  context.http_status = head.status;
  context.response = received;
  context.chat_id = head.response_key;
  read_usage_and_id(head.content_type, received, context);
  hooks::Event received_event{hooks::EventKind::response_received, request.id, json::object(), &context};
  if (bus_.observed(hooks::EventKind::response_received)) {
    received_event.fields = {{"provider", provider},
                             {"chat_id", context.chat_id.value_or("")},
                             {"http_status", head.status},
                             {"bytes", received.size()}};
  }
  or_gateway_error(Failure::internal, 500, "after the answer from " + provider, [&] { bus_.publish(received_event); });

  auto summary = summary_of(request, &entry);
  if (context.chat_id) summary["chat_id"] = *context.chat_id;
  if (context.verification) summary["verification"] = {{"outcome", context.verification->outcome}, {"reason", context.verification->reason}};
  if (context.usage) {
    summary["usage"] = {{"prompt_tokens", context.usage->prompt_tokens}, {"completion_tokens", context.usage->completion_tokens}};
  }
  if (context.fee) summary["fee_neuron"] = context.fee->to_dec();
  return summary;
}

broker::VerificationReport Gateway::Impl::check_signature(const contracts::InferenceService& service,
                                                          std::string_view chat_id, ByteSpan response) {
  const auto snapshot = directory();
  const auto* entry = snapshot->find(service.provider);
  if (entry == nullptr) {
    broker::ProviderClient client(service.url);
    return broker::verify_chat(client, service, chat_id, response);
  }
  auto lease = entry->runtime->pool.acquire();
  return broker::verify_chat(*lease, service, chat_id, response);
}

void Gateway::Impl::cancel(std::uint64_t request_id) {
  std::shared_ptr<InFlight> request;
  {
    std::lock_guard lock(inflight_mutex_);
    const auto it = inflight_.find(request_id);
    if (it == inflight_.end()) return;
    request = it->second;
  }
  request->cancel();
}

void Gateway::Impl::publish(std::string_view event_name, const json& fields) {
  const auto kind = hooks::event_from_name(event_name);
  const bool model_event = kind == hooks::EventKind::model_acknowledged || kind == hooks::EventKind::model_decrypted ||
                           kind == hooks::EventKind::model_imported;
  if (!model_event) {
    throw GatewayError(Failure::invalid, 400,
                       "cannot publish '" + std::string(event_name) +
                           "': only model.acknowledged, model.decrypted and model.imported come from outside a request");
  }
  if (!fields.is_object()) throw GatewayError(Failure::invalid, 400, "event fields must be a JSON object");
  hooks::Event event{*kind, 0, fields, nullptr};
  bus_.publish(event);
}

// ---- auto-funding -------------------------------------------------------------------------------

void Gateway::Impl::poke_funder(const eth::Address& provider) {
  {
    std::lock_guard lock(funding_mutex_);
    if (!funding_pending_.insert(provider).second) return;  // a check is already queued
  }
  if (!funding_worker_->post([this, provider] { fund(provider); })) {
    std::lock_guard lock(funding_mutex_);
    funding_pending_.erase(provider);
  }
}

void Gateway::Impl::fund(const eth::Address& provider) {
  {
    std::lock_guard lock(funding_mutex_);
    funding_pending_.erase(provider);
  }
  const auto snapshot = directory();
  const auto* entry = snapshot->find(provider);
  if (entry == nullptr) return;
  if (funding_service_name_.empty()) funding_service_name_ = ledger_->service_name(network_.inference);
  FundingState* state = nullptr;
  {
    // Only the lookup is locked: the check below reads the chain and must not stall poke_funder().
    std::lock_guard lock(funding_mutex_);
    auto& slot = funding_[provider];
    if (!slot) {
      slot = std::make_unique<FundingState>(*ledger_, *serving_, *sender_, provider, funding_service_name_,
                                            entry->service.url, *sessions_, accounting_);
    }
    state = slot.get();
  }
  try {
    const auto moved = state->funder.check_once();
    if (!moved.is_zero()) {
      log(kLogInfo, "auto-funding: transferred " + eth::format_amount(moved) + " 0G to " + provider.checksummed());
    }
    if (const auto account = serving_->get_account(user_, provider)) {
      balances_.set_chain_balance(provider, account->balance > account->pending_refund
                                                ? account->balance - account->pending_refund
                                                : eth::Uint256{});
    }
  } catch (const std::exception& error) {
    log(kLogWarn, "auto-funding " + provider.checksummed() + " failed: " + error.what());
  }
}

// ---- listing and health ---------------------------------------------------------------------------

json Gateway::Impl::list_models() {
  const auto snapshot = directory();
  std::map<std::string, json> models;  // sorted by id
  for (const auto& entry : snapshot->providers) {
    const auto& s = entry.service;
    auto& model = models[s.model];
    if (model.is_null()) {
      model = {{"id", "0g/" + s.model}, {"object", "model"}, {"owned_by", "0g"}, {"providers", json::array()}};
    }
    model["providers"].push_back({{"address", s.provider.checksummed()},
                                  {"input_price", s.input_price.to_dec()},
                                  {"output_price", s.output_price.to_dec()},
                                  {"input_price_0g_per_million", per_million_0g(s.input_price)},
                                  {"output_price_0g_per_million", per_million_0g(s.output_price)},
                                  {"verifiability", s.verifiability},
                                  {"service_type", s.service_type}});
  }
  json data = json::array();
  for (auto& [name, model] : models) data.push_back(std::move(model));
  return {{"object", "list"}, {"data", std::move(data)}};
}

json Gateway::Impl::health() {
  const auto snapshot = directory();
  json providers = json::array();
  for (const auto& entry : snapshot->providers) {
    const auto& runtime = *entry.runtime;
    json p = {{"address", entry.service.provider.checksummed()},
              {"model", entry.service.model},
              {"url", entry.service.url},
              {"circuit", to_string(runtime.circuit.state())},
              {"consecutive_failures", runtime.circuit.consecutive_failures()},
              {"requests", runtime.requests.load()},
              {"failures", runtime.failures.load()},
              {"idle_connections", runtime.pool.idle()}};
    if (const auto latency = runtime.latency.value()) p["latency_ms"] = *latency;
    if (const auto balance = balances_.estimate(entry.service.provider)) p["balance_estimate_neuron"] = balance->to_dec();
    p["fees_accounted_neuron"] = accounting_.totals(entry.service.provider).fee.to_dec();
    {
      std::lock_guard lock(funding_mutex_);
      const auto it = funding_.find(entry.service.provider);
      if (it != funding_.end() && it->second) p["auto_funded_neuron"] = it->second->funder.total_transferred().to_dec();
    }
    providers.push_back(std::move(p));
  }
  json health = {{"status", snapshot->providers.empty() ? "degraded" : "ok"},
                 {"wallet", user_.checksummed()},
                 {"network", network_.name},
                 {"chain_id", chain_id_},
                 {"providers", std::move(providers)}};
  std::lock_guard lock(directory_mutex_);
  json excluded = json::array();
  for (const auto& [address, reason] : excluded_) excluded.push_back({{"address", address.checksummed()}, {"reason", reason}});
  health["excluded"] = std::move(excluded);
  if (!last_refresh_error_.empty()) health["last_refresh_error"] = last_refresh_error_;
  return health;
}

// ---- the public class -----------------------------------------------------------------------------

Gateway::Gateway(const json& config, HostServices host) : impl_(std::make_unique<Impl>(config, std::move(host))) {}
Gateway::~Gateway() = default;
json Gateway::list_models() { return impl_->list_models(); }
json Gateway::handle(std::uint64_t request_id, std::string_view path, std::string_view body, const ResponseSink& sink) {
  return impl_->handle(request_id, path, body, sink);
}
void Gateway::cancel(std::uint64_t request_id) { impl_->cancel(request_id); }
void Gateway::publish(std::string_view event_name, const json& fields) { impl_->publish(event_name, fields); }
json Gateway::health() { return impl_->health(); }

}  // namespace zg::gateway
