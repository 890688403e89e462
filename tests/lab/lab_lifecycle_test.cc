// A lab's life: growing it, tearing it down (by the destructor and by a signal), and the next
// run cleaning up after one that could not.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "sluice/lab/cgroup.h"
#include "sluice/lab/ip_batch.h"
#include "sluice/lab/lab.h"
#include "sluice/lab/names.h"
#include "sluice/lab/netns.h"
#include "sluice/lab/privileged.h"
#include "sluice/lab/tcp_client.h"
#include "sluice/lab/udp_client.h"

namespace sluice::lab {
namespace {

using std::chrono::milliseconds;

std::vector<std::string> namespacesWithPrefix(const std::string& prefix) {
  std::vector<std::string> found;
  auto names = listNetns();
  EXPECT_TRUE(names.has_value());
  for (const std::string& name : names.value_or(std::vector<std::string>{})) {
    if (name.starts_with(prefix)) found.push_back(name);
  }
  return found;
}

// A pid that was just alive and is not any more (reuse within the test is not a concern).
pid_t deadPid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  ::waitpid(pid, nullptr, 0);
  return pid;
}

std::unique_ptr<Lab> createLab(const LabOptions& options = {}) {
  auto lab = Lab::create(options);
  EXPECT_TRUE(lab.has_value()) << lab.error().toString();
  return lab ? std::move(*lab) : nullptr;
}

TEST(LabLifecycle, DestroyingTheLabRemovesEverything) {
  SLUICE_REQUIRE_LAB();
  auto lab = createLab();
  ASSERT_NE(lab, nullptr);
  const std::string prefix = lab->prefix();
  EXPECT_EQ(namespacesWithPrefix(prefix).size(), 8U);
  auto echo = lab->startEcho(lab->pod("p1a"));
  ASSERT_TRUE(echo.has_value()) << echo.error().toString();
  const pid_t echo_pid = (*echo)->pid();

  lab.reset();
  EXPECT_EQ(namespacesWithPrefix(prefix), std::vector<std::string>{});
  EXPECT_FALSE(processIsAlive(echo_pid)) << "the echo server outlived its lab";
}

TEST(LabLifecycle, TwoLabsInOneProcessDoNotCollide) {
  SLUICE_REQUIRE_LAB();
  auto first = createLab({.nodes = 1, .pods_per_node = 1});
  auto second = createLab({.nodes = 1, .pods_per_node = 1});
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_NE(first->prefix(), second->prefix());
  EXPECT_EQ(labOwnerPid(second->prefix() + "x"), ::getpid());
}

TEST(LabLifecycle, GrowsByANodeAndPods) {
  SLUICE_REQUIRE_LAB();
  auto lab = createLab({.nodes = 1, .pods_per_node = 1});
  ASSERT_NE(lab, nullptr);
  auto n2 = lab->addNode();
  ASSERT_TRUE(n2.has_value()) << n2.error().toString();
  EXPECT_EQ((*n2)->name, "n2");
  auto p2a = lab->addPod("n2");
  auto p1b = lab->addPod("n1");
  ASSERT_TRUE(p2a.has_value()) << p2a.error().toString();
  ASSERT_TRUE(p1b.has_value()) << p1b.error().toString();
  EXPECT_EQ((*p2a)->name, "p2a");
  EXPECT_EQ((*p1b)->name, "p1b");
  EXPECT_EQ((*p1b)->ipv4.to_string(), "10.244.1.3");
  EXPECT_FALSE(lab->addPod("n9").has_value());

  ASSERT_TRUE(lab->startEchoInAllPods());
  for (const PodInfo* pod : {*p2a, *p1b}) {
    for (const IpFamily family : {IpFamily::kIpv4, IpFamily::kIpv6}) {
      auto from_ext = tcpEcho({pod->address(family), 8080}, {.netns = lab->ext().netns});
      ASSERT_TRUE(from_ext.has_value()) << from_ext.error().toString();
      EXPECT_EQ(from_ext->name, pod->name);
      auto from_p1a = udpEcho({pod->address(family), 8080}, {.netns = lab->pod("p1a").netns});
      ASSERT_TRUE(from_p1a.has_value()) << from_p1a.error().toString();
      EXPECT_EQ(from_p1a->peer.address, lab->pod("p1a").address(family));
    }
  }
}

TEST(LabLifecycle, StaleRunIsCleanedUpByTheNextLab) {
  SLUICE_REQUIRE_LAB();
  const std::string stale_prefix = labPrefix(deadPid(), 0);
  const std::string stale_netns = stale_prefix + "n1";
  ASSERT_TRUE(runIp("", "netns add " + stale_netns));
  // Something still running inside it, as a crashed run would leave.
  auto leftover = Process::start({"sleep", "60"}, {.netns = stale_netns});
  ASSERT_TRUE(leftover.has_value()) << leftover.error().toString();
  std::string stale_cgroup;
  if (auto parent = labCgroupParent(); parent) {
    stale_cgroup = *parent + "/" + stale_prefix + "clients";
    ASSERT_EQ(::mkdir(stale_cgroup.c_str(), 0755), 0) << stale_cgroup;
  }

  auto lab = createLab({.nodes = 1, .pods_per_node = 0});
  ASSERT_NE(lab, nullptr);
  EXPECT_FALSE(netnsExists(stale_netns));
  auto ended = (*leftover)->waitExit(deadlineAfter(milliseconds(5000)));
  ASSERT_TRUE(ended.has_value()) << ended.error().toString();
  EXPECT_EQ(ended->signal, SIGKILL) << ended->toString();
  if (!stale_cgroup.empty()) {
    EXPECT_FALSE(std::filesystem::exists(stale_cgroup)) << stale_cgroup;
  }
}

TEST(LabLifecycle, LiveRunsAreLeftAlone) {
  SLUICE_REQUIRE_LAB();
  // Named like a lab of this (live) process.
  const std::string live_netns = labPrefix(::getpid(), 9999) + "n1";
  ASSERT_TRUE(runIp("", "netns add " + live_netns));
  auto lab = createLab({.nodes = 1, .pods_per_node = 0});
  EXPECT_TRUE(netnsExists(live_netns));
  EXPECT_TRUE(deleteNetns(live_netns));
}

// What the child process of SignalTearsTheLabDown does: build a lab, say so, wait to be killed.
void holdALabUntilSignalled() {
  auto lab = createLab({.nodes = 1, .pods_per_node = 1});
  ASSERT_NE(lab, nullptr);
  auto echo = lab->startEcho(lab->pod("p1a"));
  ASSERT_TRUE(echo.has_value()) << echo.error().toString();
  std::printf("prefix=%s echo_pid=%d\nready\n", lab->prefix().c_str(), (*echo)->pid());
  std::fflush(stdout);
  std::this_thread::sleep_for(std::chrono::seconds(30));  // the parent kills us long before
  FAIL() << "was not signalled";
}

constexpr const char* kSignalChildVariable = "SLUICE_LAB_TEST_SIGNAL_CHILD";

// This test binary runs this test again as a child (marked by an environment variable), which
// builds a lab and is then killed by a signal; its handler must remove the lab.
TEST(LabLifecycle, SignalTearsTheLabDown) {
  SLUICE_REQUIRE_LAB();
  if (std::getenv(kSignalChildVariable) != nullptr) {  // NOLINT(concurrency-mt-unsafe)
    holdALabUntilSignalled();
    return;
  }
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  for (const int signal_number : {SIGTERM, SIGINT}) {
    // The child inherits the environment at fork; no other thread reads it meanwhile.
    ::setenv(kSignalChildVariable, "1", 1);  // NOLINT(concurrency-mt-unsafe)
    auto child = Process::start({self, "--gtest_filter=LabLifecycle.SignalTearsTheLabDown"},
                                {.name = "lab child"});
    ::unsetenv(kSignalChildVariable);  // NOLINT(concurrency-mt-unsafe)
    ASSERT_TRUE(child.has_value()) << child.error().toString();
    ASSERT_TRUE((*child)->waitForLine("ready", deadlineAfter(milliseconds(10000))))
        << (*child)->output();
    const std::string output = (*child)->output();
    const auto prefix_at = output.find("prefix=");
    ASSERT_NE(prefix_at, std::string::npos) << output;
    const std::string prefix =
        output.substr(prefix_at + 7, output.find(' ', prefix_at) - prefix_at - 7);
    const pid_t echo_pid = std::atoi(output.c_str() + output.find("echo_pid=") + 9);
    ASSERT_FALSE(namespacesWithPrefix(prefix).empty());

    ASSERT_TRUE((*child)->signal(signal_number));
    auto ended = (*child)->waitExit(deadlineAfter(milliseconds(10000)));
    ASSERT_TRUE(ended.has_value()) << ended.error().toString();
    EXPECT_EQ(ended->signal, signal_number) << ended->toString() << "; output: " << output;
    EXPECT_EQ(namespacesWithPrefix(prefix), std::vector<std::string>{})
        << "signal " << signal_number << " left namespaces behind";
    EXPECT_TRUE(waitFor(
        "the child's echo server to die", [&] { return !processIsAlive(echo_pid); },
        deadlineAfter(milliseconds(2000))));
  }
}

}  // namespace
}  // namespace sluice::lab
