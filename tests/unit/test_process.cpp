// Child processes: what we start is stopped by PID, dies with us when owned, survives when
// detached, and a recycled PID of something else is never signalled.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/error.hpp"
#include "common/process.hpp"

namespace {

using namespace std::chrono_literals;

bool alive(int pid) { return ::kill(pid, 0) == 0; }

zg::ProcessOptions sleeper(bool detach = false) {
  zg::ProcessOptions o;
  o.argv = {"/bin/sleep", "30"};
  o.detach_from_owner = detach;
  return o;
}

TEST(ChildProcess, DestructorStopsTheChild) {
  int pid = -1;
  {
    auto child = zg::ChildProcess::spawn(sleeper());
    pid = child.pid();
    EXPECT_TRUE(child.running());
  }
  EXPECT_FALSE(alive(pid));
}

TEST(ChildProcess, StopReportsTheSignal) {
  auto child = zg::ChildProcess::spawn(sleeper());
  const auto status = child.stop(1000ms);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 128 + SIGTERM);
  EXPECT_FALSE(child.running());
}

TEST(ChildProcess, MissingProgramIsAClearError) {
  zg::ProcessOptions o;
  o.argv = {"/nonexistent/anvil"};
  try {
    zg::ChildProcess::spawn(o);
    FAIL();
  } catch (const zg::IoError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/anvil"), std::string::npos);
  }
}

TEST(ChildProcess, OwnedChildDiesWhenItsOwnerIsKilled) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t owner = ::fork();
  if (owner == 0) {
    auto child = zg::ChildProcess::spawn(sleeper());
    const int pid = child.release();  // even an owner that never cleans up must not leak it
    (void)!::write(fds[1], &pid, sizeof pid);
    ::pause();
    ::_exit(0);
  }
  int pid = -1;
  ASSERT_EQ(::read(fds[0], &pid, sizeof pid), static_cast<ssize_t>(sizeof pid));
  ::close(fds[0]);
  ::close(fds[1]);
  EXPECT_TRUE(alive(pid));
  ::kill(owner, SIGKILL);
  ::waitpid(owner, nullptr, 0);
  // The orphan is reparented and reaped by init once the kernel's SIGTERM lands.
  EXPECT_TRUE(zg::wait_until([&] { return !alive(pid); }, 5000ms)) << "sleep " << pid << " outlived its owner";
  if (alive(pid)) ::kill(pid, SIGKILL);
}

TEST(ChildProcess, DetachedChildSurvivesAndIsStoppedByPidAndName) {
  int pid = -1;
  {
    auto child = zg::ChildProcess::spawn(sleeper(true));
    pid = child.pid();
  }
  ASSERT_TRUE(alive(pid));
  // A PID whose command line is something else (a recycled PID) is left alone.
  EXPECT_FALSE(zg::stop_process_by_pid(pid, "anvil"));
  EXPECT_TRUE(alive(pid));
  EXPECT_TRUE(zg::stop_process_by_pid(pid, "sleep"));
  // Our own child until reaped: wait for it to go.
  ::waitpid(pid, nullptr, 0);
  EXPECT_FALSE(alive(pid));
}

}  // namespace
