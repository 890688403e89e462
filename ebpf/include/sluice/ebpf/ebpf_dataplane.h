// The eBPF data plane: loads Sluice's BPF programs with their maps pinned under bpffs, programs
// frontends, backends and Maglev tables into those maps, attaches the packet path to pod-facing
// interfaces, and reads back what is programmed and counted.
//
// Restart safety: maps are pinned and tc attachments live in the kernel, so forwarding goes on
// while no agent runs. A new EbpfDataplane reuses the pinned maps (it never flushes them), reads
// the backend ids back, and re-attaching replaces the old program in place.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "sluice/base/maglev.h"
#include "sluice/dataplane/dataplane.h"
#include "sluice/ebpf/abi.h"

struct sl_frontend_key;

namespace sluice::ebpf {

struct EbpfOptions {
  std::string bpffs = "/sys/fs/bpf";  // mounted here if it is not a bpffs yet
  std::string pin_subdir = "sluice";  // maps are pinned in <bpffs>/<pin_subdir>/
  std::uint32_t maglev_size = base::MaglevTable::kDefaultSize;  // every table has this size
  // Service ids 1..max_services get a Maglev table. The tables are one preallocated array of
  // (max_services + 1) * maglev_size entries of 4 bytes: 67 MB at the defaults.
  std::uint32_t max_services = SL_DEFAULT_MAGLEV_ROWS - 1;
  // This node's addresses: external flows to backends on other nodes are source-NATed to them
  // (externalTrafficPolicy=Cluster). Without one, such flows of that family are dropped.
  std::optional<base::IpAddress> node_ipv4;
  std::optional<base::IpAddress> node_ipv6;
};

class EbpfDataplane final : public dataplane::Dataplane {
 public:
  // Loads the programs (verifier included) and opens or creates the pinned maps.
  [[nodiscard]] static base::Result<std::unique_ptr<EbpfDataplane>> open(
      const EbpfOptions& options);
  ~EbpfDataplane() override;

  [[nodiscard]] std::string_view kind() const noexcept override { return "ebpf"; }
  [[nodiscard]] base::Status upsertFrontend(const dataplane::Frontend& frontend) override;
  [[nodiscard]] base::Status deleteFrontend(const dataplane::FrontendKey& key) override;
  [[nodiscard]] base::Status replaceBackends(const dataplane::ServiceBackends& backends) override;
  [[nodiscard]] base::Status deleteBackends(dataplane::ServiceId service) override;
  [[nodiscard]] base::Result<dataplane::ProgrammedState> programmed() const override;
  [[nodiscard]] base::Result<dataplane::Counters> counters() const override;
  [[nodiscard]] std::optional<std::uint32_t> flowHash(
      const dataplane::FlowTuple& flow) const override;
  [[nodiscard]] base::Result<std::vector<dataplane::ConntrackEntry>> conntrack(
      std::size_t limit) const override;
  [[nodiscard]] base::Result<std::optional<dataplane::ConntrackEntry>> conntrackLookup(
      const dataplane::FlowTuple& flow) const override;

  // Attaches the pod packet path (tc ingress + egress) to an interface of the calling thread's
  // network namespace, replacing an earlier Sluice program there.
  [[nodiscard]] base::Status attachPodInterface(int ifindex);
  [[nodiscard]] base::Status detachPodInterface(int ifindex);

  // Attaches the external path to the node's external interface (of the calling thread's network
  // namespace): XDP for arriving packets (NodePort, LoadBalancer, externalIPs) and tc egress for
  // leaving ones (SNAT, reverse NAT of replies). Replaces an earlier Sluice attachment there.
  [[nodiscard]] base::Status attachExternalInterface(int ifindex);
  [[nodiscard]] base::Status detachExternalInterface(int ifindex);

  // Whether Sluice's programs are still the ones attached there (the self-check: someone may
  // have removed or replaced them).
  [[nodiscard]] bool podInterfaceAttached(int ifindex) const;
  [[nodiscard]] bool externalInterfaceAttached(int ifindex) const;

  // Attaches the socket hooks (connect, sendmsg, recvmsg, getpeername; IPv4 and IPv6) to a
  // cgroup v2 directory: sockets of processes in it reach ClusterIP backends directly. The
  // attachments are bpf_links pinned next to the maps, so they outlive this process; attaching
  // again (a restarted agent) swaps the programs in place, without a moment unhooked.
  [[nodiscard]] base::Status attachCgroup(const std::string& cgroup_path);
  [[nodiscard]] base::Status detachCgroup(const std::string& cgroup_path);

  // Program fds, for fixture tests that run them with BPF_PROG_RUN.
  [[nodiscard]] int podIngressProgram() const;
  [[nodiscard]] int podEgressProgram() const;
  [[nodiscard]] int externalIngressProgram() const;
  [[nodiscard]] int externalEgressProgram() const;
  [[nodiscard]] int externalTcIngressProgram() const;
  [[nodiscard]] const std::string& pinDirectory() const noexcept { return pin_dir_; }

 private:
  struct Skeletons;
  // (service, address bytes, port) of a backend → its id in the backends map.
  using BackendIdentity =
      std::tuple<dataplane::ServiceId, std::vector<std::uint8_t>, std::uint16_t>;

  struct SocketProgram {
    std::string name;
    int fd = -1;
    int attach_type = 0;  // enum bpf_attach_type
  };

  EbpfDataplane(EbpfOptions options, std::string pin_dir, std::unique_ptr<Skeletons> skeletons);
  [[nodiscard]] std::vector<SocketProgram> socketPrograms() const;
  [[nodiscard]] base::Result<std::string> cgroupLinkPrefix(const std::string& cgroup_path) const;
  [[nodiscard]] base::Status restoreBackendIds();
  [[nodiscard]] std::uint32_t allocateBackendId();
  [[nodiscard]] base::Status restoreVips();
  [[nodiscard]] base::Status holdVip(const sl_frontend_key& key);
  [[nodiscard]] base::Status releaseVip(const sl_frontend_key& key);
  [[nodiscard]] base::Status writeSourceRanges(dataplane::ServiceId service,
                                               const std::vector<base::IpPrefix>& ranges);
  [[nodiscard]] base::Result<std::vector<std::uint32_t>> readMaglevRow(
      dataplane::ServiceId service) const;
  [[nodiscard]] base::Status writeMaglevTable(dataplane::ServiceId service,
                                              const std::vector<std::uint32_t>& entries);

  EbpfOptions options_;
  std::string pin_dir_;
  std::unique_ptr<Skeletons> skel_;
  std::map<BackendIdentity, std::uint32_t> backend_ids_;
  // The first identity of `service` in backend_ids_ (or where it would be).
  [[nodiscard]] std::map<BackendIdentity, std::uint32_t>::iterator firstBackendOf(
      dataplane::ServiceId service);
  std::uint32_t next_backend_id_ = 1;
  std::vector<std::uint32_t> free_backend_ids_;
  std::map<std::string, int> vip_refs_;  // sl_vip_key bytes → frontends that answer ping there
};

}  // namespace sluice::ebpf
