// `zg ft ...` as a user drives it, against a devnet (`zg devnet up --no-provider --no-finetune-provider`) and four
// zg-finetune-sim providers started by this suite: an honest one, one that signs the chunk tags with
// the wrong key, one that serves the model with a flipped byte, and one that settles every
// deliverable at once with the penalty. Steps 1-11 end with adapter files equal to what the
// simulator trained and a sub-account charged exactly the task fee; every faulty provider is
// refused with a clear message, nothing is acknowledged that should not be, and nothing appears at
// the output path.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <thread>

#include "cli_runner.hpp"
#include "common/hex.hpp"
#include "common/process.hpp"
#include "eth/rpc_client.hpp"
#include "contracts/finetune_serving.hpp"
#include "crypto/keccak.hpp"
#include "devnet/devnet_file.hpp"
#include "devnet/finetune_provider_process.hpp"
#include "finetune/model_archive.hpp"

namespace {

using namespace zg;
namespace fs = std::filesystem;

// Anvil's standard accounts 5, 7, 8, 9 (public test keys): providers this suite registers itself,
// so they never collide with the roles the devnet hands out.
const std::map<std::string, std::string> kProviderKeys = {
    {"honest", "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba"},
    {"wrong-signer", "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356"},
    {"flipped-byte", "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97"},
    {"penalty", "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6"},
};
const std::map<std::string, std::vector<std::string>> kFaults = {
    {"honest", {}},
    {"wrong-signer", {"--sign-tags-with-wrong-key"}},
    {"flipped-byte", {"--flip-model-byte"}},
    {"penalty", {"--force-penalty"}},
};
// Anvil account 6: a wallet that is not the task's signer.
constexpr const char* kOtherKey = "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e";
constexpr const char* kConfig =
    R"({"neftune_noise_alpha":5,"num_train_epochs":1,"per_device_train_batch_size":2,"learning_rate":0.0002,"max_steps":3})";

std::string read_text(const fs::path& path) { return test::slurp(path); }

struct Simulator {
  std::unique_ptr<ChildProcess> process;
  std::string address;  // the provider's address
  fs::path plaintext_dir;
};

class FinetuneCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("zg-ft-cli-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    env_ = {"ZG_DEVNET_FILE=" + (dir_ / "devnet.json").string()};
    const auto up = test::run_zg({"devnet", "up", "--no-provider", "--no-finetune-provider"}, env_);
    ASSERT_EQ(up.exit_code, 0) << up.err;
    state_ = devnet::DevnetState::load(dir_ / "devnet.json");
    key_file_ = dir_ / "user.key";
    test::write_private_file(key_file_, state_.account("user").private_key);
    other_key_file_ = dir_ / "other.key";
    test::write_private_file(other_key_file_, kOtherKey);
    test::write_private_file(dir_ / "tee.key", state_.account("tee-signer").private_key);
    test::write_private_file(dir_ / "owner.key", state_.account("owner").private_key);
    std::ofstream(dir_ / "params.json") << kConfig;
    std::ofstream(dir_ / "train.jsonl") << R"({"instruction":"Say hi","input":"","output":"hi"})" << "\n"
                                        << R"({"messages":[{"role":"user","content":"2+2?"},{"role":"assistant","content":"4"}]})"
                                        << "\n";
    for (const auto& [name, key] : kProviderKeys) start_simulator(name, key);
  }
  static void TearDownTestSuite() {
    for (auto& [name, sim] : sims_) sim.process.reset();  // stopped by PID (SIGTERM, then SIGKILL)
    sims_.clear();
    test::run_zg({"devnet", "down"}, env_);
    fs::remove_all(dir_);
  }

