// Command hooks: a real program (a small shell script) gets the event JSON on stdin; failures and
// timeouts are logged, never thrown.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <unistd.h>

#include "hooks/command_hook.hpp"

namespace {

using namespace zg::hooks;
using nlohmann::json;
namespace fs = std::filesystem;

class HooksCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("zg-hooks-command-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A script that copies its stdin to `out` (argv[1]) and exits with `status`.
  fs::path script(const std::string& name, const std::string& body) {
    const auto path = dir_ / name;
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    fs::permissions(path, fs::perms::owner_all);
    return path;
  }
  static std::string read(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  fs::path dir_;
};

TEST_F(HooksCommand, ProgramGetsTheEventJsonOnStdin) {
  const auto out = dir_ / "event.json";
  const auto copy = script("copy.sh", "cat > \"$1\"");
  std::vector<std::string> logs;
  std::mutex mutex;
  {
    CommandHookRunner runner([&](int, const std::string& line) {
      std::lock_guard lock(mutex);
      logs.push_back(line);
    });
    EventBus bus;
    runner.attach(bus, {CommandHook{EventKind::usage_accounted, {copy.string(), out.string()}, std::chrono::seconds(5)}});
    Event event{EventKind::usage_accounted, 77, {{"provider", "0x1"}, {"fee_neuron", "123"}}, nullptr};
    bus.publish(event);
    Event ignored{EventKind::balance_low, 78, json::object(), nullptr};
    bus.publish(ignored);
    runner.wait_idle();
  }
  const auto received = json::parse(read(out));
  EXPECT_EQ(received["event"], "usage.accounted");
  EXPECT_EQ(received["request_id"], 77);
  EXPECT_EQ(received["fee_neuron"], "123");
  EXPECT_TRUE(received["time"].is_string());
}

TEST_F(HooksCommand, FailureAndTimeoutAreReportedNotThrown) {
  const auto fail = script("fail.sh", "cat >/dev/null; exit 3");
  const auto result = run_command_with_input({fail.string()}, "{}", std::chrono::seconds(5));
  EXPECT_TRUE(result.started);
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_FALSE(result.ok());

  const auto slow = script("slow.sh", "sleep 10");
  const auto started = std::chrono::steady_clock::now();
  const auto timed_out = run_command_with_input({slow.string()}, "{}", std::chrono::milliseconds(200));
  EXPECT_TRUE(timed_out.timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));

  const auto missing = run_command_with_input({(dir_ / "no-such-program").string()}, "{}", std::chrono::seconds(1));
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.error.find("could not start"), std::string::npos) << missing.error;
}

TEST_F(HooksCommand, ProgramThatIgnoresStdinDoesNotKillUs) {
  // A large event and a program that exits at once: the write fails with EPIPE, not SIGPIPE.
  const auto quick = script("quick.sh", "exit 0");
  std::vector<std::string> logs;
  {
    CommandHookRunner runner([&](int, const std::string& line) { logs.push_back(line); });
    const json big = {{"data", std::string(1 << 20, 'x')}};
    runner.enqueue(CommandHook{EventKind::model_imported, {quick.string()}, std::chrono::seconds(5)}, big);
    runner.wait_idle();
  }
  // We survived, and a hook that chose not to read its event and exited 0 is not reported as failed.
  ASSERT_FALSE(logs.empty());
  EXPECT_NE(logs.back().find(" ran"), std::string::npos) << logs.back();
}

TEST_F(HooksCommand, HookThatExitsWithoutReadingIsReportedByItsStatus) {
  // The big event makes sure the write meets a closed pipe: the status must still be what is logged.
  const auto fail = script("fail_unread.sh", "exit 9");
  std::vector<std::string> logs;
  {
    CommandHookRunner runner([&](int, const std::string& line) { logs.push_back(line); });
    const json big = {{"data", std::string(1 << 20, 'x')}};
    runner.enqueue(CommandHook{EventKind::balance_low, {fail.string()}, std::chrono::seconds(5)}, big);
    runner.wait_idle();
  }
  ASSERT_FALSE(logs.empty());
  EXPECT_NE(logs.back().find("status 9"), std::string::npos) << logs.back();
}

TEST_F(HooksCommand, RunnerLogsAFailingHookByName) {
  const auto fail = script("fail.sh", "exit 9");
  std::vector<std::string> logs;
  std::mutex mutex;
  {
    CommandHookRunner runner([&](int, const std::string& line) {
      std::lock_guard lock(mutex);
      logs.push_back(line);
    });
    runner.enqueue(CommandHook{EventKind::balance_low, {fail.string()}, std::chrono::seconds(5)}, json{{"event", "balance.low"}});
    runner.wait_idle();
  }
  ASSERT_FALSE(logs.empty());
  EXPECT_NE(logs.back().find("fail.sh"), std::string::npos) << logs.back();
  EXPECT_NE(logs.back().find("balance.low"), std::string::npos) << logs.back();
  EXPECT_NE(logs.back().find("status 9"), std::string::npos) << logs.back();
}

}  // namespace
