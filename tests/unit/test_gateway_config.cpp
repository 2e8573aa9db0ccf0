// The gateway config (plugin.h, zg_plugin_api.create): defaults, every member, and the errors a
// user sees for a typo or a wrong type.
#include <gtest/gtest.h>

#include <cstdlib>

#include "common/error.hpp"
#include "gateway/gateway.hpp"
#include "gateway/gateway_config.hpp"

namespace {

using namespace zg;
using namespace zg::gateway;
using nlohmann::json;

std::string error_of(const json& config) {
  try {
    parse_gateway_config(config);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(GatewayConfig, DefaultsAreSyncVerifyPriceRoutingAutoFund) {
  ::unsetenv("ZG_KEY_FILE");
  const auto config = parse_gateway_config(json::object());
  EXPECT_EQ(config.routing, RoutingPolicy::price);
  EXPECT_EQ(config.verify, hooks::VerifyMode::sync);
  EXPECT_TRUE(config.auto_fund);
  EXPECT_TRUE(config.providers.empty());
  EXPECT_TRUE(config.hooks.empty());
  EXPECT_EQ(config.key.environment_variable, "ZG_PRIVATE_KEY");
  EXPECT_FALSE(config.key.key_file);
}

TEST(GatewayConfig, EveryMemberIsRead) {
  const json j = {{"network", "local"},
                  {"rpc", "http://127.0.0.1:8545"},
                  {"inference_contract", "0x0000000000000000000000000000000000000001"},
                  {"devnet_state", "/tmp/devnet.json"},
                  {"key_file", "/tmp/key"},
                  {"key_env", "MY_KEY"},
                  {"providers", {"0x70997970C51812dc3A010C7d01b50e0d17dc79C8"}},
                  {"routing", "latency"},
                  {"verify", "async"},
                  {"auto_fund", false},
                  {"hooks", {{{"event", "usage.accounted"}, {"command", {"/bin/cat"}}, {"timeout_ms", 500}}}}};
  const auto config = parse_gateway_config(j);
  EXPECT_EQ(config.network.network, "local");
  EXPECT_EQ(config.network.rpc, "http://127.0.0.1:8545");
  EXPECT_EQ(config.network.devnet_file, "/tmp/devnet.json");
  EXPECT_EQ(config.key.key_file, "/tmp/key");
  EXPECT_EQ(config.key.environment_variable, "MY_KEY");
  ASSERT_EQ(config.providers.size(), 1u);
  EXPECT_EQ(config.routing, RoutingPolicy::latency);
  EXPECT_EQ(config.verify, hooks::VerifyMode::async);
  EXPECT_FALSE(config.auto_fund);
  ASSERT_EQ(config.hooks.size(), 1u);
  EXPECT_EQ(config.hooks[0].event, hooks::EventKind::usage_accounted);
  EXPECT_EQ(config.hooks[0].timeout, std::chrono::milliseconds(500));
}

TEST(GatewayConfig, FlagsWinOverEnvironmentLikeTheCli) {
  ::setenv("ZG_RPC", "http://127.0.0.1:1", 1);
  EXPECT_EQ(parse_gateway_config(json::object()).network.rpc, "http://127.0.0.1:1");
  EXPECT_EQ(parse_gateway_config({{"rpc", "http://127.0.0.1:2"}}).network.rpc, "http://127.0.0.1:2");
  ::unsetenv("ZG_RPC");
}

TEST(GatewayConfig, ErrorsNameTheMember) {
  EXPECT_NE(error_of({{"verfy", "sync"}}).find("unknown member \"verfy\""), std::string::npos);
  EXPECT_NE(error_of({{"routing", "random"}}).find("\"routing\" must be \"price\" or \"latency\""), std::string::npos);
  EXPECT_NE(error_of({{"verify", true}}).find("\"verify\""), std::string::npos);
  EXPECT_NE(error_of({{"auto_fund", "yes"}}).find("\"auto_fund\" must be true or false"), std::string::npos);
  EXPECT_NE(error_of({{"providers", {"0x12"}}}).find("not a 0x address"), std::string::npos);
  EXPECT_NE(error_of({{"key_env", "A=b"}}).find("NAME of a variable"), std::string::npos);
  EXPECT_NE(error_of(json::array()).find("JSON object"), std::string::npos);
  EXPECT_NE(error_of({{"hooks", {{{"event", "nope"}, {"command", {"/bin/true"}}}}}}).find("hooks\"[0].event"), std::string::npos);
  EXPECT_NE(error_of({{"hooks", {{{"event", "usage.accounted"}, {"command", {"true"}}}}}}).find("absolute path"), std::string::npos);
  EXPECT_NE(error_of({{"hooks", {{{"event", "usage.accounted"}}}}}).find("needs a \"command\""), std::string::npos);
}

TEST(GatewayConfig, GatewayRefusesABadConfigAsInvalid) {
  try {
    Gateway gateway({{"routing", "cheapest"}}, {});
    FAIL() << "accepted";
  } catch (const GatewayError& e) {
    EXPECT_EQ(e.kind(), Failure::invalid);
    EXPECT_EQ(e.http_status(), 400);
    EXPECT_NE(std::string(e.what()).find("routing"), std::string::npos);
  }
}

TEST(GatewayConfig, GatewayWithoutAKeyIsAnAuthFailure) {
  ::unsetenv("ZG_NO_SUCH_KEY");
  try {
    Gateway gateway({{"network", "testnet"}, {"key_env", "ZG_NO_SUCH_KEY"}}, {});
    FAIL() << "accepted";
  } catch (const GatewayError& e) {
    EXPECT_EQ(e.kind(), Failure::auth) << e.what();
    EXPECT_NE(std::string(e.what()).find("ZG_NO_SUCH_KEY"), std::string::npos) << e.what();
  }
}

}  // namespace
