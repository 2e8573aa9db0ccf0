// The event bus and the built-in hooks that need no chain: what observers receive (plugin.h event
// JSON), stage order and failure rules, usage accounting and the balance watch raising balance.low.
#include <gtest/gtest.h>

#include <regex>
#include <stdexcept>

#include "hooks/builtin_hooks.hpp"
#include "hooks/event_bus.hpp"

namespace {

using namespace zg;
using namespace zg::hooks;
using nlohmann::json;

TEST(HooksEventBus, NamesRoundTrip) {
  for (const char* name : {"request.sending", "response.received", "response.verified", "usage.accounted",
                           "balance.low", "model.acknowledged", "model.decrypted", "model.imported"}) {
    const auto kind = event_from_name(name);
    ASSERT_TRUE(kind) << name;
    EXPECT_EQ(event_name(*kind), name);
  }
  EXPECT_FALSE(event_from_name("request.sent"));
}

TEST(HooksEventBus, ObserversGetEventTimeRequestIdAndFields) {
  EventBus bus;
  std::vector<json> seen;
  bus.add_observer(EventKind::usage_accounted, "test", [&](const json& e) { seen.push_back(e); });
  Event event{EventKind::usage_accounted, 42, {{"provider", "0xabc"}, {"fee_neuron", "7"}}, nullptr};
  bus.publish(event);
  Event other{EventKind::balance_low, 1, json::object(), nullptr};
  bus.publish(other);  // nobody listens to it
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0]["event"], "usage.accounted");
  EXPECT_EQ(seen[0]["request_id"], 42);
  EXPECT_EQ(seen[0]["provider"], "0xabc");
  EXPECT_EQ(seen[0]["fee_neuron"], "7");
  const std::string time = seen[0]["time"];
  EXPECT_TRUE(std::regex_match(time, std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)"))) << time;
}

TEST(HooksEventBus, EventsWithoutARequestHaveNoRequestId) {
  Event event{EventKind::model_imported, 0, {{"name", "m"}}, nullptr};
  EXPECT_FALSE(event.to_json().contains("request_id"));
}

TEST(HooksEventBus, StagesRunInOrderBeforeObserversAndTheirErrorsPropagate) {
  std::vector<std::string> order;
  std::vector<std::string> logged;
  EventBus bus([&](const std::string& line) { logged.push_back(line); });
  bus.add_observer_of_all("watcher", [&](const json&) {
    order.push_back("observer");
    throw std::runtime_error("observer broke");
  });
  bus.add_stage(EventKind::request_sending, "first", [&](Event&) { order.push_back("first"); });
  bus.add_stage(EventKind::request_sending, "second", [&](Event&) { order.push_back("second"); });
  EXPECT_TRUE(bus.wanted(EventKind::request_sending));
  Event event{EventKind::request_sending, 1, json::object(), nullptr};
  bus.publish(event);  // the observer's exception is logged, not thrown
  EXPECT_EQ(order, (std::vector<std::string>{"first", "second", "observer"}));
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_NE(logged[0].find("watcher"), std::string::npos);
  EXPECT_NE(logged[0].find("observer broke"), std::string::npos);

  bus.add_stage(EventKind::response_received, "failing", [](Event&) { throw std::runtime_error("stage broke"); });
  Event received{EventKind::response_received, 1, json::object(), nullptr};
  EXPECT_THROW(bus.publish(received), std::runtime_error);
}

