// The model lifecycle events outside a request, as a user's command hook and a host see them, on a
// devnet (`zg devnet up --no-finetune-provider`) with two zg-finetune-sim providers of this suite:
//   - lib0g import_model: a command hook on "model.imported" from the create config gets the event
//     JSON on stdin, and the host's on_event gets it exactly once; Gateway::publish refuses request
//     events and unknown names with a clear error.
//   - `zg ft`: model.acknowledged after acknowledgeDeliverable is confirmed (`ft wait --acknowledge`),
//     model.decrypted after the output is in place (`ft decrypt`), through `--hooks FILE` / ZG_HOOKS,
//     and zg exits only after its hooks ran; a refused acknowledgement (flipped model byte) raises
//     nothing.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <thread>

#include "cli_runner.hpp"
#include "common/process.hpp"
#include "crypto/secp256k1.hpp"
#include "devnet/devnet_file.hpp"
#include "devnet/finetune_provider_process.hpp"
#include "eth/address.hpp"
#include "gateway/gateway.hpp"
#include "zg/plugin.h"

namespace {

using namespace zg;
using nlohmann::json;
namespace fs = std::filesystem;

// Anvil's standard accounts 5 and 8 (public test keys): providers this suite registers itself.
const std::map<std::string, std::string> kProviderKeys = {
    {"honest", "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba"},
    {"flipped-byte", "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97"},
};
constexpr const char* kKeyVariable = "ZG_HOOK_EVENTS_TEST_KEY";
constexpr const char* kParams =
    R"({"neftune_noise_alpha":5,"num_train_epochs":1,"per_device_train_batch_size":2,"learning_rate":0.0002,"max_steps":3})";

std::vector<json> json_lines(const fs::path& file) {
  std::vector<json> events;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) events.push_back(json::parse(line));
  }
  return events;
}

// The lines of `file` once there are `count` (a gateway's hooks run on their own thread).
std::vector<json> wait_for_lines(const fs::path& file, std::size_t count) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  auto lines = json_lines(file);
  while (lines.size() < count && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    lines = json_lines(file);
  }
  return lines;
}

// What the host's on_event got.
struct HostEvents {
  std::mutex mutex;
  std::vector<json> events;
  std::vector<json> named(const std::string& name) {
    std::lock_guard lock(mutex);
    std::vector<json> out;
    for (const auto& e : events) {
      if (e["event"] == name) out.push_back(e);
    }
    return out;
  }
};

void record_event(void* ctx, const char* event_json, size_t len) {
  auto* host = static_cast<HostEvents*>(ctx);
  std::lock_guard lock(host->mutex);
  host->events.push_back(json::parse(std::string(event_json, len)));
}

class HookEventsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("zg-hook-events-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "models");
    env_ = {"ZG_DEVNET_FILE=" + (dir_ / "devnet.json").string()};
    const auto up = test::run_zg({"devnet", "up", "--no-finetune-provider"}, env_);
    ASSERT_EQ(up.exit_code, 0) << up.err;
    state_ = devnet::DevnetState::load(dir_ / "devnet.json");
    key_file_ = dir_ / "user.key";
    test::write_private_file(key_file_, state_.account("user").private_key);
    test::write_private_file(dir_ / "tee.key", state_.account("tee-signer").private_key);
    test::write_private_file(dir_ / "owner.key", state_.account("owner").private_key);
    std::ofstream(dir_ / "params.json") << kParams;
    std::ofstream(dir_ / "train.jsonl") << R"({"instruction":"Say hi","input":"","output":"hi"})" << "\n";
    // The hook: appends its stdin to the file named by argv[1]. It sleeps first, so an event line that
    // is there as soon as zg has exited shows that zg waited for its hooks.
    hook_ = dir_ / "hook.sh";
    std::ofstream(hook_) << "#!/bin/sh\nsleep 0.2\ncat >> \"$1\"\n";
    fs::permissions(hook_, fs::perms::owner_all);
    std::ofstream(dir_ / "tiny.gguf", std::ios::binary) << "GGUF" << std::string(1024, '\x05');
    for (const auto& [name, key] : kProviderKeys) start_simulator(name, key);
    ASSERT_EQ(zg({"ledger", "add", "--amount", "10"}).exit_code, 0);
    for (const auto& [name, key] : kProviderKeys) {
      const auto funded = zg({"ft", "transfer", "--provider", provider(name), "--amount", "3"});
      ASSERT_EQ(funded.exit_code, 0) << funded.err;
    }
  }
  static void TearDownTestSuite() {
    sims_.clear();  // each stopped by PID (SIGTERM, then SIGKILL)
    test::run_zg({"devnet", "down"}, env_);
    fs::remove_all(dir_);
  }

  static void start_simulator(const std::string& name, const std::string& key) {
    test::write_private_file(dir_ / (name + ".key"), key);
    ProcessOptions options;
    const auto log = dir_ / (name + ".log");
    options.argv = {devnet::finetune_simulator_binary().string(), "--rpc", state_.rpc_url, "--finetune-contract",
                    state_.contracts.finetune.checksummed(), "--provider-key-file", (dir_ / (name + ".key")).string(),
                    "--tee-key-file", (dir_ / "tee.key").string(), "--owner-key-file", (dir_ / "owner.key").string(),
                    "--register", "--settle-interval-ms", "200", "--data-dir", (dir_ / (name + "-data")).string()};
    if (name == "flipped-byte") options.argv.push_back("--flip-model-byte");
    options.output_file = log;
    auto process = std::make_unique<ChildProcess>(ChildProcess::spawn(options));
    const auto port = wait_for_listening_port(*process, log, "listening on 127.0.0.1:", std::chrono::seconds(60));
    ASSERT_TRUE(port.has_value()) << name << " did not start:\n" << test::slurp(log);
    addresses_[name] = eth::Address::from_public_key(crypto::PrivateKey::from_hex(key).public_key()).checksummed();
    sims_.emplace(name, std::move(process));
  }

  static test::CliResult zg(std::vector<std::string> args, std::vector<std::string> extra_env = {}) {
    args.insert(args.end(), {"--key-file", key_file_.string()});
    extra_env.insert(extra_env.begin(), env_.begin(), env_.end());
    return test::run_zg(args, extra_env);
  }
  static std::string provider(const std::string& name) { return addresses_.at(name); }

  // A hooks file: `event` -> the hook, appending to `out`.
  static fs::path hooks_file(const std::string& name, const std::vector<std::pair<std::string, fs::path>>& hooks) {
    json list = json::array();
    for (const auto& [event, out] : hooks) list.push_back({{"event", event}, {"command", {hook_.string(), out.string()}}});
    const auto path = dir_ / name;
    std::ofstream(path) << list.dump();
    return path;
  }

  static std::string create_task(const std::string& name) {
    const auto upload = zg({"ft", "upload", "--file", (dir_ / "train.jsonl").string(), "--to", "tee", "--provider",
                            provider(name), "--json"});
    EXPECT_EQ(upload.exit_code, 0) << upload.err;
    const auto created = zg({"ft", "create-task", "--provider", provider(name), "--model", "Qwen2.5-0.5B-Instruct",
                             "--dataset", upload.json()["datasetHash"].get<std::string>(), "--config",
                             (dir_ / "params.json").string(), "--json"});
    EXPECT_EQ(created.exit_code, 0) << created.err;
    return created.json()["taskId"].get<std::string>();
  }

  // The gateway config a host passes to create (and the Gateway constructor takes).
  static json gateway_config(const fs::path& imported_events) {
    ::setenv(kKeyVariable, state_.account("user").private_key.c_str(), 1);
    return {{"devnet_state", (dir_ / "devnet.json").string()},
            {"key_env", kKeyVariable},
            {"auto_fund", false},
            {"hooks", {{{"event", "model.imported"}, {"command", {hook_.string(), imported_events.string()}}}}}};
  }

  static inline fs::path dir_;
  static inline fs::path key_file_;
  static inline fs::path hook_;
  static inline std::vector<std::string> env_;
  static inline devnet::DevnetState state_;
  static inline std::map<std::string, std::unique_ptr<ChildProcess>> sims_;
  static inline std::map<std::string, std::string> addresses_;
};

// dlopen + negotiate + get_api, as any host.
struct LoadedPlugin {
  void* handle = nullptr;
  const zg_plugin_api* api = nullptr;
  LoadedPlugin() {
    handle = ::dlopen(ZG_LIB_PATH, RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) return;
    auto negotiate = reinterpret_cast<zg_plugin_negotiate_fn>(::dlsym(handle, "zg_plugin_negotiate"));
    auto get_api = reinterpret_cast<zg_plugin_get_api_fn>(::dlsym(handle, "zg_plugin_get_api"));
    zg_version agreed{};
    if (negotiate == nullptr || get_api == nullptr ||
        negotiate({1, 0}, {ZG_PLUGIN_ABI_VERSION_MAJOR, ZG_PLUGIN_ABI_VERSION_MINOR}, &agreed) != ZG_OK) {
      return;
    }
    api = get_api(agreed);
  }
  ~LoadedPlugin() {
    if (handle != nullptr) ::dlclose(handle);
  }
  LoadedPlugin(const LoadedPlugin&) = delete;
  LoadedPlugin& operator=(const LoadedPlugin&) = delete;
};

