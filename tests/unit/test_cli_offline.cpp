// The zg CLI's offline commands, run as a user runs them: exact outputs against the SDK vectors,
// and the refusals a user must see (secrets in argv, unknown options, bad input).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cli_runner.hpp"
#include "vectors.hpp"

namespace {

using zg::test::run_zg;

const char* kUserKeyEnv = "ZG_PRIVATE_KEY=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

TEST(CliInferenceToken, PrintsTheSdkAuthorizationHeaderByteForByte) {
  const auto v = zg::test::load_vectors("inference-vectors.json")["sessionToken"];
  const auto& in = v["inputs"];
  const auto r = run_zg({"inference", "token", "--provider", in["provider"].get<std::string>(), "--timestamp-ms",
                         std::to_string(in["nowMs"].get<long long>()), "--nonce", in["nonce"].get<std::string>(),
                         "--generation", std::to_string(in["generation"].get<int>())},
                        {kUserKeyEnv});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, v["authorizationHeader"].get<std::string>() + "\n");
}

TEST(CliInferenceToken, PersistentApiKeyMatchesTheSdk) {
  const auto vectors = zg::test::load_vectors("inference-vectors.json");
  const auto& in = vectors["sessionToken"]["inputs"];
  const auto r = run_zg({"--json", "inference", "token", "--provider", in["provider"].get<std::string>(),
                         "--timestamp-ms", std::to_string(in["nowMs"].get<long long>()), "--nonce",
                         in["nonce"].get<std::string>(), "--generation", "0", "--token-id", "0"},
                        {kUserKeyEnv});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.json()["apiKey"], vectors["apiKey"]["rawToken"]);
}