contracts::InferenceService service_with_prices(std::uint64_t input, std::uint64_t output) {
  contracts::InferenceService service;
  service.provider = eth::Address::from_hex("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
  service.input_price = eth::Uint256(input);
  service.output_price = eth::Uint256(output);
  return service;
}

TEST(HooksUsageAccounting, FeeIsPromptTimesInputPlusCompletionTimesOutput) {
  EventBus bus;
  broker::UsageAccounting accounting;
  bus.add_stage(EventKind::response_received, "accounting", UsageAccountingHook(accounting, bus));
  std::vector<json> accounted;
  bus.add_observer(EventKind::usage_accounted, "test", [&](const json& e) { accounted.push_back(e); });

  const auto service = service_with_prices(1000, 3000);
  RequestContext request;
  request.request_id = 9;
  request.service = &service;
  request.usage = broker::TokenUsage{12, 5};
  Event event{EventKind::response_received, 9, json::object(), &request};
  bus.publish(event);
  ASSERT_TRUE(request.fee);
  EXPECT_EQ(request.fee->to_dec(), "27000");  // 12*1000 + 5*3000
  ASSERT_EQ(accounted.size(), 1u);
  EXPECT_EQ(accounted[0]["fee_neuron"], "27000");
  EXPECT_EQ(accounted[0]["prompt_tokens"], 12);
  EXPECT_EQ(accounted[0]["completion_tokens"], 5);
  EXPECT_EQ(accounted[0]["provider"], "0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
  EXPECT_EQ(accounting.totals(service.provider).fee.to_dec(), "27000");

  // No usage in the answer: nothing accounted, no event.
  RequestContext silent;
  silent.service = &service;
  Event quiet{EventKind::response_received, 10, json::object(), &silent};
  bus.publish(quiet);
  EXPECT_FALSE(silent.fee);
  EXPECT_EQ(accounted.size(), 1u);
}

TEST(HooksBalanceWatch, RaisesBalanceLowOnceTheEstimateDropsBelowTheThresholdAndPokesTheFunder) {
  EventBus bus;
  BalanceBook book(eth::Uint256(100));
  std::vector<eth::Address> poked;
  bus.add_stage(EventKind::usage_accounted, "watch", BalanceWatchHook(book, bus));
  bus.add_stage(EventKind::balance_low, "fund", AutoFundingHook([&](const eth::Address& p) { poked.push_back(p); }));
  std::vector<json> low;
  bus.add_observer(EventKind::balance_low, "test", [&](const json& e) { low.push_back(e); });

  const auto service = service_with_prices(1, 1);
  book.set_chain_balance(service.provider, eth::Uint256(130));
  RequestContext request;
  request.service = &service;
  request.fee = eth::Uint256(20);
  Event first{EventKind::usage_accounted, 1, json::object(), &request};
  bus.publish(first);  // 110 left: fine
  EXPECT_TRUE(low.empty());
  EXPECT_TRUE(poked.empty());
  Event second{EventKind::usage_accounted, 2, json::object(), &request};
  bus.publish(second);  // 90 left: below 100
  ASSERT_EQ(low.size(), 1u);
  EXPECT_EQ(low[0]["balance_neuron"], "90");
  EXPECT_EQ(low[0]["threshold_neuron"], "100");
  ASSERT_EQ(poked.size(), 1u);
  EXPECT_EQ(poked[0], service.provider);
  EXPECT_EQ(book.estimate(service.provider)->to_dec(), "90");
}

TEST(HooksVerification, OffMarksSkippedAndSyncUsesTheCheckersVerdict) {
  EventBus bus;
  BackgroundWorker worker("test", {});
  const auto service = service_with_prices(1, 1);
  RequestContext request;
  request.service = &service;
  request.chat_id = "chat-1";
  request.response = "body";

  ResponseVerificationHook off(VerifyMode::off, {}, bus, worker);
  Event event{EventKind::response_received, 1, json::object(), &request};
  off(event);
  EXPECT_EQ(request.verification->outcome, "skipped");

  std::string checked_id, checked_bytes;
  ResponseVerificationHook sync(VerifyMode::sync, [&](const contracts::InferenceService&, std::string_view id, ByteSpan bytes) {
    checked_id = id;
    checked_bytes.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    broker::VerificationReport report;
    report.verdict = broker::Verdict::signature_only;
    report.reason = "hash differs";
    return report;
  }, bus, worker);
  std::vector<json> verified;
  bus.add_observer(EventKind::response_verified, "test", [&](const json& e) { verified.push_back(e); });
  sync(event);
  EXPECT_EQ(checked_id, "chat-1");
  EXPECT_EQ(checked_bytes, "body");
  EXPECT_EQ(request.verification->outcome, "signature-only");
  ASSERT_EQ(verified.size(), 1u);
  EXPECT_EQ(verified[0]["outcome"], "signature-only");
  EXPECT_EQ(verified[0]["chat_id"], "chat-1");
}

TEST(HooksVerification, AsyncRunsOnTheWorkerAndOnlyRaisesTheEvent) {
  EventBus bus;
  std::vector<json> verified;
  std::mutex mutex;
  bus.add_observer(EventKind::response_verified, "test", [&](const json& e) {
    std::lock_guard lock(mutex);
    verified.push_back(e);
  });
  BackgroundWorker worker("test", {});
  const auto service = service_with_prices(1, 1);
  ResponseVerificationHook async(VerifyMode::async, [](const contracts::InferenceService&, std::string_view, ByteSpan bytes) {
    broker::VerificationReport report;
    report.verdict = bytes.size() == 4 ? broker::Verdict::verified : broker::Verdict::failed;
    return report;
  }, bus, worker);
  std::string body = "body";
  RequestContext request;
  request.service = &service;
  request.chat_id = "c";
  request.response = body;
  Event event{EventKind::response_received, 5, json::object(), &request};
  async(event);
  body = "changed after the request ended";  // the worker must have its own copy
  worker.wait_idle();
  EXPECT_FALSE(request.verification);
  std::lock_guard lock(mutex);
  ASSERT_EQ(verified.size(), 1u);
  EXPECT_EQ(verified[0]["outcome"], "verified");
  EXPECT_EQ(verified[0]["request_id"], 5);
}

}  // namespace
