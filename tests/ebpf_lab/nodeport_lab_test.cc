// NodePort, LoadBalancer and externalIPs with real traffic: the external client reaches services
// on node n1's address through the fabric; n1's XDP program (and tc on its way out) takes them to
// a backend on n1 or on n2. What a user checks: who answered, which client address it saw, and
// that sources outside loadBalancerSourceRanges get nothing.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>
#include <string>

#include "node_dataplanes.h"
#include "sluice/lab/lab_test.h"
#include "sluice/lab/tcp_client.h"
#include "sluice/lab/udp_client.h"

namespace sluice::testing {
namespace {

using dataplane::Frontend;
using dataplane::FrontendKind;
using dataplane::Protocol;
using lab::IpFamily;
using lab::SocketAddress;
using std::chrono::milliseconds;

constexpr std::uint16_t kPort = 8080;
constexpr std::uint16_t kNodePortLocal = 30080;   // → p1b (on n1)
constexpr std::uint16_t kNodePortRemote = 30081;  // → p2a (on n2)

base::IpAddress ip(const char* text) { return base::parseIpAddress(text).value(); }

class NodePortLab : public lab::LabTest {
 protected:
  void SetUp() override {
    LabTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    for (const char* pod : {"p1b", "p2a", "p2b"}) {
      ASSERT_TRUE(lab().startEcho(lab().pod(pod), {.port = kPort}));
    }
    auto dps = NodeDataplanes::create(lab());
    ASSERT_TRUE(dps.has_value()) << dps.error().toString();
    dps_ = std::move(*dps);
    // LoadBalancer IPs are routed to n1, as an announcement would (not this test's subject).
    for (const char* vip : {"192.168.60.10", "192.168.60.11"}) {
      ASSERT_TRUE(lab().ip(lab().ext().netns, std::string("route add ") + vip + "/32 via " +
                                                  lab().node("n1").ipv4.to_string()));
    }
    ServiceId next = 1;
    for (const IpFamily family : {IpFamily::kIpv4, IpFamily::kIpv6}) {
      const base::IpAddress& n1 =
          family == IpFamily::kIpv4 ? lab().node("n1").ipv4 : lab().node("n1").ipv6;
      ASSERT_TRUE(expose(next++, n1, kNodePortLocal, {"p1b"}, family));
      ASSERT_TRUE(expose(next++, n1, kNodePortRemote, {"p2a"}, family));
    }
  }

  using ServiceId = dataplane::ServiceId;

  base::Status expose(ServiceId id, const base::IpAddress& address, std::uint16_t port,
                      const std::vector<std::string>& pods, IpFamily family,
                      FrontendKind kind = FrontendKind::kNodePort, bool local_only = false,
                      std::vector<base::IpPrefix> ranges = {}) {
    std::vector<dataplane::Backend> backends;
    for (const auto& pod : pods) {
      backends.push_back({.address = lab().pod(pod).address(family), .port = kPort});
    }
    if (auto ok = dps_->setBackends(id, backends, local_only); !ok) return ok;
    for (const Protocol protocol : {Protocol::kTcp, Protocol::kUdp}) {
      if (auto ok =
              dps_->upsertFrontend({.key = {.address = address, .port = port, .protocol = protocol},
                                    .service = id,
                                    .kind = kind,
                                    .local_only = local_only,
                                    .source_ranges = ranges});
          !ok) {
        return ok;
      }
    }
    return {};
  }

