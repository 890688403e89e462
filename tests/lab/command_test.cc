// Commands and processes outside any lab namespace (no privileges needed): output capture, exit
// status, timeouts, ready lines, stopping. The namespace side is in process_test.cc.
#include "sluice/lab/command.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <string>
#include <vector>

#include "sluice/lab/deadline.h"
#include "sluice/lab/process.h"

namespace sluice::lab {
namespace {

using std::chrono::milliseconds;

TEST(LabCommand, CapturesOutputAndExitCode) {
  const std::vector<std::string> argv{"sh", "-c", "echo out; echo err >&2; exit 3"};
  auto result = runCommand(argv);
  ASSERT_TRUE(result.has_value()) << result.error().toString();
  EXPECT_EQ(result->status.code, 3);
  EXPECT_EQ(result->status.toString(), "exited with code 3");
  EXPECT_EQ(result->stdout_text, "out\n");
  EXPECT_EQ(result->stderr_text, "err\n");
}

TEST(LabCommand, FeedsStdin) {
  const std::vector<std::string> argv{"cat"};
  auto result = runCommand(argv, {.stdin_text = "line one\nline two\n"});
  ASSERT_TRUE(result.has_value()) << result.error().toString();
  EXPECT_TRUE(result->status.success());
  EXPECT_EQ(result->stdout_text, "line one\nline two\n");
}

TEST(LabCommand, TimeoutKillsTheCommand) {
  const std::vector<std::string> argv{"sleep", "30"};
  const auto start = Clock::now();
  auto result = runCommand(argv, {.timeout = milliseconds(200)});
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code(), base::Errc::kTimeout);
  EXPECT_NE(result.error().message().find("`sleep 30` did not finish within 200 ms"),
            std::string::npos)
      << result.error().message();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
}

TEST(LabCommand, ReportsDeathBySignal) {
  const std::vector<std::string> argv{"sh", "-c", "kill -TERM $$"};
  auto result = runCommand(argv);
  ASSERT_TRUE(result.has_value()) << result.error().toString();
  EXPECT_EQ(result->status.signal, SIGTERM);
  EXPECT_EQ(result->status.toString(), "killed by SIGTERM");
}

TEST(LabCommand, MissingProgramAndNamespaceAreErrors) {
  const std::vector<std::string> missing{"sluice-no-such-program"};
  auto result = runCommand(missing);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code(), base::Errc::kNotFound);

  const std::vector<std::string> argv{"true"};
  auto no_netns = runCommand(argv, {.netns = "sluice-no-such-namespace"});
  ASSERT_FALSE(no_netns.has_value());
  EXPECT_NE(no_netns.error().message().find("/run/netns/sluice-no-such-namespace"),
            std::string::npos)
      << no_netns.error().message();
}

TEST(LabCommand, CheckedRunQuotesCommandAndStderr) {
  const std::vector<std::string> argv{"sh", "-c", "echo 'no such route' >&2; exit 2"};
  auto result = runCommandChecked(argv);
  ASSERT_FALSE(result.has_value());
  EXPECT_NE(result.error().message().find("exited with code 2: no such route"), std::string::npos)
      << result.error().message();
  EXPECT_NE(result.error().message().find("`sh -c 'echo '\\''no such route'\\'' >&2; exit 2'`"),
            std::string::npos)
      << result.error().message();
}

TEST(LabCommand, DescribeQuotesOnlyWhatNeedsIt) {
  const std::vector<std::string> argv{"ip", "-n", "sl1-n1", "route", "add", "a b", "it's", ""};
  EXPECT_EQ(describeCommand(argv), "ip -n sl1-n1 route add 'a b' 'it'\\''s' ''");
}

TEST(LabWaitFor, ReturnsOnceTheConditionHolds) {
  int calls = 0;
  EXPECT_TRUE(waitFor(
      "three calls", [&] { return ++calls == 3; }, deadlineAfter(milliseconds(2000)),
      milliseconds(1)));
  EXPECT_EQ(calls, 3);
}

TEST(LabWaitFor, TimesOutNamingTheCondition) {
  auto waited = waitFor(
      "the impossible", [] { return false; }, deadlineAfter(milliseconds(30)));
  ASSERT_FALSE(waited.has_value());
  EXPECT_EQ(waited.error().code(), base::Errc::kTimeout);
  EXPECT_NE(waited.error().message().find("waiting for the impossible"), std::string::npos);
}

TEST(LabProcess, WaitsForReadyAndStopsWithSigterm) {
  auto process =
      Process::start({"sh", "-c", "echo starting; echo ready; exec sleep 30"}, {.name = "sleeper"});
  ASSERT_TRUE(process.has_value()) << process.error().toString();
  ASSERT_TRUE((*process)->waitForLine("ready", deadlineAfter(milliseconds(5000))));
  EXPECT_TRUE((*process)->running());
  EXPECT_EQ((*process)->output(), "starting\nready\n");
  const ExitStatus status = (*process)->stop();
  EXPECT_EQ(status.signal, SIGTERM) << status.toString();
  EXPECT_FALSE((*process)->running());
}

TEST(LabProcess, ExitBeforeReadyFailsFastWithTheReason) {
  auto process = Process::start({"sh", "-c", "echo cannot bind; exit 4"}, {.name = "broken"});
  ASSERT_TRUE(process.has_value()) << process.error().toString();
  const auto start = Clock::now();
  auto ready = (*process)->waitForLine("ready", deadlineAfter(milliseconds(10000)));
  ASSERT_FALSE(ready.has_value());
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
  EXPECT_NE(ready.error().message().find("exited with code 4"), std::string::npos)
      << ready.error().message();
  EXPECT_NE(ready.error().message().find("cannot bind"), std::string::npos);
}

TEST(LabProcess, IgnoringSigtermEarnsSigkill) {
  auto process = Process::start({"sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done"},
                                {.stop_grace = milliseconds(200)});
  ASSERT_TRUE(process.has_value()) << process.error().toString();
  ASSERT_TRUE((*process)->waitForLine("ready", deadlineAfter(milliseconds(5000))));
  EXPECT_EQ((*process)->stop().signal, SIGKILL);
}

TEST(LabProcess, CapturesStderrWhenAsked) {
  auto process = Process::start({"sh", "-c", "echo oops >&2; echo ready; exec sleep 30"},
                                {.capture_stderr = true});
  ASSERT_TRUE(process.has_value()) << process.error().toString();
  ASSERT_TRUE((*process)->waitForLine("ready", deadlineAfter(milliseconds(5000))));
  EXPECT_TRUE(waitFor(
      "stderr", [&] { return (*process)->errorOutput() == "oops\n"; },
      deadlineAfter(milliseconds(2000))));
}

}  // namespace
}  // namespace sluice::lab
