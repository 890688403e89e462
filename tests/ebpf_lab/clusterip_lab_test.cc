// ClusterIP in the real kernel with real traffic: a lab of two nodes, each with its own eBPF data
// plane attached to its pod veths, echo servers in the backend pods, clients in other pods. What
// a kube-proxy user checks: which backend answered, which client address it saw, how connections
// spread, that established connections survive backend changes and that a service without
// backends refuses at once.
#include <gtest/gtest.h>
#include <net/if.h>

#include <chrono>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "node_dataplanes.h"
#include "sluice/lab/echo_reply.h"
#include "sluice/lab/echo_server.h"
#include "sluice/lab/lab_test.h"
#include "sluice/lab/run_in_netns.h"
#include "sluice/lab/tcp_client.h"
#include "sluice/lab/udp_client.h"

namespace sluice::testing {
namespace {

using dataplane::Backend;
using dataplane::Frontend;
using dataplane::Protocol;
using lab::IpFamily;
using lab::SocketAddress;
using std::chrono::milliseconds;

constexpr std::uint16_t kPort = 8080;     // where the echo servers listen
constexpr dataplane::ServiceId kWeb = 1;  // a dual-stack service is one service id per family
constexpr dataplane::ServiceId kWeb6 = 4;
constexpr dataplane::ServiceId kSticky = 2;
constexpr dataplane::ServiceId kEmpty = 3;

base::IpAddress ip(const char* text) { return base::parseIpAddress(text).value(); }

const base::IpAddress& webVip(IpFamily family) {
  static const base::IpAddress v4 = ip("10.96.0.10");
  static const base::IpAddress v6 = ip("fd00:96::10");
  return family == IpFamily::kIpv4 ? v4 : v6;
}

// p1b, p2a, p2b serve; p1a (node 1) and p2c (node 2, added) are clients.
class ClusterIpLab : public lab::LabTest {
 protected:
  void SetUp() override {
    LabTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto p2c = lab().addPod("n2");
    ASSERT_TRUE(p2c.has_value()) << p2c.error().toString();
    for (const char* pod : {"p1b", "p2a", "p2b"}) {
      ASSERT_TRUE(lab().startEcho(lab().pod(pod), {.port = kPort}));
    }
    auto dps = NodeDataplanes::create(lab());
    ASSERT_TRUE(dps.has_value()) << dps.error().toString();
    dps_ = std::move(*dps);
    for (const IpFamily family : {IpFamily::kIpv4, IpFamily::kIpv6}) {
      for (const Protocol protocol : {Protocol::kTcp, Protocol::kUdp}) {
        ASSERT_TRUE(dps_->upsertFrontend(
            {.key = {.address = webVip(family), .port = 80, .protocol = protocol},
             .service = family == IpFamily::kIpv4 ? kWeb : kWeb6}));
      }
    }
    ASSERT_TRUE(setWebBackends({"p1b", "p2a", "p2b"}));
    for (const Protocol protocol : {Protocol::kTcp, Protocol::kUdp}) {
      ASSERT_TRUE(dps_->upsertFrontend(
          {.key = {.address = ip("10.96.0.11"), .port = 80, .protocol = protocol},
           .service = kSticky,
           .affinity_timeout_s = 600}));
      ASSERT_TRUE(dps_->upsertFrontend(
          {.key = {.address = ip("10.96.0.20"), .port = 80, .protocol = protocol},
           .service = kEmpty}));
    }
    ASSERT_TRUE(dps_->setBackends(kSticky, backendsOf({"p1b", "p2a", "p2b"})));
    ASSERT_TRUE(dps_->setBackends(kEmpty, {}));
  }

  std::vector<Backend> backendsOf(const std::vector<std::string>& pods,
                                  IpFamily family = IpFamily::kIpv4) {
    std::vector<Backend> out;
    for (const auto& name : pods)
      out.push_back({.address = lab().pod(name).address(family), .port = kPort});
    return out;
  }
  base::Status setWebBackends(const std::vector<std::string>& pods) {
    if (auto ok = dps_->setBackends(kWeb, backendsOf(pods)); !ok) return ok;
    return dps_->setBackends(kWeb6, backendsOf(pods, IpFamily::kIpv6));
  }

  static SocketAddress web(IpFamily family = IpFamily::kIpv4) {
    return {.address = webVip(family), .port = 80};
  }

