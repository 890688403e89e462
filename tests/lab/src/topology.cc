#include "sluice/lab/topology.h"

#include <string>

namespace sluice::lab {

namespace {

// The plan only builds addresses from numbers it has validated, so a parse failure is a bug here.
base::Result<base::IpAddress> address(const std::string& text) {
  auto parsed = base::parseIpAddress(text);
  if (!parsed) return base::fail(std::move(parsed.error()).withContext("lab address plan"));
  return parsed;
}

base::Result<base::IpPrefix> prefix(const std::string& text) {
  auto parsed = base::IpPrefix::parse(text);
  if (!parsed) return base::fail(std::move(parsed.error()).withContext("lab address plan"));
  return parsed;
}

}  // namespace

std::string_view ipFamilyName(IpFamily family) noexcept {
  return family == IpFamily::kIpv4 ? "IPv4" : "IPv6";
}

base::Status validateLabOptions(const LabOptions& options) {
  if (options.nodes < 1 || options.nodes > kMaxNodes) {
    return base::fail(base::Errc::kOutOfRange,
                      "lab options: nodes = " + std::to_string(options.nodes) + "; use 1.." +
                          std::to_string(kMaxNodes));
  }
  if (options.pods_per_node < 0 || options.pods_per_node > kMaxPodsPerNode) {
    return base::fail(base::Errc::kOutOfRange,
                      "lab options: pods_per_node = " + std::to_string(options.pods_per_node) +
                          "; use 0.." + std::to_string(kMaxPodsPerNode) + " (pod letters a..z)");
  }
  return {};
}

base::Result<FabricInfo> planFabric(std::string_view lab_prefix) {
  auto subnet_v4 = prefix("192.168.50.0/24");
  auto subnet_v6 = prefix("fd00:50::/64");
  if (!subnet_v4) return base::fail(std::move(subnet_v4.error()));
  if (!subnet_v6) return base::fail(std::move(subnet_v6.error()));
  return FabricInfo{
      .netns = std::string(lab_prefix) + "fab", .subnet_v4 = *subnet_v4, .subnet_v6 = *subnet_v6};
}

base::Result<HostInfo> planExternal(std::string_view lab_prefix) {
  auto ipv4 = address("192.168.50.100");
  auto ipv6 = address("fd00:50::100");
  if (!ipv4) return base::fail(std::move(ipv4.error()));
  if (!ipv6) return base::fail(std::move(ipv6.error()));
  return HostInfo{.name = "ext",
                  .netns = std::string(lab_prefix) + "ext",
                  .fabric_port = "ext",
                  .ipv4 = *ipv4,
                  .ipv6 = *ipv6};
}

base::Result<NodeInfo> planNode(std::string_view lab_prefix, int index) {
  if (index < 1 || index > kMaxNodes) {
    return base::fail(base::Errc::kOutOfRange, "node index " + std::to_string(index) +
                                                   " is outside 1.." + std::to_string(kMaxNodes));
  }
  const std::string i = std::to_string(index);
  auto ipv4 = address("192.168.50." + i);
  auto ipv6 = address("fd00:50::" + i);
  auto cidr_v4 = prefix("10.244." + i + ".0/24");
  auto cidr_v6 = prefix("fd00:244:" + i + "::/64");
  if (!ipv4) return base::fail(std::move(ipv4.error()));
  if (!ipv6) return base::fail(std::move(ipv6.error()));
  if (!cidr_v4) return base::fail(std::move(cidr_v4.error()));
  if (!cidr_v6) return base::fail(std::move(cidr_v6.error()));
  return NodeInfo{.index = index,
                  .name = "n" + i,
                  .netns = std::string(lab_prefix) + "n" + i,
                  .fabric_port = "n" + i,
                  .ipv4 = *ipv4,
                  .ipv6 = *ipv6,
                  .pod_cidr_v4 = *cidr_v4,
                  .pod_cidr_v6 = *cidr_v6};
}

base::Result<PodInfo> planPod(std::string_view lab_prefix, const NodeInfo& node, int pod_number) {
  if (pod_number < 0 || pod_number >= kMaxPodsPerNode) {
    return base::fail(base::Errc::kOutOfRange, "node " + node.name + " already has " +
                                                   std::to_string(kMaxPodsPerNode) +
                                                   " pods (pod letters a..z)");
  }
  const std::string i = std::to_string(node.index);
  const std::string host = std::to_string(pod_number + 2);
  const std::string name = "p" + i + static_cast<char>('a' + pod_number);
  auto ipv4 = address("10.244." + i + "." + host);
  auto ipv6 = address("fd00:244:" + i + "::" + host);
  auto gateway_v4 = address("10.244." + i + ".1");
  auto gateway_v6 = address("fe80::1");
  if (!ipv4) return base::fail(std::move(ipv4.error()));
  if (!ipv6) return base::fail(std::move(ipv6.error()));
  if (!gateway_v4) return base::fail(std::move(gateway_v4.error()));
  if (!gateway_v6) return base::fail(std::move(gateway_v6.error()));
  return PodInfo{.name = name,
                 .netns = std::string(lab_prefix) + name,
                 .node = node.name,
                 .node_index = node.index,
                 .node_interface = name,
                 .ipv4 = *ipv4,
                 .ipv6 = *ipv6,
                 .gateway_v4 = *gateway_v4,
                 .gateway_v6 = *gateway_v6};
}

}  // namespace sluice::lab
