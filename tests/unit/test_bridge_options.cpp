// zg-bridge's option parsing: flags over the config file over ZG_* environment, the plugin config
// JSON it produces, and the refusals a user must see (keys on the command line or in the file,
// typos, bad values, a bridge key file others can read).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "bridge_options.hpp"
#include "common/error.hpp"

namespace {

using zg::bridge::BridgeOptions;
using zg::bridge::EnvLookup;
using zg::bridge::parse_bridge_options;

EnvLookup env_of(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
    const auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

BridgeOptions parse(const std::vector<std::string>& tokens, std::map<std::string, std::string> env = {}) {
  auto options = parse_bridge_options(tokens, env_of(std::move(env)));
  EXPECT_TRUE(options.has_value());
  return options.value_or(BridgeOptions{});
}

std::filesystem::path write_file(const std::string& name, const std::string& text, int mode = 0600) {
  const auto path = std::filesystem::temp_directory_path() / ("zg-bridge-options-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(path) << text;
  ::chmod(path.c_str(), static_cast<mode_t>(mode));
  return path;
}

std::string usage_error_of(const std::vector<std::string>& tokens) {
  try {
    parse_bridge_options(tokens, env_of({}));
  } catch (const zg::UsageError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(BridgeOptions, DefaultsListenOnLoopbackAndVerifySynchronously) {
  const auto o = parse({});
  EXPECT_EQ(o.host, "127.0.0.1");
  EXPECT_EQ(o.port, 8080);
  EXPECT_EQ(o.verify, "sync");
  EXPECT_EQ(o.plugin_config, (nlohmann::json{{"verify", "sync"}}));
  EXPECT_TRUE(o.local_upstream.empty());
}

TEST(BridgeOptions, FlagsBecomeThePluginConfig) {
  const auto o = parse({"--port", "0", "--network", "local", "--rpc", "http://127.0.0.1:8545", "--devnet-file", "/tmp/d.json",
                        "--key-file", "/tmp/k", "--verify", "async", "--provider", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
                        "--local-upstream", "http://127.0.0.1:9000/", "--threads", "8"});
  EXPECT_EQ(o.port, 0);
  EXPECT_EQ(o.threads, 8);
  EXPECT_EQ(o.local_upstream, "http://127.0.0.1:9000");  // trailing slash dropped
  const nlohmann::json expected = {{"network", "local"}, {"rpc", "http://127.0.0.1:8545"}, {"devnet_state", "/tmp/d.json"},
                                   {"key_file", "/tmp/k"}, {"verify", "async"},
                                   {"providers", {"0x70997970C51812dc3A010C7d01b50e0d17dc79C8"}}};
  EXPECT_EQ(o.plugin_config, expected);
}

TEST(BridgeOptions, EnvironmentFillsWhatFlagsAndFileLeaveOpen) {
  const auto o = parse({"--network", "testnet"}, {{"ZG_NETWORK", "mainnet"}, {"ZG_RPC", "http://rpc"}, {"ZG_PRIVATE_KEY", "0xsecret"}});
  EXPECT_EQ(o.plugin_config["network"], "testnet");
  EXPECT_EQ(o.plugin_config["rpc"], "http://rpc");
  // The key itself never enters the config: only the name of the variable that holds it.
  EXPECT_EQ(o.plugin_config["key_env"], "ZG_PRIVATE_KEY");
  EXPECT_EQ(o.plugin_config.dump().find("0xsecret"), std::string::npos);
}

TEST(BridgeOptions, ConfigFileSitsBetweenFlagsAndEnvironment) {
  const auto file = write_file("config.json", R"({"port": 9100, "network": "local", "verify": "off", "threads": 4,
    "provider": ["0x70997970C51812dc3A010C7d01b50e0d17dc79C8"],
    "plugin_config": {"auto_fund": false, "verify": "sync", "routing": "latency"}})");
  const auto o = parse({"--config", file.string(), "--port", "9200"}, {{"ZG_NETWORK", "testnet"}});
  EXPECT_EQ(o.port, 9200);
  EXPECT_EQ(o.threads, 4);
  EXPECT_EQ(o.plugin_config["network"], "local");
  EXPECT_EQ(o.plugin_config["verify"], "off");  // the explicit setting wins over plugin_config
  EXPECT_EQ(o.plugin_config["auto_fund"], false);
  EXPECT_EQ(o.plugin_config["routing"], "latency");
  EXPECT_EQ(o.plugin_config["providers"].size(), 1u);
  std::filesystem::remove(file);
}

TEST(BridgeOptions, PrivateKeysAreRefusedOnTheCommandLineAndInTheFile) {
  EXPECT_NE(usage_error_of({"--private-key", "0xabc"}).find("never taken from the command line"), std::string::npos);
  EXPECT_NE(usage_error_of({"--port", "1", "--private-key=0xabc"}).find("never taken from the command line"), std::string::npos);
  const auto file = write_file("secret.json", R"({"private_key": "0xabc"})");
  EXPECT_NE(usage_error_of({"--config", file.string()}).find("never read from a config file"), std::string::npos);
  std::filesystem::remove(file);
}

TEST(BridgeOptions, BadValuesAreRefusedWithTheirName) {
  EXPECT_NE(usage_error_of({"--verify", "maybe"}).find("--verify maybe"), std::string::npos);
  EXPECT_NE(usage_error_of({"--port", "70000"}).find("--port 70000"), std::string::npos);
  EXPECT_NE(usage_error_of({"--threads", "x"}).find("--threads x"), std::string::npos);
  EXPECT_NE(usage_error_of({"--provider", "0x1234"}).find("--provider 0x1234"), std::string::npos);
  EXPECT_NE(usage_error_of({"--local-upstream", "127.0.0.1:9000"}).find("http://"), std::string::npos);
  EXPECT_NE(usage_error_of({"--prot", "1"}).find("unknown option --prot"), std::string::npos);
  const auto file = write_file("typo.json", R"({"prot": 1})");
  EXPECT_NE(usage_error_of({"--config", file.string()}).find("unknown key \"prot\""), std::string::npos);
  std::filesystem::remove(file);
  EXPECT_NE(usage_error_of({"--config", "/nonexistent/zg.json"}).find("cannot read"), std::string::npos);
}

TEST(BridgeOptions, HelpIsNotAnError) {
  EXPECT_FALSE(parse_bridge_options({"--help"}, env_of({})).has_value());
  const auto help = zg::bridge::help_text();
  for (const char* option : {"--local-upstream", "--api-key-file", "--verify", "--provider", "--threads", "--plugin"}) {
    EXPECT_NE(help.find(option), std::string::npos) << option;
  }
}

TEST(BridgeOptions, ApiKeyFileMustBePrivateAndNonEmpty) {
  const auto good = write_file("key", "sk-bridge-123\n");
  EXPECT_EQ(zg::bridge::read_api_key_file(good.string()), "sk-bridge-123");
  const auto open = write_file("open-key", "sk-bridge-123\n", 0644);
  EXPECT_THROW(zg::bridge::read_api_key_file(open.string()), zg::UsageError);
  const auto empty = write_file("empty-key", "\n");
  EXPECT_THROW(zg::bridge::read_api_key_file(empty.string()), zg::UsageError);
  for (const auto& p : {good, open, empty}) std::filesystem::remove(p);
}

}  // namespace