  std::unique_ptr<NodeDataplanes> dps_;
};

TEST_F(ClusterIpLab, PodsOnBothNodesReachTheServiceAndBackendsSeeThePodAddress) {
  const std::set<std::string> backends = {"p1b", "p2a", "p2b"};
  for (const char* client : {"p1a", "p2c"}) {
    const lab::PodInfo& pod = lab().pod(client);
    for (const IpFamily family : {IpFamily::kIpv4, IpFamily::kIpv6}) {
      for (const bool tcp : {true, false}) {
        const std::string what = std::string(client) + (tcp ? " tcp " : " udp ") +
                                 std::string(lab::ipFamilyName(family));
        const lab::ProbeOptions options{.netns = pod.netns, .message = what};
        auto reply = tcp ? lab::tcpEcho(web(family), options) : lab::udpEcho(web(family), options);
        ASSERT_TRUE(reply.has_value()) << what << ": " << reply.error().toString();
        EXPECT_TRUE(backends.contains(reply->name)) << what << " answered by " << reply->name;
        EXPECT_EQ(reply->peer.address, pod.address(family))
            << what << ": the backend saw another address (SNAT in-cluster?)";
        EXPECT_EQ(reply->local.port, kPort) << what;
      }
    }
  }
}

// A backend dialling its own service may be sent to itself (hairpin): that must work too, for
// every connection, TCP and UDP, both families.
TEST_F(ClusterIpLab, ABackendReachesItsOwnServiceEvenWhenItPicksItself) {
  const lab::PodInfo& p1b = lab().pod("p1b");
  for (const IpFamily family : {IpFamily::kIpv4, IpFamily::kIpv6}) {
    for (const bool tcp : {true, false}) {
      const std::string what =
          std::string(tcp ? "tcp " : "udp ") + std::string(lab::ipFamilyName(family));
      std::set<std::string> seen;
      for (int i = 0; i < 24; ++i) {
        const lab::ProbeOptions options{
            .netns = p1b.netns, .timeout = milliseconds(1000), .reset_on_close = true};
        auto reply = tcp ? lab::tcpEcho(web(family), options) : lab::udpEcho(web(family), options);
        ASSERT_TRUE(reply.has_value()) << what << " #" << i << ": " << reply.error().toString();
        seen.insert(reply->name);
        if (reply->name == "p1b") {
          EXPECT_EQ(reply->peer.address.to_string(),
                    family == IpFamily::kIpv4 ? "169.254.42.1" : "fd51:1ce::1")
              << what << ": a hairpin connection comes from the hairpin address";
        } else {
          EXPECT_EQ(reply->peer.address, p1b.address(family)) << what;
        }
      }
      EXPECT_TRUE(seen.contains("p1b")) << what << ": never picked itself in 24 connections";
    }
  }
}

// 300 connections over 3 backends: each gets 100 ± 40 (about 5 standard deviations of the
// binomial spread; Maglev's own imbalance at M=1021 is under 1%).
TEST_F(ClusterIpLab, ConnectionsSpreadEvenlyOverThreeBackends) {
  constexpr int kConnections = 300;
  std::map<std::string, int> count;
  for (int i = 0; i < kConnections; ++i) {
    auto reply = lab::tcpEcho(web(), {.netns = lab().pod("p1a").netns, .reset_on_close = true});
    ASSERT_TRUE(reply.has_value()) << "connection " << i << ": " << reply.error().toString();
    ++count[reply->name];
  }
  ASSERT_EQ(count.size(), 3U) << ::testing::PrintToString(count);
  for (const auto& [name, n] : count) {
    EXPECT_GE(n, 60) << name << " " << ::testing::PrintToString(count);
    EXPECT_LE(n, 140) << name << " " << ::testing::PrintToString(count);
  }
}

TEST_F(ClusterIpLab, ClientIpAffinityPinsAClientToOneBackend) {
  for (const char* client : {"p1a", "p2c"}) {
    std::set<std::string> seen;
    for (int i = 0; i < 30; ++i) {
      auto reply = lab::tcpEcho({.address = ip("10.96.0.11"), .port = 80},
                                {.netns = lab().pod(client).netns, .reset_on_close = true});
      ASSERT_TRUE(reply.has_value()) << reply.error().toString();
      seen.insert(reply->name);
    }
    EXPECT_EQ(seen.size(), 1U) << client << " reached " << ::testing::PrintToString(seen);
  }
}

TEST_F(ClusterIpLab, TwoHundredConnectionsSurviveAddingAFourthBackend) {
  const std::string netns = lab().pod("p1a").netns;
  std::vector<lab::TcpConnection> connections;
  std::vector<std::string> first;
  for (int i = 0; i < 200; ++i) {
    auto c = lab::TcpConnection::connect(web(), {.netns = netns});
    ASSERT_TRUE(c.has_value()) << "connection " << i << ": " << c.error().toString();
    auto reply = c->echo("before", milliseconds(2000));
    ASSERT_TRUE(reply.has_value()) << "connection " << i << ": " << reply.error().toString();
    first.push_back(reply->name);
    connections.push_back(std::move(*c));
  }
  auto p1c = lab().addPod("n1");
  ASSERT_TRUE(p1c.has_value()) << p1c.error().toString();
  ASSERT_TRUE(lab().startEcho(**p1c, {.port = kPort}));
  ASSERT_TRUE(dps_->attachPod(**p1c));
  ASSERT_TRUE(setWebBackends({"p1b", "p2a", "p2b", "p1c"}));

  int errors = 0;
  for (std::size_t i = 0; i < connections.size(); ++i) {
    auto reply = connections[i].echo("after", milliseconds(2000));
    if (!reply) {
      ++errors;
      ADD_FAILURE() << "connection " << i << ": " << reply.error().toString();
      continue;
    }
    EXPECT_EQ(reply->name, first[i]) << "connection " << i << " changed backend";
  }
  EXPECT_EQ(errors, 0);
  // New connections do reach the new backend.
  std::set<std::string> seen;
  for (int i = 0; i < 60 && !seen.contains("p1c"); ++i) {
    auto reply = lab::tcpEcho(web(), {.netns = netns, .reset_on_close = true});
    ASSERT_TRUE(reply.has_value()) << reply.error().toString();
    seen.insert(reply->name);
  }
  EXPECT_TRUE(seen.contains("p1c")) << ::testing::PrintToString(seen);
}

TEST_F(ClusterIpLab, UdpFromAFixedPortReachesANewBackendWithinOneSecondOfARemoval) {
  const lab::ProbeOptions options{
      .netns = lab().pod("p1a").netns, .source_port = 47000, .timeout = milliseconds(300)};
  auto before = lab::udpEcho(web(), options);
  ASSERT_TRUE(before.has_value()) << before.error().toString();
  std::vector<std::string> rest;
  for (const char* pod : {"p1b", "p2a", "p2b"}) {
    if (before->name != pod) rest.emplace_back(pod);
  }
  ASSERT_TRUE(setWebBackends(rest));
  const auto removed_at = lab::Clock::now();
  std::string now_answering;
  while (lab::Clock::now() - removed_at < std::chrono::seconds(3)) {
    auto reply = lab::udpEcho(web(), options);
    if (reply && reply->name != before->name) {
      now_answering = reply->name;
      break;
    }
  }
  const auto took =
      std::chrono::duration_cast<milliseconds>(lab::Clock::now() - removed_at).count();
  ASSERT_FALSE(now_answering.empty()) << "still " << before->name << " after " << took << " ms";
  EXPECT_LT(took, 1000) << "the UDP flow took " << took << " ms to move";
  // And it stays on its new backend.
  auto again = lab::udpEcho(web(), options);
  ASSERT_TRUE(again.has_value()) << again.error().toString();
  EXPECT_EQ(again->name, now_answering);
}

TEST_F(ClusterIpLab, ServiceWithoutBackendsRefusesAtOnce) {
  const SocketAddress empty{.address = ip("10.96.0.20"), .port = 80};
  const std::string netns = lab().pod("p1a").netns;
  for (int i = 0; i < 5; ++i) {
    const auto start = lab::Clock::now();
    auto reply = lab::tcpEcho(empty, {.netns = netns, .timeout = milliseconds(2000)});
    const auto took = std::chrono::duration_cast<milliseconds>(lab::Clock::now() - start).count();
    ASSERT_FALSE(reply.has_value()) << "answered by " << reply->name;
    EXPECT_EQ(lab::classifyFailure(reply.error()), lab::FailureKind::kRefused)
        << reply.error().toString();
    EXPECT_LT(took, 100) << "TCP connect to a service without backends took " << took << " ms";
  }
  auto udp = lab::udpEcho(empty, {.netns = netns, .timeout = milliseconds(2000)});
  ASSERT_FALSE(udp.has_value());
  EXPECT_EQ(lab::classifyFailure(udp.error()), lab::FailureKind::kRefused)
      << udp.error().toString();
  auto counters = dps_->node("n1").counters();
  ASSERT_TRUE(counters.has_value());
  EXPECT_GE(counters->drops[SLUICE_DROP_NO_BACKEND], 6U);
}

// The socket path: with the packet path taken off the client's veth, only the cgroup hooks can
// translate. A client process in the hooked cgroup reaches the backends (TCP and UDP, both
// families) and they see its own address; the same client outside that cgroup gets nowhere.
TEST_F(ClusterIpLab, SocketHooksOnThePodCgroupTranslateWithoutThePacketPath) {
  const lab::PodInfo& p1a = lab().pod("p1a");
  ebpf::EbpfDataplane& n1 = dps_->node("n1");
  ASSERT_TRUE(lab::runInNetns(lab().node("n1").netns, [&]() -> base::Status {
    return n1.detachPodInterface(static_cast<int>(if_nametoindex(p1a.node_interface.c_str())));
  }));
  auto cgroup = lab().createCgroup("p1a");
  ASSERT_TRUE(cgroup.has_value()) << cgroup.error().toString();
  ASSERT_TRUE(n1.attachCgroup((*cgroup)->path()));
  auto echo = lab::echoBinaryPath();
  ASSERT_TRUE(echo.has_value()) << echo.error().toString();

  const std::set<std::string> backends = {"p1b", "p2a", "p2b"};
  for (const IpFamily family : {IpFamily::kIpv4, IpFamily::kIpv6}) {
    for (const char* proto : {"--tcp", "--udp"}) {
      const std::string what = std::string(proto) + " " + std::string(lab::ipFamilyName(family));
      auto client = lab().spawn(
          p1a.netns, {*echo, "client", proto, "--to", web(family).toString(), "--count", "30"},
          {.cgroup = (*cgroup)->path(), .name = "client", .capture_stderr = true});
      ASSERT_TRUE(client.has_value()) << client.error().toString();
      auto status = (*client)->waitExit(lab::deadlineAfter(std::chrono::seconds(20)));
      ASSERT_TRUE(status.has_value()) << what << ": " << status.error().toString();
      ASSERT_TRUE(status->success()) << what << ": " << (*client)->errorOutput();
      std::istringstream lines((*client)->output());
      std::set<std::string> seen;
      for (std::string line; std::getline(lines, line);) {
        auto reply = lab::parseEchoReply(line);
        ASSERT_TRUE(reply.has_value()) << what << ": " << line;
        seen.insert(reply->name);
        EXPECT_EQ(reply->peer.address, p1a.address(family)) << what;
      }
      EXPECT_FALSE(seen.empty()) << what;
      for (const auto& name : seen) EXPECT_TRUE(backends.contains(name)) << what << ": " << name;
      if (std::string(proto) == "--tcp") {
        EXPECT_GE(seen.size(), 2U) << what << ": 30 connections all went to one backend";
      }
    }
  }
  auto outside = lab::tcpEcho(web(), {.netns = p1a.netns, .timeout = milliseconds(300)});
  EXPECT_FALSE(outside.has_value()) << "reached " << outside->name << " without any hook";
}

// A restarted agent opens the pinned state again and re-applies the same services: traffic on
// established connections and new connections goes on throughout, without a single reset.
TEST_F(ClusterIpLab, ReopeningTheDataplaneUnderTrafficResetsNothing) {
  const std::string netns = lab().pod("p1a").netns;
  std::vector<lab::TcpConnection> connections;
  for (int i = 0; i < 50; ++i) {
    auto c = lab::TcpConnection::connect(web(), {.netns = netns});
    ASSERT_TRUE(c.has_value()) << c.error().toString();
    connections.push_back(std::move(*c));
  }
  ASSERT_TRUE(dps_->reopen());
  ASSERT_TRUE(setWebBackends({"p1b", "p2a", "p2b"}));
  for (auto& c : connections) {
    auto reply = c.echo("after restart", milliseconds(2000));
    EXPECT_TRUE(reply.has_value()) << reply.error().toString();
  }
  auto fresh = lab::tcpEcho(web(), {.netns = netns});
  EXPECT_TRUE(fresh.has_value()) << fresh.error().toString();
}

}  // namespace
}  // namespace sluice::testing
