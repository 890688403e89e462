#include "node_dataplanes.h"

#include <net/if.h>

#include <cerrno>

#include "sluice/lab/run_in_netns.h"

namespace sluice::testing {

base::Result<std::unique_ptr<NodeDataplanes>> NodeDataplanes::create(const lab::Lab& lab) {
  std::unique_ptr<NodeDataplanes> out(new NodeDataplanes(lab));
  auto fs = PrivateBpffs::create();
  if (!fs) return base::fail(std::move(fs.error()));
  out->bpffs_.emplace(std::move(*fs));
  for (const lab::NodeInfo& node : lab.nodes()) {
    auto dp = ebpf::EbpfDataplane::open(out->optionsFor(node.name));
    if (!dp) return base::fail(std::move(dp.error()));
    out->dataplanes_[node.name] = std::move(*dp);
  }
  for (const lab::PodInfo& pod : lab.pods()) {
    if (auto ok = out->attachPod(pod); !ok) return base::fail(std::move(ok.error()));
  }
  for (const lab::NodeInfo& node : lab.nodes()) {
    if (auto ok = out->attachExternal(node); !ok) return base::fail(std::move(ok.error()));
  }
  return out;
}

base::Status NodeDataplanes::attachPod(const lab::PodInfo& pod) {
  ebpf::EbpfDataplane& dp = node(pod.node);
  const std::string netns = lab_.node(pod.node).netns;
  return lab::runInNetns(netns, [&]() -> base::Status {
    const unsigned ifindex = if_nametoindex(pod.node_interface.c_str());
    if (ifindex == 0) {
      return base::failErrno("interface " + pod.node_interface + " in " + netns, errno);
    }
    return dp.attachPodInterface(static_cast<int>(ifindex));
  });
}

base::Status NodeDataplanes::attachExternal(const lab::NodeInfo& node) {
  ebpf::EbpfDataplane& dp = *dataplanes_.at(node.name);
  return lab::runInNetns(node.netns, [&]() -> base::Status {
    const unsigned ifindex = if_nametoindex(node.external_interface.c_str());
    if (ifindex == 0) {
      return base::failErrno("interface " + node.external_interface + " in " + node.netns, errno);
    }
    return dp.attachExternalInterface(static_cast<int>(ifindex));
  });
}

base::Status NodeDataplanes::upsertFrontend(const dataplane::Frontend& frontend) {
  for (auto& [name, dp] : dataplanes_) {
    if (auto ok = dp->upsertFrontend(frontend); !ok) return ok;
  }
  return {};
}

base::Status NodeDataplanes::setBackends(dataplane::ServiceId service,
                                         std::vector<dataplane::Backend> backends,
                                         bool local_only) {
  for (auto& [name, dp] : dataplanes_) {
    for (dataplane::Backend& backend : backends) {
      backend.node_local = false;
      for (const lab::PodInfo* pod : lab_.podsOn(name)) {
        if (pod->ipv4 == backend.address || pod->ipv6 == backend.address) backend.node_local = true;
      }
    }
    auto set = dataplane::buildServiceBackends(
        service, backends, {.maglev_size = kLabMaglevSize, .local_only = local_only});
    if (!set) return base::fail(std::move(set.error()));
    if (auto ok = dp->replaceBackends(*set); !ok) return ok;
  }
  return {};
}

base::Status NodeDataplanes::reopen() {
  for (auto& [name, dp] : dataplanes_) {
    dp.reset();
    auto reopened = ebpf::EbpfDataplane::open(optionsFor(name));
    if (!reopened) return base::fail(std::move(reopened.error()));
    dp = std::move(*reopened);
  }
  return {};
}

}  // namespace sluice::testing
