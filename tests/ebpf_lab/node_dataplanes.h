// One eBPF data plane per lab node, as each node of a real cluster has its own: programs and
// maps pinned in a private bpffs (one pin directory per node), the tc pod path attached to every
// pod veth in the node's namespace, and the same services programmed on every node.
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

  // On every node.
  [[nodiscard]] base::Status upsertFrontend(const dataplane::Frontend& frontend);
  [[nodiscard]] base::Status setBackends(dataplane::ServiceId service,
                                         std::vector<dataplane::Backend> backends);
  // Attaches the tc path to a pod added after create().
  [[nodiscard]] base::Status attachPod(const lab::PodInfo& pod);
  // Drops the in-memory data plane of every node and opens it again from the pins: what a
  // restarted agent does. Attachments and maps are never touched in between.
  [[nodiscard]] base::Status reopen();

  [[nodiscard]] ebpf::EbpfDataplane& node(const std::string& name) { return *dataplanes_.at(name); }
  [[nodiscard]] const std::string& bpffs() const { return bpffs_->path(); }

 private:
  explicit NodeDataplanes(const lab::Lab& lab) : lab_(lab) {}
  [[nodiscard]] ebpf::EbpfOptions optionsFor(const std::string& node) const {
    return {.bpffs = bpffs_->path(), .pin_subdir = node, .maglev_size = kLabMaglevSize};
  }

  const lab::Lab& lab_;
  std::optional<PrivateBpffs> bpffs_;
  std::map<std::string, std::unique_ptr<ebpf::EbpfDataplane>> dataplanes_;
};

}  // namespace sluice::testing
