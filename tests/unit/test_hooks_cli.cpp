// The zg CLI's command hooks (global --hooks FILE / ZG_HOOKS) and `zg model import`: the real zg
// binary imports a GGUF into a models directory (no router needed) and a real hook program gets
// model.imported as JSON on stdin before zg exits; bad hooks files are refused with a clear message;
// StandaloneHooks refuses request events as Gateway::publish does.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli_runner.hpp"
#include "common/error.hpp"
#include "hooks/standalone_hooks.hpp"

namespace {

using namespace zg;
using nlohmann::json;
namespace fs = std::filesystem;
using test::run_zg;

std::vector<json> json_lines(const fs::path& file) {
  std::vector<json> events;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) events.push_back(json::parse(line));
  }
  return events;
}

class HooksCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("zg-hooks-cli-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "models");
    events_ = dir_ / "events.jsonl";
    // Sleeps first: zg must wait for the hook, so the line is there as soon as zg has exited.
    hook_ = dir_ / "hook.sh";
    std::ofstream(hook_) << "#!/bin/sh\nsleep 0.3\ncat >> '" << events_.string() << "'\n";
    fs::permissions(hook_, fs::perms::owner_all);
    std::ofstream(dir_ / "tiny.gguf", std::ios::binary) << "GGUF" << std::string(4096, '\x07');
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path hooks_file(const json& content, const std::string& name = "hooks.json") {
    const auto path = dir_ / name;
    std::ofstream(path) << content.dump();
    return path;
  }
  json hooks_on(const std::string& event) const { return json::array({{{"event", event}, {"command", {hook_.string()}}}}); }
  std::vector<std::string> import_args(const std::string& name) const {
    return {"model", "import", "--source", (dir_ / "tiny.gguf").string(), "--name", name, "--models-dir",
            (dir_ / "models").string()};
  }

  fs::path dir_;
  fs::path events_;
  fs::path hook_;
};

TEST_F(HooksCli, ModelImportRaisesModelImportedAndWaitsForTheHook) {
  auto args = import_args("tiny");
  args.insert(args.begin(), {"--hooks", hooks_file(hooks_on("model.imported")).string(), "--json"});
  const auto r = run_zg(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto target = dir_ / "models" / "tiny.gguf";
  EXPECT_EQ(r.json()["path"], target.string());
  EXPECT_EQ(r.json()["reloaded"], false);
  EXPECT_EQ(test::slurp(target), test::slurp(dir_ / "tiny.gguf"));
  EXPECT_FALSE(fs::exists(dir_ / "models" / ".zg-import"));  // no staging left behind

  const auto events = json_lines(events_);  // read right after zg exited: it waited for the hook
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["event"], "model.imported");
  EXPECT_EQ(events[0]["name"], "tiny");
  EXPECT_EQ(events[0]["path"], target.string());
  EXPECT_EQ(events[0]["reloaded"], false);
  EXPECT_TRUE(events[0]["time"].get<std::string>().ends_with("Z"));
  EXPECT_FALSE(events[0].contains("request_id"));
}

TEST_F(HooksCli, ConfigObjectFromTheEnvironmentAndOnlyTheMatchingEvent) {
  // A lib0g/zg-bridge style config object works as is; a hook on another event stays silent.
  const json config = {{"network", "local"},
                       {"hooks", {{{"event", "model.decrypted"}, {"command", {hook_.string(), "decrypted"}}},
                                  {{"event", "model.imported"}, {"command", {hook_.string()}}, {"timeout_ms", 5000}}}}};
  const auto r = run_zg(import_args("tiny-env"), {"ZG_HOOKS=" + hooks_file(config).string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("imported tiny-env to "), std::string::npos) << r.out;
  const auto events = json_lines(events_);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["name"], "tiny-env");
}

