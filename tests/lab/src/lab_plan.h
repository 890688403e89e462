// How the lab model becomes kernel state: the `ip` commands and sysctls for each part (fabric,
// ext, a node, a pod), grouped by namespace and by step so that the standard lab takes about a
// dozen `ip -batch` runs. Steps run in order, because commands in one namespace depend on links
// made from another (a veth is created from its node's side, configured from the pod's side):
//
//   namespaces  one `ip netns add` batch; then sysctls in each new namespace (before any link
//               exists, so new interfaces inherit "default": no DAD, no rp_filter)
//   links       bridge, veths (each created in one namespace with its peer put in the other),
//               node-side addresses
//   configure   bridge ports, pod-side addresses and routes
//   routes      node ↔ node, ext → nodes, node → pod
//
// Internal to the lab library.
#pragma once

#include <array>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "sluice/base/error.h"
#include "sluice/lab/ip_batch.h"
#include "sluice/lab/sysctl.h"
#include "sluice/lab/topology.h"

namespace sluice::lab::detail {

class BuildPlan {
 public:
  enum class Step : std::size_t { kLinks = 0, kConfigure = 1, kRoutes = 2 };

  void addNamespace(std::string netns, std::vector<Sysctl> sysctls);
  void ip(Step step, const std::string& netns, std::string command);

  [[nodiscard]] const std::vector<std::string>& newNamespaces() const noexcept {
    return namespaces_;
  }
  [[nodiscard]] base::Status run(std::chrono::milliseconds timeout) const;

 private:
  std::vector<std::string> namespaces_;
  std::vector<std::pair<std::string, std::vector<Sysctl>>> sysctls_;
  std::array<std::vector<IpBatch>, 3> steps_;
};

void planFabricBuild(BuildPlan& plan, const FabricInfo& fabric);
void planExternalBuild(BuildPlan& plan, const HostInfo& ext, const FabricInfo& fabric);
// The node, its fabric link, routes between it and each of `other_nodes` (both ways) and from
// ext to its pod CIDRs.
void planNodeBuild(BuildPlan& plan, const NodeInfo& node,
                   const std::vector<const NodeInfo*>& other_nodes, const HostInfo& ext,
                   const FabricInfo& fabric);
void planPodBuild(BuildPlan& plan, const PodInfo& pod, const NodeInfo& node);

}  // namespace sluice::lab::detail
