// One eBPF data plane per lab node, as each node of a real cluster has its own: programs and
// maps pinned in a private bpffs (one pin directory per node), the tc pod path attached to every
// pod veth in the node's namespace, the external path (XDP + tc egress) on the node's fabric
// link, and the same services programmed on every node — each node marking the backends that
// run on it as local.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../ebpf/private_bpffs.h"
#include "sluice/dataplane/backend_set.h"
#include "sluice/ebpf/ebpf_dataplane.h"
#include "sluice/lab/lab.h"

namespace sluice::testing {

inline constexpr std::uint32_t kLabMaglevSize = 1021;

class NodeDataplanes {
 public:
  // Opens a data plane for every node of `lab` and attaches it to every pod there.
  [[nodiscard]] static base::Result<std::unique_ptr<NodeDataplanes>> create(const lab::Lab& lab);

  // On every node. A backend is local on the node whose pod has its address. local_only: new
  // flows go to local backends only (externalTrafficPolicy=Local).
  [[nodiscard]] base::Status upsertFrontend(const dataplane::Frontend& frontend);
  [[nodiscard]] base::Status setBackends(dataplane::ServiceId service,
                                         std::vector<dataplane::Backend> backends,
                                         bool local_only = false);
  // Attaches the tc path to a pod added after create().
  [[nodiscard]] base::Status attachPod(const lab::PodInfo& pod);
  [[nodiscard]] base::Status attachExternal(const lab::NodeInfo& node);
  // Drops the in-memory data plane of every node and opens it again from the pins: what a
  // restarted agent does. Attachments and maps are never touched in between.
  [[nodiscard]] base::Status reopen();

  [[nodiscard]] ebpf::EbpfDataplane& node(const std::string& name) { return *dataplanes_.at(name); }
  [[nodiscard]] const std::string& bpffs() const { return bpffs_->path(); }

 private:
  explicit NodeDataplanes(const lab::Lab& lab) : lab_(lab) {}
  [[nodiscard]] ebpf::EbpfOptions optionsFor(const std::string& node) const {
    const lab::NodeInfo& info = lab_.node(node);
    return {.bpffs = bpffs_->path(),
            .pin_subdir = node,
            .maglev_size = kLabMaglevSize,
            .node_ipv4 = info.ipv4,
            .node_ipv6 = info.ipv6};
  }

  const lab::Lab& lab_;
  std::optional<PrivateBpffs> bpffs_;
  std::map<std::string, std::unique_ptr<ebpf::EbpfDataplane>> dataplanes_;
};

}  // namespace sluice::testing