TEST_F(HooksCli, RefusedImportRaisesNothing) {
  const auto hooks = hooks_file(hooks_on("model.imported"));
  ASSERT_EQ(run_zg({"--hooks", hooks.string(), "model", "import", "--source", (dir_ / "tiny.gguf").string(), "--name", "a",
                    "--models-dir", (dir_ / "models").string()}).exit_code, 0);
  fs::remove(events_);
  // Taken name without --replace: a usage error, and no event.
  const auto taken = run_zg({"--hooks", hooks.string(), "model", "import", "--source", (dir_ / "tiny.gguf").string(), "--name",
                             "a", "--models-dir", (dir_ / "models").string()});
  EXPECT_EQ(taken.exit_code, 2);
  EXPECT_NE(taken.err.find("already exists (set \"replace\": true to replace it)"), std::string::npos) << taken.err;
  // Not a GGUF.
  std::ofstream(dir_ / "notes.txt") << "not a model";
  const auto bad = run_zg({"--hooks", hooks.string(), "model", "import", "--source", (dir_ / "notes.txt").string(), "--name",
                           "b", "--models-dir", (dir_ / "models").string()});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("is not a GGUF file"), std::string::npos) << bad.err;
  EXPECT_FALSE(fs::exists(dir_ / "models" / "b.gguf"));
  // --replace replaces and raises the event again.
  const auto replaced = run_zg({"--hooks", hooks.string(), "model", "import", "--source", (dir_ / "tiny.gguf").string(),
                                "--name", "a", "--models-dir", (dir_ / "models").string(), "--replace"});
  EXPECT_EQ(replaced.exit_code, 0) << replaced.err;
  const auto events = json_lines(events_);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["name"], "a");
}

TEST_F(HooksCli, UnreachableRouterKeepsTheModelAndSaysSo) {
  // A port nobody listens on: bind one, read its number, close it.
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::getsockname(s, reinterpret_cast<sockaddr*>(&address), &length), 0);
  ::close(s);
  auto args = import_args("routed");
  args.insert(args.end(), {"--router-url", "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port))});
  const auto r = run_zg(args);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("could not be reached"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(dir_ / "models" / "routed.gguf"));
}

TEST_F(HooksCli, BadHooksFilesAreUsageErrors) {
  const auto missing = run_zg({"--hooks", (dir_ / "nope.json").string(), "model", "import", "--help"});
  EXPECT_EQ(missing.exit_code, 0);  // --help needs no hooks
  struct Case {
    std::string content;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"{not json", "is not valid JSON"},
      {R"({"network":"local"})", "or an object with a \"hooks\" array"},
      {R"([{"event":"model.imported","command":["relative/prog"]}])", "must be an absolute path"},
      {R"([{"event":"model.exploded","command":["/bin/true"]}])", ".event must be one of the event names"},
      {R"([{"event":"model.imported","command":["/bin/true"],"shell":true}])", "unknown member \"shell\""},
  };
  for (const auto& c : cases) {
    const auto path = dir_ / "bad.json";
    std::ofstream(path) << c.content;
    const auto r = run_zg({"--hooks", path.string(), "model", "import", "--source", (dir_ / "tiny.gguf").string(), "--name", "x",
                           "--models-dir", (dir_ / "models").string()});
    EXPECT_EQ(r.exit_code, 2) << c.content;
    EXPECT_NE(r.err.find("the hooks file " + path.string()), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir_ / "models" / "x.gguf")) << "nothing runs with a bad hooks file";
  }
  const auto unreadable = run_zg({"--hooks", (dir_ / "nope.json").string(), "model", "import", "--source",
                                  (dir_ / "tiny.gguf").string(), "--name", "x", "--models-dir", (dir_ / "models").string()});
  EXPECT_EQ(unreadable.exit_code, 2);
  EXPECT_NE(unreadable.err.find("cannot read the hooks file"), std::string::npos) << unreadable.err;
}

TEST_F(HooksCli, HelpDocumentsTheHooksOption) {
  const auto r = run_zg({"--help"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--hooks FILE"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[ZG_HOOKS]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("model import"), std::string::npos) << r.out;
}

TEST(StandaloneHooks, RefusesRequestEventsAndNonObjectFields) {
  hooks::StandaloneHooks hooks({}, {});
  try {
    hooks.publish(hooks::EventKind::request_sending, json::object());
    FAIL() << "a request event was published";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot publish 'request.sending'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(hooks.publish(hooks::EventKind::model_imported, json::array()), UsageError);
  EXPECT_NO_THROW(hooks.publish(hooks::EventKind::model_imported, {{"name", "x"}}));  // nobody listens: fine
}

}  // namespace
