// The lab's model: which namespaces exist, with which interfaces and addresses — the facts tests
// read to aim traffic and to check what a backend saw. Plain data, computed (plan*) before
// anything is created, so the address plan is unit-tested without root. LAB.md, with N nodes:
//
//   fabric <prefix>fab     bridge br0 joining the fabric ports; 192.168.50.0/24, fd00:50::/64
//   ext    <prefix>ext     eth0 192.168.50.100/24, fd00:50::100/64; routes to each pod CIDR
//   node i <prefix>n<i>    eth0 192.168.50.i/24, fd00:50::i/64; forwarding on; pod CIDR
//                          10.244.i.0/24 + fd00:244:i::/64; /32 and /128 routes to its pods;
//                          routes to other nodes' pod CIDRs via their fabric addresses
//   pod k  <prefix>p<i><a+k>  eth0 10.244.i.(k+2)/32, fd00:244:i::(k+2)/128; routes for the lab
//                          ranges (no default route) via 10.244.i.1 / fe80::1, which sit on the
//                          node's end of the veth, named like the pod ("p1a")
//
// "i" and "k+2" are written in decimal in IPv6 addresses too (node 12 → fd00:244:12::), so the
// two families read alike.
#pragma once

#include <array>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/base/address.h"
#include "sluice/base/error.h"

namespace sluice::lab {

enum class IpFamily { kIpv4, kIpv6 };

[[nodiscard]] std::string_view ipFamilyName(IpFamily family) noexcept;  // "IPv4", "IPv6"

struct FabricInfo {
  std::string netns;  // <prefix>fab
  std::string bridge = "br0";
  base::IpPrefix subnet_v4;  // 192.168.50.0/24
  base::IpPrefix subnet_v6;  // fd00:50::/64
};

// A host on the fabric that is not a node: the external client "ext".
struct HostInfo {
  std::string name;   // "ext"
  std::string netns;  // <prefix>ext
  std::string interface = "eth0";
  std::string fabric_port;  // its veth end on br0, in the fabric namespace ("ext")
  base::IpAddress ipv4;
  base::IpAddress ipv6;

  [[nodiscard]] const base::IpAddress& address(IpFamily family) const noexcept {
    return family == IpFamily::kIpv4 ? ipv4 : ipv6;
  }
};

struct NodeInfo {
  int index = 0;                            // 1-based: n1, n2, ...
  std::string name;                         // "n1"
  std::string netns;                        // <prefix>n1
  std::string external_interface = "eth0";  // its fabric link: XDP for NodePort attaches here
  std::string fabric_port;                  // its veth end on br0, in the fabric namespace ("n1")
  base::IpAddress ipv4;                     // fabric address 192.168.50.<index>
  base::IpAddress ipv6;                     // fd00:50::<index>
  base::IpPrefix pod_cidr_v4;               // 10.244.<index>.0/24
  base::IpPrefix pod_cidr_v6;               // fd00:244:<index>::/64

  [[nodiscard]] const base::IpAddress& address(IpFamily family) const noexcept {
    return family == IpFamily::kIpv4 ? ipv4 : ipv6;
  }
  [[nodiscard]] const base::IpPrefix& podCidr(IpFamily family) const noexcept {
    return family == IpFamily::kIpv4 ? pod_cidr_v4 : pod_cidr_v6;
  }
};

struct PodInfo {
  std::string name;   // "p1a"
  std::string netns;  // <prefix>p1a
  std::string node;   // "n1"
  int node_index = 0;
  std::string interface = "eth0";
  std::string node_interface;  // the veth end in the node's namespace ("p1a"): tc attaches here
  base::IpAddress ipv4;        // 10.244.<node>.<k+2>
  base::IpAddress ipv6;        // fd00:244:<node>::<k+2>
  base::IpAddress gateway_v4;  // 10.244.<node>.1, on node_interface
  base::IpAddress gateway_v6;  // fe80::1, on node_interface

  [[nodiscard]] const base::IpAddress& address(IpFamily family) const noexcept {
    return family == IpFamily::kIpv4 ? ipv4 : ipv6;
  }
};

struct LabOptions {
  int nodes = 2;                   // 1..kMaxNodes
  int pods_per_node = 2;           // 0..kMaxPodsPerNode
  bool clean_stale = true;         // remove a crashed run's namespaces and cgroups first
  bool teardown_on_signal = true;  // SIGINT/SIGTERM/SIGHUP/SIGQUIT/SIGABRT tear the lab down
  std::chrono::milliseconds command_timeout{10000};  // per `ip` batch
};

inline constexpr int kMaxNodes = 99;        // ext is .100 on the fabric
inline constexpr int kMaxPodsPerNode = 26;  // pod letters a..z

// The ranges pods route towards their node (everything the lab uses; no default route). A real
// pod's default route covers Sluice's hairpin address (169.254.42.1; fd51:1ce::1 is in fd00::/8);
// here it is listed.
inline constexpr std::array<std::string_view, 5> kPodRoutedRangesV4 = {
    "10.244.0.0/16", "10.96.0.0/12", "192.168.50.0/24", "192.168.60.0/24", "169.254.42.1/32"};
inline constexpr std::array<std::string_view, 1> kPodRoutedRangesV6 = {"fd00::/8"};

[[nodiscard]] base::Status validateLabOptions(const LabOptions& options);

[[nodiscard]] base::Result<FabricInfo> planFabric(std::string_view prefix);
[[nodiscard]] base::Result<HostInfo> planExternal(std::string_view prefix);
// index: 1..kMaxNodes.
[[nodiscard]] base::Result<NodeInfo> planNode(std::string_view prefix, int index);
// pod_number: 0..kMaxPodsPerNode-1 (0 → "a").
[[nodiscard]] base::Result<PodInfo> planPod(std::string_view prefix, const NodeInfo& node,
                                            int pod_number);

}  // namespace sluice::lab
