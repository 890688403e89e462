// Commands and processes inside lab namespaces, and what teardown does to them.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>

#include "sluice/lab/lab_test.h"
#include "sluice/lab/netns.h"
#include "sluice/lab/tcp_client.h"

namespace sluice::lab {
namespace {

using std::chrono::milliseconds;

class LabProcesses : public LabTest {
 protected:
  LabOptions labOptions() const override { return {.nodes = 1, .pods_per_node = 2}; }
};

TEST_F(LabProcesses, CommandsRunInsideTheNamespace) {
  const PodInfo& pod = lab().pod("p1a");
  auto addresses = lab().run(pod.netns, {"ip", "-o", "addr", "show", "dev", "eth0"});
  ASSERT_TRUE(addresses.has_value()) << addresses.error().toString();
  EXPECT_NE(addresses->stdout_text.find(pod.ipv4.to_string() + "/32"), std::string::npos)
      << addresses->stdout_text;
  EXPECT_NE(addresses->stdout_text.find(pod.ipv6.to_string() + "/128"), std::string::npos);
}

TEST_F(LabProcesses, SpawnedProcessLivesInItsNamespaceUntilStopped) {
  const PodInfo& pod = lab().pod("p1b");
  auto sleeper = lab().spawn(pod.netns, {"sleep", "30"}, {.name = "sleeper"});
  ASSERT_TRUE(sleeper.has_value()) << sleeper.error().toString();
  EXPECT_EQ(lab().findProcess("sleeper"), *sleeper);
  const std::vector<std::string> netns{pod.netns};
  const auto inside = pidsInNetns(netns);
  EXPECT_NE(std::find(inside.begin(), inside.end(), (*sleeper)->pid()), inside.end());
  EXPECT_EQ((*sleeper)->stop().signal, SIGTERM);
}

TEST_F(LabProcesses, EchoServerExitsCleanlyOnSigterm) {
  auto echo = lab().startEcho(lab().pod("p1a"), {.port = 9000, .udp = false});
  ASSERT_TRUE(echo.has_value()) << echo.error().toString();
  EXPECT_EQ(lab().findProcess("p1a"), *echo);
  auto reply = tcpEcho({lab().pod("p1a").ipv4, 9000}, {.netns = lab().ext().netns});
  ASSERT_TRUE(reply.has_value()) << reply.error().toString();
  const ExitStatus status = (*echo)->stop();
  EXPECT_TRUE(status.success()) << status.toString();
}

TEST_F(LabProcesses, TeardownKillsProcessesItDidNotStart) {
  // Started without the Lab knowing, as a test or a child might.
  auto stray = Process::start({"sleep", "30"}, {.netns = lab().pod("p1a").netns});
  ASSERT_TRUE(stray.has_value()) << stray.error().toString();
  lab().teardown();
  auto ended = (*stray)->waitExit(deadlineAfter(milliseconds(5000)));
  ASSERT_TRUE(ended.has_value()) << ended.error().toString();
  EXPECT_EQ(ended->signal, SIGKILL);
}

TEST_F(LabProcesses, UnknownNamespaceIsAClearError) {
  auto process = Process::start({"true"}, {.netns = lab().prefix() + "nope"});
  ASSERT_FALSE(process.has_value());
  EXPECT_NE(process.error().message().find("/run/netns/" + lab().prefix() + "nope"),
            std::string::npos)
      << process.error().message();
}

}  // namespace
}  // namespace sluice::lab