  std::unique_ptr<NodeDataplanes> dps_;
};

// Direct server return: n1 hands the client's packet to n2 in IPIP instead of source-NATing it;
// the backend on n2 sees the client's own address (under externalTrafficPolicy=Cluster) and its
// answer goes from n2 straight to the client, with the LoadBalancer IP as source.
TEST_F(NodePortLab, DsrShowsTheClientToARemoteBackendWhichAnswersDirectly) {
  std::vector<dataplane::Backend> backends = {{.address = lab().pod("p2a").ipv4, .port = kPort}};
  ASSERT_TRUE(dps_->setBackends(14, backends));
  for (const Protocol protocol : {Protocol::kTcp, Protocol::kUdp}) {
    ASSERT_TRUE(dps_->upsertFrontend(
        {.key = {.address = ip("192.168.60.11"), .port = 80, .protocol = protocol},
         .service = 14,
         .kind = FrontendKind::kLoadBalancer,
         .dsr = true}));
  }
  const SocketAddress vip{.address = ip("192.168.60.11"), .port = 80};
  for (const bool tcp : {true, false}) {
    for (int i = 0; i < 3; ++i) {
      const lab::ProbeOptions options{.netns = lab().ext().netns, .reset_on_close = true};
      auto reply = tcp ? lab::tcpEcho(vip, options) : lab::udpEcho(vip, options);
      ASSERT_TRUE(reply.has_value()) << (tcp ? "tcp: " : "udp: ") << reply.error().toString();
      EXPECT_EQ(reply->name, "p2a");
      EXPECT_EQ(reply->peer.address, lab().ext().ipv4) << "DSR keeps the client's address";
    }
  }
  // n2 answered: the replies left through n2's external path, not n1's.
  auto n2 = dps_->node("n2").counters();
  ASSERT_TRUE(n2.has_value());
  EXPECT_GT(n2->services[14].packets, 0U) << "n2 translated the backend's answers";
}

TEST_F(NodePortLab, NodePortReachesALocalAndARemoteBackendOverTcpAndUdp) {
  const lab::HostInfo& ext = lab().ext();
  for (const IpFamily family : {IpFamily::kIpv4, IpFamily::kIpv6}) {
    const base::IpAddress& n1 =
        family == IpFamily::kIpv4 ? lab().node("n1").ipv4 : lab().node("n1").ipv6;
    for (const bool tcp : {true, false}) {
      for (const auto& [port, pod] :
           {std::pair{kNodePortLocal, "p1b"}, std::pair{kNodePortRemote, "p2a"}}) {
        const SocketAddress target{.address = n1, .port = port};
        const std::string what = std::string(tcp ? "tcp " : "udp ") + target.toString();
        for (int i = 0; i < 3; ++i) {
          const lab::ProbeOptions options{.netns = ext.netns, .reset_on_close = true};
          auto reply = tcp ? lab::tcpEcho(target, options) : lab::udpEcho(target, options);
          ASSERT_TRUE(reply.has_value()) << what << ": " << reply.error().toString();
          EXPECT_EQ(reply->name, pod) << what;
          if (std::string(pod) == "p1b") {
            EXPECT_EQ(reply->peer.address, ext.address(family))
                << what << ": a local backend sees the client itself";
          } else {
            EXPECT_EQ(reply->peer.address, n1)
                << what << ": a remote backend sees the node (SNAT, ETP=Cluster)";
          }
        }
      }
    }
  }
  auto counters = dps_->node("n1").counters();
  ASSERT_TRUE(counters.has_value());
  std::uint64_t connections = 0;
  for (const auto& [id, c] : counters->services) connections += c.new_connections;
  EXPECT_GE(connections, 24U);
}

// IPv4 datagrams a node's kernel has forwarded (ForwDatagrams of /proc/net/snmp).
std::uint64_t forwardedBy(const lab::Lab& lab, const std::string& netns) {
  auto snmp = lab.run(netns, {"cat", "/proc/net/snmp"});
  if (!snmp) return 0;
  // Two "Ip:" lines: names, then values; ForwDatagrams is the 6th value.
  std::istringstream lines(snmp->stdout_text);
  std::string names;
  std::string values;
  std::getline(lines, names);
  std::getline(lines, values);
  std::istringstream fields(values);
  std::string field;
  for (int i = 0; i <= 6 && fields >> field; ++i) {
    if (i == 6) return std::stoull(field);
  }
  return 0;
}

// Once n1 knows its neighbours, external flows never pass n1's IP stack: to a remote backend XDP
// translates both ways and sends the frames back out itself (XDP_TX); to n1's own pod tc
// redirects them straight into the pod's namespace.
TEST_F(NodePortLab, ExternalFlowsBypassTheNodesStackOnceItsNeighboursAreKnown) {
  const std::string ext = lab().ext().netns;
  for (const auto& [port, pod] :
       {std::pair{kNodePortRemote, "p2a"}, std::pair{kNodePortLocal, "p1b"}}) {
    const SocketAddress target{.address = lab().node("n1").ipv4, .port = port};
    for (int i = 0; i < 3; ++i) {  // warm-up: neighbours of n1 (ext, n2, its pod)
      ASSERT_TRUE(lab::tcpEcho(target, {.netns = ext, .reset_on_close = true}));
    }
    const std::uint64_t before = forwardedBy(lab(), lab().node("n1").netns);
    for (int i = 0; i < 20; ++i) {
      auto reply = lab::tcpEcho(target, {.netns = ext, .reset_on_close = true});
      ASSERT_TRUE(reply.has_value()) << reply.error().toString();
      EXPECT_EQ(reply->name, pod);
    }
    EXPECT_EQ(forwardedBy(lab(), lab().node("n1").netns), before)
        << pod << ": n1's kernel forwarded packets of flows the data plane should have sent";
  }
  // The control: plain routing from ext to a pod goes through n1's kernel, and is counted.
  const std::uint64_t before = forwardedBy(lab(), lab().node("n1").netns);
  ASSERT_TRUE(lab::tcpEcho({.address = lab().pod("p1b").ipv4, .port = kPort},
                           {.netns = ext, .reset_on_close = true}));
  EXPECT_GT(forwardedBy(lab(), lab().node("n1").netns), before);
}

TEST_F(NodePortLab, ClientsSharingASourcePortBothGetThrough) {
  const lab::HostInfo& ext = lab().ext();
  ASSERT_TRUE(lab().ip(ext.netns, "addr add 192.168.50.101/24 dev " + ext.interface));
  const SocketAddress target{.address = lab().node("n1").ipv4, .port = kNodePortRemote};
  for (const char* source : {"192.168.50.100", "192.168.50.101"}) {
    auto reply = lab::udpEcho(
        target, {.netns = ext.netns, .source_address = ip(source), .source_port = 45000});
    ASSERT_TRUE(reply.has_value()) << source << ": " << reply.error().toString();
    EXPECT_EQ(reply->name, "p2a");
  }
}

TEST_F(NodePortLab, LoadBalancerWithLocalPolicyShowsTheClientsAddress) {
  ASSERT_TRUE(expose(10, ip("192.168.60.10"), 80, {"p1b", "p2a", "p2b"}, IpFamily::kIpv4,
                     FrontendKind::kLoadBalancer, /*local_only=*/true));
  for (int i = 0; i < 10; ++i) {
    auto reply = lab::tcpEcho({.address = ip("192.168.60.10"), .port = 80},
                              {.netns = lab().ext().netns, .reset_on_close = true});
    ASSERT_TRUE(reply.has_value()) << reply.error().toString();
    EXPECT_EQ(reply->name, "p1b") << "only n1's own backend serves what reaches n1";
    EXPECT_EQ(reply->peer.address, lab().ext().ipv4);
  }
}

TEST_F(NodePortLab, SourceRangesLetListedClientsInAndDropOthers) {
  ASSERT_TRUE(expose(11, ip("192.168.60.10"), 80, {"p1b"}, IpFamily::kIpv4,
                     FrontendKind::kLoadBalancer, false,
                     {base::IpPrefix::parse("192.168.50.96/28").value()}));
  ASSERT_TRUE(expose(12, ip("192.168.60.11"), 80, {"p1b"}, IpFamily::kIpv4,
                     FrontendKind::kLoadBalancer, false,
                     {base::IpPrefix::parse("10.0.0.0/8").value()}));
  const std::string ext = lab().ext().netns;
  auto allowed = lab::tcpEcho({.address = ip("192.168.60.10"), .port = 80}, {.netns = ext});
  ASSERT_TRUE(allowed.has_value()) << allowed.error().toString();
  EXPECT_EQ(allowed->name, "p1b");
  const std::uint64_t before = dps_->node("n1").counters()->drops[SLUICE_DROP_SOURCE_RANGE];
  auto denied = lab::tcpEcho({.address = ip("192.168.60.11"), .port = 80},
                             {.netns = ext, .timeout = milliseconds(500)});
  EXPECT_FALSE(denied.has_value()) << "answered by " << denied->name;
  EXPECT_GT(dps_->node("n1").counters()->drops[SLUICE_DROP_SOURCE_RANGE], before);
}

TEST_F(NodePortLab, PingToALoadBalancerIpIsAnswered) {
  ASSERT_TRUE(
      expose(13, ip("192.168.60.10"), 80, {"p1b"}, IpFamily::kIpv4, FrontendKind::kLoadBalancer));
  auto ping =
      lab().run(lab().ext().netns, {"ping", "-c", "5", "-i", "0.2", "-W", "1", "192.168.60.10"});
  ASSERT_TRUE(ping.has_value()) << ping.error().toString();
  EXPECT_TRUE(ping->status.success()) << ping->stdout_text << ping->stderr_text;
  EXPECT_NE(ping->stdout_text.find("5 received"), std::string::npos) << ping->stdout_text;
}

// kube-proxy's CVE-2020-8558: with route_localnet=1, NodePorts answered on 127.0.0.1 and were
// reachable from neighbours. Sluice serves NodePorts on the external interface only and never
// touches route_localnet.
TEST_F(NodePortLab, NodePortsAreNotServedOnLoopback) {
  for (const lab::NodeInfo& node : lab().nodes()) {
    auto sysctl = lab().run(node.netns, {"cat", "/proc/sys/net/ipv4/conf/all/route_localnet"});
    ASSERT_TRUE(sysctl.has_value()) << sysctl.error().toString();
    EXPECT_EQ(sysctl->stdout_text, "0\n") << node.name;
  }
  auto reply = lab::tcpEcho({.address = ip("127.0.0.1"), .port = kNodePortLocal},
                            {.netns = lab().node("n1").netns, .timeout = milliseconds(500)});
  ASSERT_FALSE(reply.has_value()) << "127.0.0.1:" << kNodePortLocal << " answered by "
                                  << reply->name;
  EXPECT_EQ(lab::classifyFailure(reply.error()), lab::FailureKind::kRefused);
}

// Path MTU discovery through a NodePort: the backend's link has a lower MTU than the path to it,
// so n1 answers the client's full-size segments with "fragmentation needed" quoting the DNATed
// packet. Only if that quote is translated back (to n1's NodePort) does the client's socket
// learn the smaller MTU and the upload complete.
TEST_F(NodePortLab, AnUploadLargerThanTheBackendLinkMtuCompletes) {
  const lab::PodInfo& p1b = lab().pod("p1b");
  ASSERT_TRUE(lab().setMtu(lab().node("n1").netns, p1b.node_interface, 1280));
  const std::string upload(20000, 'x');
  auto reply =
      lab::tcpEcho({.address = lab().node("n1").ipv4, .port = kNodePortLocal},
                   {.netns = lab().ext().netns, .timeout = milliseconds(5000), .message = upload});
  ASSERT_TRUE(reply.has_value()) << reply.error().toString();
  EXPECT_EQ(reply->name, "p1b");
  EXPECT_EQ(reply->echo, "<20000 bytes>");
}

// The same through SNAT: the lower MTU is on n2's link to the remote backend, so n2 reports to
// n1 about the source-NATed packet (n1:port → p2a); n1 must hand it to the client in its terms.
TEST_F(NodePortLab, AnUploadThroughSnatPastALowerMtuOnTheRemoteNodeCompletes) {
  const lab::PodInfo& p2a = lab().pod("p2a");
  ASSERT_TRUE(lab().setMtu(lab().node("n2").netns, p2a.node_interface, 1280));
  const std::string upload(20000, 'y');
  auto reply =
      lab::tcpEcho({.address = lab().node("n1").ipv4, .port = kNodePortRemote},
                   {.netns = lab().ext().netns, .timeout = milliseconds(5000), .message = upload});
  ASSERT_TRUE(reply.has_value()) << reply.error().toString();
  EXPECT_EQ(reply->name, "p2a");
  EXPECT_EQ(reply->echo, "<20000 bytes>");
}

}  // namespace
}  // namespace sluice::testing
