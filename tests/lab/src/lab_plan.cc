#include "lab_plan.h"

#include <algorithm>

namespace sluice::lab::detail {

namespace {

using Step = BuildPlan::Step;

// Every lab namespace: IPv6 addresses usable at once (no duplicate address detection, also for
// link-local addresses the kernel adds), and no reverse-path filter (NAT tests send packets whose
// source has no route back the way they came).
std::vector<Sysctl> commonSysctls() {
  return {{"net.ipv6.conf.all.accept_dad", "0"},
          {"net.ipv6.conf.default.accept_dad", "0"},
          {"net.ipv4.conf.all.rp_filter", "0"},
          {"net.ipv4.conf.default.rp_filter", "0"}};
}

std::vector<Sysctl> nodeSysctls() {
  auto sysctls = commonSysctls();
  sysctls.push_back({"net.ipv4.ip_forward", "1"});
  sysctls.push_back({"net.ipv6.conf.all.forwarding", "1"});
  // A node forwards out of the interface a packet came in on (NodePort to a remote backend);
  // that is on purpose, so no ICMP redirects.
  sysctls.push_back({"net.ipv4.conf.all.send_redirects", "0"});
  sysctls.push_back({"net.ipv4.conf.default.send_redirects", "0"});
  return sysctls;
}

std::string text(const base::IpAddress& address) { return address.to_string(); }

// A fabric member's link: eth0 in its namespace, the peer on br0 in the fabric namespace.
void planFabricLink(BuildPlan& plan, const std::string& netns, const std::string& interface,
                    const std::string& fabric_port, const base::IpAddress& ipv4,
                    const base::IpAddress& ipv6, const FabricInfo& fabric) {
  plan.ip(Step::kLinks, netns, "link set lo up");
  plan.ip(
      Step::kLinks, netns,
      "link add " + interface + " type veth peer name " + fabric_port + " netns " + fabric.netns);
  plan.ip(Step::kLinks, netns,
          "addr add " + text(ipv4) + "/" + std::to_string(fabric.subnet_v4.length()) + " dev " +
              interface);
  plan.ip(Step::kLinks, netns,
          "addr add " + text(ipv6) + "/" + std::to_string(fabric.subnet_v6.length()) + " dev " +
              interface + " nodad");
  plan.ip(Step::kLinks, netns, "link set " + interface + " up");
  plan.ip(Step::kConfigure, fabric.netns, "link set " + fabric_port + " master " + fabric.bridge);
  plan.ip(Step::kConfigure, fabric.netns, "link set " + fabric_port + " up");
}

void routePodCidrsVia(BuildPlan& plan, const std::string& netns, const std::string& interface,
                      const NodeInfo& node) {
  plan.ip(
      Step::kRoutes, netns,
      "route add " + node.pod_cidr_v4.toString() + " via " + text(node.ipv4) + " dev " + interface);
  plan.ip(
      Step::kRoutes, netns,
      "route add " + node.pod_cidr_v6.toString() + " via " + text(node.ipv6) + " dev " + interface);
}

}  // namespace

void BuildPlan::addNamespace(std::string netns, std::vector<Sysctl> sysctls) {
  namespaces_.push_back(netns);
  sysctls_.emplace_back(std::move(netns), std::move(sysctls));
}

void BuildPlan::ip(Step step, const std::string& netns, std::string command) {
  auto& batches = steps_[static_cast<std::size_t>(step)];
  auto batch = std::find_if(batches.begin(), batches.end(),
                            [&](const IpBatch& candidate) { return candidate.netns() == netns; });
  if (batch == batches.end()) batch = batches.insert(batches.end(), IpBatch(netns));
  batch->add(std::move(command));
}

base::Status BuildPlan::run(std::chrono::milliseconds timeout) const {
  IpBatch create("");
  for (const std::string& netns : namespaces_) create.add("netns add " + netns);
  if (auto created = create.run(timeout); !created) return created;
  for (const auto& [netns, sysctls] : sysctls_) {
    if (auto written = writeSysctls(netns, sysctls); !written) return written;
  }
  for (const auto& batches : steps_) {
    for (const IpBatch& batch : batches) {
      if (auto ran = batch.run(timeout); !ran) return ran;
    }
  }
  return {};
}

void planFabricBuild(BuildPlan& plan, const FabricInfo& fabric) {
  plan.addNamespace(fabric.netns, commonSysctls());
  plan.ip(Step::kLinks, fabric.netns, "link set lo up");
  // No STP (ports forward at once) and no multicast snooping (it would need a querier before
  // IPv6 neighbour discovery is reliably flooded).
  plan.ip(Step::kLinks, fabric.netns,
          "link add " + fabric.bridge + " type bridge stp_state 0 mcast_snooping 0");
  plan.ip(Step::kLinks, fabric.netns, "link set " + fabric.bridge + " up");
}

void planExternalBuild(BuildPlan& plan, const HostInfo& ext, const FabricInfo& fabric) {
  plan.addNamespace(ext.netns, commonSysctls());
  planFabricLink(plan, ext.netns, ext.interface, ext.fabric_port, ext.ipv4, ext.ipv6, fabric);
}

void planNodeBuild(BuildPlan& plan, const NodeInfo& node,
                   const std::vector<const NodeInfo*>& other_nodes, const HostInfo& ext,
                   const FabricInfo& fabric) {
  plan.addNamespace(node.netns, nodeSysctls());
  planFabricLink(plan, node.netns, node.external_interface, node.fabric_port, node.ipv4, node.ipv6,
                 fabric);
  for (const NodeInfo* other : other_nodes) {
    routePodCidrsVia(plan, node.netns, node.external_interface, *other);
    routePodCidrsVia(plan, other->netns, other->external_interface, node);
  }
  routePodCidrsVia(plan, ext.netns, ext.interface, node);
}

void planPodBuild(BuildPlan& plan, const PodInfo& pod, const NodeInfo& node) {
  plan.addNamespace(pod.netns, commonSysctls());
  // Node side: the veth, named like the pod, holds the pods' gateway addresses.
  plan.ip(Step::kLinks, node.netns,
          "link add " + pod.node_interface + " type veth peer name " + pod.interface + " netns " +
              pod.netns);
  plan.ip(Step::kLinks, node.netns,
          "addr add " + text(pod.gateway_v4) + "/32 dev " + pod.node_interface);
  plan.ip(Step::kLinks, node.netns,
          "addr add " + text(pod.gateway_v6) + "/64 dev " + pod.node_interface + " nodad");
  plan.ip(Step::kLinks, node.netns, "link set " + pod.node_interface + " up");

  // Pod side: host addresses, a link route to the gateway, the lab ranges via it.
  plan.ip(Step::kConfigure, pod.netns, "link set lo up");
  plan.ip(Step::kConfigure, pod.netns, "addr add " + text(pod.ipv4) + "/32 dev " + pod.interface);
  plan.ip(Step::kConfigure, pod.netns,
          "addr add " + text(pod.ipv6) + "/128 dev " + pod.interface + " nodad");
  plan.ip(Step::kConfigure, pod.netns, "link set " + pod.interface + " up");
  plan.ip(Step::kConfigure, pod.netns,
          "route add " + text(pod.gateway_v4) + "/32 dev " + pod.interface + " scope link");
  for (const std::string_view range : kPodRoutedRangesV4) {
    plan.ip(Step::kConfigure, pod.netns,
            "route add " + std::string(range) + " via " + text(pod.gateway_v4) + " dev " +
                pod.interface);
  }
  for (const std::string_view range : kPodRoutedRangesV6) {
    plan.ip(Step::kConfigure, pod.netns,
            "route add " + std::string(range) + " via " + text(pod.gateway_v6) + " dev " +
                pod.interface);
  }

  // Node side, once the pod's end is up: host routes to the pod.
  plan.ip(Step::kRoutes, node.netns,
          "route add " + text(pod.ipv4) + "/32 dev " + pod.node_interface);
  plan.ip(Step::kRoutes, node.netns,
          "route add " + text(pod.ipv6) + "/128 dev " + pod.node_interface);
}

}  // namespace sluice::lab::detail