  static void start_simulator(const std::string& name, const std::string& key) {
    test::write_private_file(dir_ / (name + ".key"), key);
    Simulator sim;
    sim.plaintext_dir = dir_ / (name + "-plaintext");
    sim.address = eth::Address::from_public_key(crypto::PrivateKey::from_hex(key).public_key()).checksummed();
    ProcessOptions options;
    const auto log = dir_ / (name + ".log");
    options.argv = {devnet::finetune_simulator_binary().string(), "--rpc", state_.rpc_url, "--finetune-contract",
                    state_.contracts.finetune.checksummed(), "--provider-key-file", (dir_ / (name + ".key")).string(),
                    "--tee-key-file", (dir_ / "tee.key").string(), "--owner-key-file", (dir_ / "owner.key").string(),
                    "--register", "--settle-interval-ms", "200", "--data-dir", (dir_ / (name + "-data")).string(),
                    "--plaintext-dir", sim.plaintext_dir.string()};
    for (const auto& fault : kFaults.at(name)) options.argv.push_back(fault);
    if (name == "honest" && !state_.storage_url.empty()) {
      // The honest provider uploads its models to 0G Storage: modelRootHash is then a storage root.
      options.argv.insert(options.argv.end(), {"--storage-url", state_.storage_url, "--flow-contract",
                                               state_.contracts.flow.checksummed()});
    }
    options.output_file = log;
    sim.process = std::make_unique<ChildProcess>(ChildProcess::spawn(options));
    const auto port = wait_for_listening_port(*sim.process, log, "listening on 127.0.0.1:", std::chrono::seconds(60));
    ASSERT_TRUE(port.has_value()) << name << " did not start:\n" << read_text(log);
    sims_.emplace(name, std::move(sim));
  }

  static test::CliResult zg(std::vector<std::string> args, const fs::path& key = {}) {
    args.insert(args.end(), {"--key-file", (key.empty() ? key_file_ : key).string()});
    return test::run_zg(args, env_);
  }
  static std::string provider(const std::string& name) { return sims_.at(name).address; }

  // Deliverable.encryptedSecret straight from the chain, to hand it to the offline mode.
  static std::string secret_hex(const std::string& task) {
    eth::RpcClient rpc(state_.rpc_url);
    const contracts::FinetuneServing serving(rpc, state_.contracts.finetune);
    const auto d = serving.get_deliverable(state_.account("user").address, eth::Address::from_hex(provider("honest")), task);
    return d ? to_hex(d->encrypted_secret) : std::string();
  }

  // Uploads the dataset (to the provider's TEE, or 0G Storage) and creates a task; returns its id.
  static std::string create_task(const std::string& name, const std::string& to = "tee") {
    const auto upload = zg({"ft", "upload", "--file", (dir_ / "train.jsonl").string(), "--to", to, "--provider",
                            provider(name), "--json"});
    EXPECT_EQ(upload.exit_code, 0) << upload.err;
    const auto dataset = upload.json()["datasetHash"].get<std::string>();
    const auto created = zg({"ft", "create-task", "--provider", provider(name), "--model", "Qwen2.5-0.5B-Instruct",
                             "--dataset", dataset, "--config", (dir_ / "params.json").string(), "--json"});
    EXPECT_EQ(created.exit_code, 0) << created.err;
    return created.json()["taskId"].get<std::string>();
  }

  static inline fs::path dir_;
  static inline fs::path key_file_;
  static inline fs::path other_key_file_;
  static inline std::vector<std::string> env_;
  static inline devnet::DevnetState state_;
  static inline std::map<std::string, Simulator> sims_;
  static inline std::string honest_task_;
};

