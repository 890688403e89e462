// The lab's address plan (LAB.md), checked without building anything.
#include "sluice/lab/topology.h"

#include <gtest/gtest.h>

namespace sluice::lab {
namespace {

NodeInfo node(int index) {
  auto planned = planNode("sl1-", index);
  EXPECT_TRUE(planned.has_value()) << planned.error().toString();
  return planned.value();  // throws (failing the test) when it was not planned
}

TEST(LabTopologyPlan, NodeAddressesFollowItsIndex) {
  const NodeInfo n2 = node(2);
  EXPECT_EQ(n2.name, "n2");
  EXPECT_EQ(n2.netns, "sl1-n2");
  EXPECT_EQ(n2.external_interface, "eth0");
  EXPECT_EQ(n2.fabric_port, "n2");
  EXPECT_EQ(n2.ipv4.to_string(), "192.168.50.2");
  EXPECT_EQ(n2.ipv6.to_string(), "fd00:50::2");
  EXPECT_EQ(n2.pod_cidr_v4.toString(), "10.244.2.0/24");
  EXPECT_EQ(n2.pod_cidr_v6.toString(), "fd00:244:2::/64");
  EXPECT_EQ(n2.address(IpFamily::kIpv6), n2.ipv6);
  EXPECT_EQ(n2.podCidr(IpFamily::kIpv4), n2.pod_cidr_v4);
}

TEST(LabTopologyPlan, IndicesAreWrittenInDecimalInIpv6Too) {
  const NodeInfo n12 = node(12);
  EXPECT_EQ(n12.ipv6.to_string(), "fd00:50::12");
  EXPECT_EQ(n12.pod_cidr_v6.toString(), "fd00:244:12::/64");
}

TEST(LabTopologyPlan, PodAddressesAreInsideItsNodesCidrs) {
  const NodeInfo n2 = node(2);
  auto pod = planPod("sl1-", n2, 1);
  ASSERT_TRUE(pod.has_value()) << pod.error().toString();
  EXPECT_EQ(pod->name, "p2b");
  EXPECT_EQ(pod->netns, "sl1-p2b");
  EXPECT_EQ(pod->node, "n2");
  EXPECT_EQ(pod->node_interface, "p2b");
  EXPECT_EQ(pod->interface, "eth0");
  EXPECT_EQ(pod->ipv4.to_string(), "10.244.2.3");
  EXPECT_EQ(pod->ipv6.to_string(), "fd00:244:2::3");
  EXPECT_EQ(pod->gateway_v4.to_string(), "10.244.2.1");
  EXPECT_EQ(pod->gateway_v6.to_string(), "fe80::1");
  EXPECT_TRUE(n2.pod_cidr_v4.contains(pod->ipv4));
  EXPECT_TRUE(n2.pod_cidr_v6.contains(pod->ipv6));
}

TEST(LabTopologyPlan, ExtAndNodesShareTheFabric) {
  auto fabric = planFabric("sl1-");
  auto ext = planExternal("sl1-");
  ASSERT_TRUE(fabric.has_value() && ext.has_value());
  EXPECT_EQ(fabric->netns, "sl1-fab");
  EXPECT_EQ(fabric->bridge, "br0");
  EXPECT_EQ(ext->netns, "sl1-ext");
  EXPECT_EQ(ext->ipv4.to_string(), "192.168.50.100");
  EXPECT_EQ(ext->ipv6.to_string(), "fd00:50::100");
  for (const auto& address : {ext->ipv4, node(1).ipv4, node(kMaxNodes).ipv4}) {
    EXPECT_TRUE(fabric->subnet_v4.contains(address)) << address.to_string();
  }
  for (const auto& address : {ext->ipv6, node(1).ipv6, node(kMaxNodes).ipv6}) {
    EXPECT_TRUE(fabric->subnet_v6.contains(address)) << address.to_string();
  }
}

TEST(LabTopologyPlan, LimitsAreEnforcedWithReasons) {
  EXPECT_TRUE(validateLabOptions({}).has_value());
  EXPECT_FALSE(validateLabOptions({.nodes = 0}).has_value());
  EXPECT_FALSE(validateLabOptions({.nodes = kMaxNodes + 1}).has_value());
  EXPECT_FALSE(validateLabOptions({.pods_per_node = -1}).has_value());
  auto too_many = validateLabOptions({.pods_per_node = kMaxPodsPerNode + 1});
  ASSERT_FALSE(too_many.has_value());
  EXPECT_NE(too_many.error().message().find("a..z"), std::string::npos);
  EXPECT_FALSE(planNode("sl1-", 0).has_value());
  EXPECT_FALSE(planPod("sl1-", node(1), kMaxPodsPerNode).has_value());
  EXPECT_TRUE(planPod("sl1-", node(1), kMaxPodsPerNode - 1).has_value());
}

}  // namespace
}  // namespace sluice::lab
