// The lab's acceptance test: the standard topology carries real TCP and UDP, IPv4 and IPv6, from
// the external client to pods on both nodes and between pods across nodes, by plain routing —
// each backend sees the client's own address (no NAT anywhere yet).
#include <gtest/gtest.h>

#include <string>

#include "sluice/lab/lab_test.h"
#include "sluice/lab/sysctl.h"
#include "sluice/lab/tcp_client.h"
#include "sluice/lab/udp_client.h"

namespace sluice::lab {
namespace {

constexpr std::uint16_t kPort = 8080;

enum class Proto { kTcp, kUdp };

base::Result<EchoReply> probe(Proto proto, const SocketAddress& server,
                              const ProbeOptions& options) {
  return proto == Proto::kTcp ? tcpEcho(server, options) : udpEcho(server, options);
}

class LabSmoke : public LabTest {};

// Sends one probe per protocol and family from `from_netns` to `pod`, and checks who answered
// and which source address it saw.
void expectReachable(const PodInfo& pod, const std::string& from_netns,
                     const base::IpAddress& source_v4, const base::IpAddress& source_v6) {
  for (const Proto proto : {Proto::kTcp, Proto::kUdp}) {
    for (const IpFamily family : {IpFamily::kIpv4, IpFamily::kIpv6}) {
      const std::string what = std::string(proto == Proto::kTcp ? "tcp" : "udp") + " " +
                               std::string(ipFamilyName(family)) + " " + from_netns + " → " +
                               pod.name;
      const SocketAddress server{.address = pod.address(family), .port = kPort};
      auto reply = probe(proto, server, {.netns = from_netns, .message = what});
      ASSERT_TRUE(reply.has_value()) << what << ": " << reply.error().toString();
      EXPECT_EQ(reply->name, pod.name) << what;
      EXPECT_EQ(reply->proto, proto == Proto::kTcp ? "tcp" : "udp") << what;
      EXPECT_EQ(reply->peer.address, family == IpFamily::kIpv4 ? source_v4 : source_v6)
          << what << ": the pod saw another source address (NAT?)";
      EXPECT_EQ(reply->local, server) << what;
      EXPECT_EQ(reply->echo, what);
    }
  }
}

TEST_F(LabSmoke, ExtReachesPodsOnBothNodesByPlainRouting) {
  ASSERT_TRUE(lab().startEchoInAllPods({.port = kPort}));
  const HostInfo& ext = lab().ext();
  for (const char* pod : {"p1a", "p1b", "p2a", "p2b"}) {
    expectReachable(lab().pod(pod), ext.netns, ext.ipv4, ext.ipv6);
  }
}

TEST_F(LabSmoke, PodsReachPodsAcrossNodes) {
  ASSERT_TRUE(lab().startEchoInAllPods({.port = kPort}));
  const PodInfo& p1a = lab().pod("p1a");
  const PodInfo& p2b = lab().pod("p2b");
  expectReachable(p2b, p1a.netns, p1a.ipv4, p1a.ipv6);
  expectReachable(p1a, p2b.netns, p2b.ipv4, p2b.ipv6);
  // And within a node, through the node's routes to its own pods.
  expectReachable(lab().pod("p1b"), p1a.netns, p1a.ipv4, p1a.ipv6);
}

TEST_F(LabSmoke, ModelMatchesTheStandardTopology) {
  ASSERT_EQ(lab().nodes().size(), 2U);
  ASSERT_EQ(lab().pods().size(), 4U);
  EXPECT_EQ(lab().ext().netns, lab().prefix() + "ext");
  EXPECT_EQ(lab().fabric().netns, lab().prefix() + "fab");
  EXPECT_EQ(lab().node("n2").netns, lab().prefix() + "n2");
  ASSERT_EQ(lab().podsOn("n2").size(), 2U);
  EXPECT_EQ(lab().podsOn("n2")[1]->name, "p2b");
  EXPECT_EQ(lab().findPod("p3a"), nullptr);
  EXPECT_EQ(lab().namespaces().size(), 8U);
}

// LAB.md rule 1: lab namespaces have no default route, so nothing can leave them.
TEST_F(LabSmoke, NoNamespaceHasADefaultRoute) {
  for (const std::string& netns : lab().namespaces()) {
    for (const char* family : {"-4", "-6"}) {
      auto routes = lab().run(netns, {"ip", family, "route", "show", "default"});
      ASSERT_TRUE(routes.has_value()) << routes.error().toString();
      EXPECT_EQ(routes->stdout_text, "") << netns << " has a default route (" << family << ")";
    }
  }
}

TEST_F(LabSmoke, NodesForwardAndPodsDoNot) {
  auto node_forwarding = readSysctl(lab().node("n1").netns, "net.ipv4.ip_forward");
  auto pod_forwarding = readSysctl(lab().pod("p1a").netns, "net.ipv4.ip_forward");
  ASSERT_TRUE(node_forwarding.has_value()) << node_forwarding.error().toString();
  ASSERT_TRUE(pod_forwarding.has_value()) << pod_forwarding.error().toString();
  EXPECT_EQ(*node_forwarding, "1");
  EXPECT_EQ(*pod_forwarding, "0");
}

TEST_F(LabSmoke, PodLinkMtuCanBeLowered) {
  const PodInfo& pod = lab().pod("p1a");
  const NodeInfo& node = lab().node(pod.node);
  ASSERT_TRUE(lab().setMtu(node.netns, pod.node_interface, 1280));
  auto link = lab().run(node.netns, {"ip", "-o", "link", "show", "dev", pod.node_interface});
  ASSERT_TRUE(link.has_value()) << link.error().toString();
  EXPECT_NE(link->stdout_text.find("mtu 1280"), std::string::npos) << link->stdout_text;
}

TEST_F(LabSmoke, IpErrorsNameTheCommandAndWhatIpSaid) {
  const std::string& netns = lab().node("n1").netns;
  auto failed = lab().ip(netns, "route add 10.244.9.0/24 via 192.168.77.1 dev eth0");
  ASSERT_FALSE(failed.has_value());
  EXPECT_NE(failed.error().message().find("ip -n " + netns +
                                          " route add 10.244.9.0/24 via 192.168.77.1 dev eth0: "),
            std::string::npos)
      << failed.error().message();
}

TEST_F(LabSmoke, RefusesNamespacesItDoesNotOwn) {
  auto refused = lab().ip("sluice-not-a-lab-netns", "link set lo up");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), base::Errc::kInvalidArgument);
  auto not_run = lab().run("sluice-not-a-lab-netns", {"true"});
  EXPECT_FALSE(not_run.has_value());
}

}  // namespace
}  // namespace sluice::lab