TEST_F(FinetuneCliTest, FundsSubAccountsAndListsServices) {
  ASSERT_EQ(zg({"ledger", "add", "--amount", "20"}).exit_code, 0);
  const auto small = zg({"ft", "transfer", "--provider", provider("honest"), "--amount", "0.5"});
  EXPECT_EQ(small.exit_code, 2);
  EXPECT_NE(small.err.find("needs at least 1 0G (asked for 0.5 0G)"), std::string::npos) << small.err;

  const auto transfer = zg({"ft", "transfer", "--provider", provider("honest"), "--amount", "3", "--json"});
  ASSERT_EQ(transfer.exit_code, 0) << transfer.err;
  const auto j = transfer.json();
  EXPECT_EQ(j["service"], "fine-tuning-v1.0");  // read from LedgerManager, not assumed
  EXPECT_EQ(j["newSubAccount"], true);
  EXPECT_EQ(j["account"]["balance"], "3000000000000000000");
  EXPECT_EQ(j["account"]["acknowledged"], true);  // funding acknowledges the TEE signer
  for (const auto* name : {"wrong-signer", "flipped-byte", "penalty"}) {
    const auto r = zg({"ft", "transfer", "--provider", provider(name), "--amount", "2"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  const auto account = zg({"ft", "account", "--json"});
  ASSERT_EQ(account.exit_code, 0) << account.err;
  EXPECT_EQ(account.json()["accounts"].size(), 4u);
  EXPECT_EQ(account.json()["ledger"]["availableBalance0G"], "11");

  const auto services = zg({"ft", "list-services", "--json"});
  ASSERT_EQ(services.exit_code, 0) << services.err;
  ASSERT_EQ(services.json()["services"].size(), 4u);
  for (const auto& s : services.json()["services"]) {
    EXPECT_EQ(s["occupied"], false);
    EXPECT_EQ(s["models"], nlohmann::json::array({"zg-tiny-llama"}));
    EXPECT_EQ(s["teeSignerAddress"], state_.account("tee-signer").address.checksummed());
    EXPECT_EQ(s["pricePerToken"], "1000000000");
  }
  const auto text = zg({"ft", "list-services"});
  EXPECT_NE(text.out.find("models     zg-tiny-llama"), std::string::npos) << text.out;
}

TEST_F(FinetuneCliTest, AcknowledgeChecksTheQuoteAndSendsOnlyWhenNeeded) {
  const auto ack = zg({"ft", "acknowledge", "--provider", provider("honest"), "--json"});
  ASSERT_EQ(ack.exit_code, 0) << ack.err;
  EXPECT_EQ(ack.json()["quote"]["signerMatches"], true);
  EXPECT_EQ(ack.json()["action"], "none");
  // A provider the wallet never funded: told to fund first, nothing sent.
  const auto other = zg({"ft", "acknowledge", "--provider", provider("honest"), "--json"}, other_key_file_);
  ASSERT_EQ(other.exit_code, 0) << other.err;
  EXPECT_EQ(other.json()["action"], "fund-first");
}

TEST_F(FinetuneCliTest, BadConfigIsRefusedBeforeAnythingIsSent) {
  std::ofstream(dir_ / "bad.json") << R"({"neftune_noise_alpha":5,"num_train_epochs":1,"per_device_train_batch_size":2,)"
                                      R"("learning_rate":2e-4,"max_steps":3})";
  const auto r = zg({"ft", "create-task", "--provider", provider("honest"), "--model", "Qwen2.5-0.5B-Instruct", "--dataset",
                     "0x" + std::string(64, 'a'), "--config", (dir_ / "bad.json").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("learning_rate must use decimal notation (e.g., 0.0002), not scientific notation (e.g., 2e-4)"),
            std::string::npos)
      << r.err;
  const auto task = zg({"ft", "task", "--provider", provider("honest")});
  EXPECT_EQ(task.exit_code, 2);
  EXPECT_NE(task.err.find("has no task"), std::string::npos) << task.err;
  const auto model = zg({"ft", "create-task", "--provider", provider("honest"), "--model", "no-such-model", "--dataset",
                         "0x" + std::string(64, 'a'), "--config", (dir_ / "params.json").string()});
  EXPECT_EQ(model.exit_code, 2);
  EXPECT_NE(model.err.find("unknown model 'no-such-model'"), std::string::npos) << model.err;
}

TEST_F(FinetuneCliTest, StepsOneToElevenEndWithTheTrainedAdapter) {
  honest_task_ = create_task("honest");
  const auto model_file = dir_ / "honest.model.enc";
  const auto wait = zg({"ft", "wait", "--provider", provider("honest"), "--task", honest_task_, "--acknowledge", "--from",
                        "tee", "--model-file", model_file.string(), "--interval-ms", "200", "--timeout", "120"});
  ASSERT_EQ(wait.exit_code, 0) << wait.err;
  EXPECT_NE(wait.err.find(": Delivered"), std::string::npos) << wait.err;
  EXPECT_NE(wait.err.find("acknowledge before "), std::string::npos) << wait.err;  // the deadline, on delivery
  EXPECT_NE(wait.err.find("acknowledged task " + honest_task_), std::string::npos) << wait.err;
  EXPECT_NE(wait.err.find("tag signature: ok"), std::string::npos) << wait.err;

  const auto out = dir_ / "adapter";
  const auto decrypt = zg({"ft", "decrypt", "--provider", provider("honest"), "--task", honest_task_, "--in",
                           model_file.string(), "--out", out.string(), "--interval-ms", "200", "--timeout", "60", "--json"});
  ASSERT_EQ(decrypt.exit_code, 0) << decrypt.err;
  // The directory holds exactly the entries of the ZIP the simulator trained, byte for byte.
  const auto trained = sims_.at("honest").plaintext_dir / (honest_task_ + ".zip");
  ASSERT_TRUE(fs::exists(trained));
  const auto expected_dir = dir_ / "expected";
  fs::create_directories(expected_dir);
  const auto entries = finetune::extract_model_archive(trained, expected_dir);
  std::size_t files = 0;
  for (const auto& e : entries) {
    if (e.directory) continue;
    ++files;
    EXPECT_EQ(read_text(out / e.name), read_text(expected_dir / e.name)) << e.name;
  }
  EXPECT_GE(files, 2u);
  EXPECT_TRUE(fs::exists(out / "output_model" / "adapter_model.safetensors"));
  EXPECT_TRUE(fs::exists(out / "output_model" / "adapter_config.json"));
  EXPECT_EQ(decrypt.json()["files"].size(), files);

  // The raw form equals the trained ZIP itself; offline mode gives the same with the secret in hand.
  const auto raw = zg({"ft", "decrypt", "--provider", provider("honest"), "--task", honest_task_, "--in", model_file.string(),
                       "--out-raw", (dir_ / "raw.zip").string()});
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  EXPECT_EQ(read_text(dir_ / "raw.zip"), read_text(trained));

  // Balances: the sub-account paid exactly the fee the provider reported.
  // The provider marks the task Finished once its settleFees receipt is in, which can be a moment
  // after the secret is readable on chain: poll as a user would.
  auto task = zg({"ft", "task", "--provider", provider("honest"), "--task", honest_task_, "--json"});
  for (int i = 0; i < 100 && task.exit_code == 0 && task.json()["progress"] != "Finished"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    task = zg({"ft", "task", "--provider", provider("honest"), "--task", honest_task_, "--json"});
  }
  ASSERT_EQ(task.exit_code, 0) << task.err;
  EXPECT_EQ(task.json()["progress"], "Finished");
  const auto fee = eth::Uint256::from_dec(task.json()["fee"].get<std::string>());
  EXPECT_FALSE(fee.is_zero());
  EXPECT_EQ(task.json()["deliverable"]["acknowledged"], true);
  EXPECT_EQ(task.json()["deliverable"]["hasSecret"], true);
  const auto account = zg({"ft", "account", "--provider", provider("honest"), "--json"});
  ASSERT_EQ(account.exit_code, 0) << account.err;
  EXPECT_EQ(account.json()["accounts"][0]["balance"].get<std::string>(), (eth::parse_amount("3") - fee).to_dec());
}

TEST_F(FinetuneCliTest, OfflineDecryptNeedsTheRightKey) {
  ASSERT_FALSE(honest_task_.empty()) << "needs the task of the previous case";
  const auto model_file = dir_ / "honest.model.enc";
  const auto offline_out = dir_ / "offline";
  const auto wrong = zg({"ft", "decrypt", "--encrypted-secret", secret_hex(honest_task_), "--in", model_file.string(),
                         "--tee-signer", state_.account("tee-signer").address.checksummed(), "--out", offline_out.string()},
                        other_key_file_);
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("does not open with this key"), std::string::npos) << wrong.err;
  EXPECT_FALSE(fs::exists(offline_out));
  const auto right = zg({"ft", "decrypt", "--encrypted-secret", secret_hex(honest_task_), "--in", model_file.string(),
                         "--tee-signer", state_.account("tee-signer").address.checksummed(), "--out", offline_out.string()});
  ASSERT_EQ(right.exit_code, 0) << right.err;
  EXPECT_EQ(read_text(offline_out / "output_model" / "adapter_model.safetensors"),
            read_text(dir_ / "adapter" / "output_model" / "adapter_model.safetensors"));
}

TEST_F(FinetuneCliTest, LogShowsTheTrainingAndAFinishedTaskCannotBeCancelled) {
  ASSERT_FALSE(honest_task_.empty()) << "needs the task of the earlier case";
  const auto log = zg({"ft", "log", "--provider", provider("honest"), "--task", honest_task_});
  ASSERT_EQ(log.exit_code, 0) << log.err;
  EXPECT_FALSE(log.out.empty());
  const auto cancel = zg({"ft", "cancel", "--provider", provider("honest"), "--task", honest_task_});
  EXPECT_EQ(cancel.exit_code, 2);
  EXPECT_NE(cancel.err.find("is Finished: the provider cancels only tasks in Init, SettingUp or SetUp"), std::string::npos)
      << cancel.err;
  // The newest task is the default, and reading needs no key (--address).
  const auto task = test::run_zg({"ft", "task", "--provider", provider("honest"), "--address",
                                  state_.account("user").address.checksummed(), "--json"}, env_);
  ASSERT_EQ(task.exit_code, 0) << task.err;
  EXPECT_EQ(task.json()["id"], honest_task_);
}

TEST_F(FinetuneCliTest, WrongTagSignatureIsRefusedAndNothingAcknowledged) {
  const auto id = create_task("wrong-signer");
  const auto wait = zg({"ft", "wait", "--provider", provider("wrong-signer"), "--task", id, "--acknowledge", "--from", "tee",
                        "--model-file", (dir_ / "wrong-signer.enc").string(), "--interval-ms", "200", "--timeout", "120"});
  EXPECT_EQ(wait.exit_code, 3) << wait.err;
  EXPECT_NE(wait.err.find("NOT ACKNOWLEDGED"), std::string::npos) << wait.err;
  EXPECT_NE(wait.err.find("tag signature: FAILED"), std::string::npos) << wait.err;
  EXPECT_NE(wait.err.find("not by the provider's TEE signer"), std::string::npos) << wait.err;
  const auto task = zg({"ft", "task", "--provider", provider("wrong-signer"), "--task", id, "--json"});
  EXPECT_EQ(task.json()["deliverable"]["acknowledged"], false);
  EXPECT_TRUE(task.json().contains("acknowledgeBeforeUtc"));
  const auto decrypt = zg({"ft", "decrypt", "--provider", provider("wrong-signer"), "--task", id, "--in",
                           (dir_ / "wrong-signer.enc").string(), "--out", (dir_ / "wrong-signer-out").string()});
  EXPECT_EQ(decrypt.exit_code, 2);
  EXPECT_NE(decrypt.err.find("is not acknowledged yet"), std::string::npos) << decrypt.err;
  EXPECT_FALSE(fs::exists(dir_ / "wrong-signer-out"));
}

TEST_F(FinetuneCliTest, FlippedModelByteIsRefusedAndNothingAcknowledged) {
  const auto id = create_task("flipped-byte");
  const auto wait = zg({"ft", "wait", "--provider", provider("flipped-byte"), "--task", id, "--until", "Delivered",
                        "--interval-ms", "200", "--timeout", "120"});
  ASSERT_EQ(wait.exit_code, 0) << wait.err;
  const auto ack = zg({"ft", "acknowledge-model", "--provider", provider("flipped-byte"), "--task", id, "--from", "tee",
                       "--model-file", (dir_ / "flipped.enc").string()});
  EXPECT_EQ(ack.exit_code, 3) << ack.err;
  EXPECT_NE(ack.err.find("REFUSED"), std::string::npos) << ack.err;
  EXPECT_NE(ack.err.find("root: MISMATCH"), std::string::npos) << ack.err;
  EXPECT_NE(ack.err.find("does not match the deliverable"), std::string::npos) << ack.err;
  const auto task = zg({"ft", "task", "--provider", provider("flipped-byte"), "--task", id, "--json"});
  EXPECT_EQ(task.json()["deliverable"]["acknowledged"], false);
}

TEST_F(FinetuneCliTest, PenaltySettledDeliverableHasNoKey) {
  const auto id = create_task("penalty");
  // Wait until the provider settled it (Finished without the user's acknowledgement).
  const auto wait = zg({"ft", "wait", "--provider", provider("penalty"), "--task", id, "--until", "Finished",
                        "--interval-ms", "200", "--timeout", "120"});
  ASSERT_EQ(wait.exit_code, 0) << wait.err;
  const auto ack = zg({"ft", "acknowledge-model", "--provider", provider("penalty"), "--task", id, "--from", "tee",
                       "--model-file", (dir_ / "penalty.enc").string()});
  EXPECT_EQ(ack.exit_code, 1);
  EXPECT_NE(ack.err.find("settled without your acknowledgement (penalty)"), std::string::npos) << ack.err;
  const auto decrypt = zg({"ft", "decrypt", "--provider", provider("penalty"), "--task", id, "--in",
                           (dir_ / "penalty.enc").string(), "--out", (dir_ / "penalty-out").string()});
  EXPECT_NE(decrypt.exit_code, 0);
  EXPECT_NE(decrypt.err.find("penalty"), std::string::npos) << decrypt.err;
  EXPECT_FALSE(fs::exists(dir_ / "penalty-out"));
}

TEST_F(FinetuneCliTest, ThroughZeroGStorageWithACorruptedSegmentRefusedFirst) {
  if (state_.storage_url.empty()) GTEST_SKIP() << "this devnet runs no 0G Storage node";
  ASSERT_FALSE(honest_task_.empty()) << "needs the acknowledged task of the earlier case";
  const auto id = create_task("honest", "storage");  // dataset by its 0G Storage root, fetched by the provider
  const auto wait = zg({"ft", "wait", "--provider", provider("honest"), "--task", id, "--interval-ms", "200", "--timeout", "120"});
  ASSERT_EQ(wait.exit_code, 0) << wait.err;
  const auto before = zg({"ft", "task", "--provider", provider("honest"), "--task", id, "--json"});
  ASSERT_EQ(before.exit_code, 0) << before.err;
  const auto root = before.json()["deliverable"]["modelRootHash"].get<std::string>();
  ASSERT_EQ(root.size(), 66u);  // 32 raw bytes: the 0G Storage root of the encrypted model

  eth::RpcClient node(state_.storage_url);
  ASSERT_EQ(node.request("admin_corruptSegment", nlohmann::json::array({root, 0})), true);
  const auto model_file = dir_ / "storage.model.enc";
  const auto refused = zg({"ft", "acknowledge-model", "--provider", provider("honest"), "--task", id, "--from", "storage",
                           "--model-file", model_file.string()});
  EXPECT_EQ(refused.exit_code, 3) << refused.err;
  EXPECT_NE(refused.err.find("failed verification; nothing was acknowledged"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("segment 0"), std::string::npos) << refused.err;
  EXPECT_FALSE(fs::exists(model_file));
  auto task = zg({"ft", "task", "--provider", provider("honest"), "--task", id, "--json"});
  EXPECT_EQ(task.json()["deliverable"]["acknowledged"], false);

  node.request("admin_clearCorruption", nlohmann::json::array());
  const auto ack = zg({"ft", "acknowledge-model", "--provider", provider("honest"), "--task", id, "--from", "storage",
                       "--model-file", model_file.string()});
  ASSERT_EQ(ack.exit_code, 0) << ack.err;
  EXPECT_NE(ack.out.find("root: ok, the file's 0G Storage root " + root), std::string::npos) << ack.out;
  const auto out = dir_ / "storage-adapter";
  const auto decrypt = zg({"ft", "decrypt", "--provider", provider("honest"), "--task", id, "--in", model_file.string(),
                           "--out-raw", out.string(), "--interval-ms", "200", "--timeout", "60"});
  ASSERT_EQ(decrypt.exit_code, 0) << decrypt.err;
  EXPECT_EQ(read_text(out), read_text(sims_.at("honest").plaintext_dir / (id + ".zip")));
}

}  // namespace