TEST_F(HookEventsTest, Lib0gImportReachesTheCommandHookAndTheHostExactlyOnce) {
  const LoadedPlugin plugin;
  ASSERT_NE(plugin.api, nullptr) << ::dlerror();
  const auto events_file = dir_ / "lib0g-imported.jsonl";
  HostEvents host_events;
  zg_host_api host{};
  host.struct_size = sizeof host;
  host.host_ctx = &host_events;
  host.on_event = record_event;
  const auto config = gateway_config(events_file).dump();
  zg_error error{};
  error.struct_size = sizeof error;
  zg_backend* backend = nullptr;
  ASSERT_EQ(plugin.api->create(&host, config.c_str(), config.size(), &backend, &error), ZG_OK) << error.message;

  const json spec = {{"source", (dir_ / "tiny.gguf").string()}, {"name", "tiny-lib0g"}, {"models_dir", (dir_ / "models").string()}};
  const auto spec_text = spec.dump();
  char* result = nullptr;
  const auto status = plugin.api->import_model(backend, spec_text.c_str(), spec_text.size(), &result, &error);
  ASSERT_EQ(status, ZG_OK) << error.message;
  const auto answer = json::parse(result);
  plugin.api->free_string(result);
  const auto target = (dir_ / "models" / "tiny-lib0g.gguf").string();
  EXPECT_EQ(answer["path"], target);

  const auto hooked = wait_for_lines(events_file, 1);
  ASSERT_EQ(hooked.size(), 1u) << "the command hook on model.imported did not run";
  EXPECT_EQ(hooked[0]["event"], "model.imported");
  EXPECT_EQ(hooked[0]["name"], "tiny-lib0g");
  EXPECT_EQ(hooked[0]["path"], target);
  EXPECT_FALSE(hooked[0]["time"].get<std::string>().empty());

  // A refused import (name taken) raises nothing.
  ASSERT_EQ(plugin.api->import_model(backend, spec_text.c_str(), spec_text.size(), &result, &error), ZG_E_INVALID);
  EXPECT_NE(std::string(error.message).find("already exists"), std::string::npos) << error.message;
  plugin.api->destroy(backend);  // joins the hook runner: nothing can arrive after this

  EXPECT_EQ(json_lines(events_file).size(), 1u);
  const auto seen = host_events.named("model.imported");
  ASSERT_EQ(seen.size(), 1u) << "the host must get model.imported exactly once";
  EXPECT_EQ(seen[0]["name"], "tiny-lib0g");
  EXPECT_EQ(seen[0]["path"], target);
}

TEST_F(HookEventsTest, GatewayPublishRefusesRequestEventsAndUnknownNames) {
  const auto events_file = dir_ / "gateway-published.jsonl";
  HostEvents host_events;
  gateway::HostServices host;
  host.on_event = [&host_events](const json& event) {
    std::lock_guard lock(host_events.mutex);
    host_events.events.push_back(event);
  };
  {
    gateway::Gateway gateway(gateway_config(events_file), host);
    for (const auto* name : {"request.sending", "response.received", "response.verified", "usage.accounted", "balance.low"}) {
      try {
        gateway.publish(name, {{"provider", "0x1"}});
        ADD_FAILURE() << name << " was published";
      } catch (const gateway::GatewayError& e) {
        EXPECT_EQ(e.kind(), gateway::Failure::invalid);
        EXPECT_NE(std::string(e.what()).find(std::string("cannot publish '") + name +
                                             "': only model.acknowledged, model.decrypted and model.imported"),
                  std::string::npos)
            << e.what();
      }
    }
    try {
      gateway.publish("model.exploded", json::object());
      ADD_FAILURE() << "an unknown event was published";
    } catch (const gateway::GatewayError& e) {
      EXPECT_EQ(e.kind(), gateway::Failure::invalid);
      EXPECT_NE(std::string(e.what()).find("cannot publish 'model.exploded'"), std::string::npos) << e.what();
    }
    try {
      gateway.publish("model.imported", json::array({1, 2}));
      ADD_FAILURE() << "non-object fields were published";
    } catch (const gateway::GatewayError& e) {
      EXPECT_NE(std::string(e.what()).find("event fields must be a JSON object"), std::string::npos) << e.what();
    }
    gateway.publish("model.imported", {{"name", "by-hand"}, {"path", "/tmp/by-hand.gguf"}});
  }  // the Gateway's destructor joins its hook runner
  EXPECT_TRUE(host_events.named("request.sending").empty());
  EXPECT_EQ(host_events.events.size(), 1u);
  const auto hooked = json_lines(events_file);
  ASSERT_EQ(hooked.size(), 1u);
  EXPECT_EQ(hooked[0]["name"], "by-hand");
}