TEST(CliInferenceToken, KeyFileThatOthersCanReadIsRefused) {
  const auto path = std::filesystem::temp_directory_path() / "zg-test-key-0644";
  std::ofstream(path) << "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80\n";
  std::filesystem::permissions(path, std::filesystem::perms(0644));
  const auto r = run_zg({"inference", "token", "--provider", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
                         "--key-file", path.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("readable by others"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("chmod 600"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");

  std::filesystem::permissions(path, std::filesystem::perms(0600));
  const auto ok = run_zg({"inference", "token", "--provider", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
                          "--key-file", path.string()});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.out.rfind("Bearer app-sk-", 0), 0u);
  std::filesystem::remove(path);
}

TEST(CliSecrets, PrivateKeyOnTheCommandLineIsRefusedWithoutEchoingIt) {
  const auto r = run_zg({"ledger", "show", "--private-key", "0xdeadbeefcafe"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("never taken from the command line"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("deadbeefcafe"), std::string::npos) << r.err;
}

TEST(CliSecrets, MalformedKeyInEnvironmentIsNotEchoed) {
  const auto r = run_zg({"inference", "token", "--provider", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"},
                        {"ZG_PRIVATE_KEY=0x1234567890abcdefXYZ"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("does not hold a private key"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("1234567890abcdef"), std::string::npos) << r.err;
}

TEST(CliStorageRoot, MatchesTheStorageVectors) {
  const auto vectors = zg::test::load_vectors("storage-merkle-vectors.json")["vectors"];
  int checked = 0;
  for (const auto& v : vectors) {
    const auto name = v["name"].get<std::string>();
    if (v["root"].is_null() || v["size"].get<std::size_t>() > (1u << 20) + 1) continue;
    std::string content(v["size"].get<std::size_t>(), '\0');
    const auto pattern = v["pattern"].get<std::string>();
    for (std::size_t i = 0; i < content.size(); ++i) {
      if (pattern.find("0x61") != std::string::npos) content[i] = 'a';
      else if (name.rfind("zeros", 0) == 0) content[i] = 0;
      else content[i] = static_cast<char>((i % 251) + 1);
    }
    const auto path = std::filesystem::temp_directory_path() / ("zg-test-root-" + name);
    std::ofstream(path, std::ios::binary) << content;
    const auto r = run_zg({"storage", "root", path.string()});
    std::filesystem::remove(path);
    ASSERT_EQ(r.exit_code, 0) << name << ": " << r.err;
    EXPECT_EQ(r.out, v["root"].get<std::string>() + "\n") << name;
    ++checked;
  }
  EXPECT_GE(checked, 10);
}

TEST(CliStorageRoot, EmptyFileAndMissingFileGiveClearErrors) {
  const auto empty = std::filesystem::temp_directory_path() / "zg-test-empty";
  std::ofstream(empty).close();
  const auto r = run_zg({"storage", "root", empty.string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("empty"), std::string::npos) << r.err;
  std::filesystem::remove(empty);
  const auto missing = run_zg({"storage", "root", "/nonexistent/zg-file"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("not a regular file"), std::string::npos) << missing.err;
}

TEST(CliUsage, UnknownOptionAndUnknownCommandAreErrors) {
  const auto bad_option = run_zg({"storage", "root", "--frobnicate", "x"});
  EXPECT_EQ(bad_option.exit_code, 2);
  EXPECT_NE(bad_option.err.find("unknown option --frobnicate"), std::string::npos) << bad_option.err;
  const auto bad_command = run_zg({"teleport"});
  EXPECT_EQ(bad_command.exit_code, 2);
  EXPECT_NE(bad_command.err.find("unknown command teleport"), std::string::npos) << bad_command.err;
}

TEST(CliUsage, HelpExplainsEveryCommand) {
  const auto overview = run_zg({"--help"});
  EXPECT_EQ(overview.exit_code, 0);
  for (const char* c : {"devnet up", "devnet down", "demo", "ledger add", "ledger show", "inference token", "storage root"}) {
    EXPECT_NE(overview.out.find(c), std::string::npos) << c;
  }
  const auto token_help = run_zg({"inference", "token", "--help"});
  EXPECT_EQ(token_help.exit_code, 0);
  EXPECT_NE(token_help.out.find("--timestamp-ms"), std::string::npos);
  EXPECT_NE(token_help.out.find("--key-file"), std::string::npos);
}

TEST(CliNetwork, PresetsAndOverridesResolveAsDocumented) {
  const auto testnet = run_zg({"--json", "network", "show", "--network", "testnet"});
  ASSERT_EQ(testnet.exit_code, 0) << testnet.err;
  EXPECT_EQ(testnet.json()["chainId"], 16602);
  EXPECT_EQ(testnet.json()["ledgerContract"], "0xE70830508dAc0A97e6c087c75f402f9Be669E406");
  EXPECT_EQ(testnet.json()["inferenceContract"], "0xa79F4c8311FF93C06b8CfB403690cc987c93F91E");
  const auto mainnet = run_zg({"network", "show", "--json"}, {"ZG_NETWORK=mainnet", "ZG_RPC=http://127.0.0.1:1"});
  ASSERT_EQ(mainnet.exit_code, 0) << mainnet.err;
  EXPECT_EQ(mainnet.json()["chainId"], 16661);
  EXPECT_EQ(mainnet.json()["rpcUrl"], "http://127.0.0.1:1");
  EXPECT_EQ(mainnet.json()["inferenceContract"], "0x47340d900bdFec2BD393c626E12ea0656F938d84");
  // A flag wins over the environment.
  const auto flag_wins = run_zg({"network", "show", "--json", "--network", "testnet", "--ledger-contract",
                                 "0x0000000000000000000000000000000000000001"},
                                {"ZG_NETWORK=mainnet", "ZG_LEDGER_CONTRACT=0x0000000000000000000000000000000000000002"});
  ASSERT_EQ(flag_wins.exit_code, 0) << flag_wins.err;
  EXPECT_EQ(flag_wins.json()["chainId"], 16602);
  EXPECT_EQ(flag_wins.json()["ledgerContract"], "0x0000000000000000000000000000000000000001");
  const auto bad = run_zg({"network", "show", "--network", "moonnet"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("unknown network 'moonnet'"), std::string::npos);
  const auto bad_address = run_zg({"network", "show", "--network", "testnet", "--inference-contract", "0x1234"});
  EXPECT_EQ(bad_address.exit_code, 2);
  EXPECT_NE(bad_address.err.find("--inference-contract"), std::string::npos) << bad_address.err;
}

TEST(CliNetwork, LocalWithoutDevnetSaysHowToStartOne) {
  const auto r = run_zg({"ledger", "show", "--address", "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"},
                        {"ZG_DEVNET_FILE=/nonexistent/devnet.json"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("zg devnet up"), std::string::npos) << r.err;
}

}  // namespace