TEST_F(HookEventsTest, FtWaitAcknowledgeAndDecryptRaiseModelEvents) {
  const auto id = create_task("honest");
  const auto acknowledged = dir_ / "acknowledged.jsonl";
  const auto decrypted = dir_ / "decrypted.jsonl";
  const auto hooks = hooks_file("ft-hooks.json", {{"model.acknowledged", acknowledged}, {"model.decrypted", decrypted}});
  const auto model_file = dir_ / "honest.model.enc";
  const auto wait = zg({"--hooks", hooks.string(), "ft", "wait", "--provider", provider("honest"), "--task", id, "--acknowledge",
                        "--from", "tee", "--model-file", model_file.string(), "--interval-ms", "200", "--timeout", "120"});
  ASSERT_EQ(wait.exit_code, 0) << wait.err;
  const std::regex tx_line("in transaction (0x[0-9a-f]{64})");
  std::smatch tx;
  ASSERT_TRUE(std::regex_search(wait.err, tx, tx_line)) << wait.err;

  // Read at once: zg returned only after its hook (which sleeps first) had written the line.
  const auto acks = json_lines(acknowledged);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0]["event"], "model.acknowledged");
  EXPECT_EQ(acks[0]["task_id"], id);
  EXPECT_EQ(acks[0]["provider"], provider("honest"));
  EXPECT_EQ(acks[0]["tx_hash"], tx[1].str());
  EXPECT_EQ(acks[0]["model_file"], model_file.string());
  EXPECT_EQ(acks[0]["source"], "provider TEE");
  const auto task = zg({"ft", "task", "--provider", provider("honest"), "--task", id, "--json"});
  ASSERT_EQ(task.exit_code, 0) << task.err;
  EXPECT_EQ(acks[0]["root_hash"], task.json()["deliverable"]["modelRootHash"]);
  EXPECT_EQ(task.json()["deliverable"]["acknowledged"], true);
  EXPECT_FALSE(fs::exists(decrypted));

  // The hooks file from the environment this time.
  const auto out = dir_ / "adapter";
  const auto decrypt = zg({"ft", "decrypt", "--provider", provider("honest"), "--task", id, "--in", model_file.string(), "--out",
                           out.string(), "--interval-ms", "200", "--timeout", "60", "--json"},
                          {"ZG_HOOKS=" + hooks.string()});
  ASSERT_EQ(decrypt.exit_code, 0) << decrypt.err;
  const auto decrypts = json_lines(decrypted);
  ASSERT_EQ(decrypts.size(), 1u);
  EXPECT_EQ(decrypts[0]["event"], "model.decrypted");
  EXPECT_EQ(decrypts[0]["task_id"], id);
  EXPECT_EQ(decrypts[0]["path"], out.string());
  EXPECT_EQ(decrypts[0]["format"], "directory");
  EXPECT_EQ(decrypts[0]["bytes"], decrypt.json()["plaintextSize"]);
  EXPECT_TRUE(fs::exists(out / "output_model" / "adapter_model.safetensors"));  // in place when the hook ran
  EXPECT_EQ(json_lines(acknowledged).size(), 1u);  // decrypt raised no second acknowledgement
}

TEST_F(HookEventsTest, RefusedAcknowledgementRaisesNothing) {
  const auto id = create_task("flipped-byte");
  const auto wait = zg({"ft", "wait", "--provider", provider("flipped-byte"), "--task", id, "--until", "Delivered",
                        "--interval-ms", "200", "--timeout", "120"});
  ASSERT_EQ(wait.exit_code, 0) << wait.err;
  const auto acknowledged = dir_ / "flipped-acknowledged.jsonl";
  const auto decrypted = dir_ / "flipped-decrypted.jsonl";
  const auto hooks = hooks_file("flipped-hooks.json", {{"model.acknowledged", acknowledged}, {"model.decrypted", decrypted}});
  const auto ack = zg({"--hooks", hooks.string(), "ft", "acknowledge-model", "--provider", provider("flipped-byte"), "--task", id,
                       "--from", "tee", "--model-file", (dir_ / "flipped.enc").string()});
  EXPECT_EQ(ack.exit_code, 3) << ack.err;
  EXPECT_NE(ack.err.find("REFUSED"), std::string::npos) << ack.err;
  const auto decrypt = zg({"--hooks", hooks.string(), "ft", "decrypt", "--provider", provider("flipped-byte"), "--task", id,
                           "--in", (dir_ / "flipped.enc").string(), "--out", (dir_ / "flipped-out").string()});
  EXPECT_EQ(decrypt.exit_code, 2) << decrypt.err;
  EXPECT_FALSE(fs::exists(acknowledged)) << test::slurp(acknowledged);
  EXPECT_FALSE(fs::exists(decrypted)) << test::slurp(decrypted);
  const auto task = zg({"ft", "task", "--provider", provider("flipped-byte"), "--task", id, "--json"});
  EXPECT_EQ(task.json()["deliverable"]["acknowledged"], false);
}

}  // namespace
