// The socket-LB object (ebpf/bpf/sock.bpf.c) as the tests drive it: loaded from its skeleton
// with maps pinned in a private bpffs, its programs attached to one cgroup through bpf_links
// (detached when this object goes), and the shared maps programmed directly through the
// skeleton's map fds — frontends, backends, Maglev tables (an inner array per service in the
// hash-of-maps) — and read back: drop and service counters, affinity and reverse entries.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "endpoint.h"
#include "sluice/base/error.h"
#include "sluice/ebpf/abi.h"

struct sock;  // the skeleton (sluice/bpf/sock.skel.h)
struct bpf_link;

namespace sluice::sock_test {

struct FrontendSpec {
  Endpoint address;
  std::uint8_t proto = 6;  // IPPROTO_TCP / IPPROTO_UDP
  std::uint32_t service = 0;
  std::uint8_t kind = SL_KIND_CLUSTER_IP;
  std::uint32_t flags = 0;
  std::uint32_t affinity_timeout_s = 0;
};

class SockLb {
 public:
  // Capacities are lowered from the production defaults so loading is quick.
  [[nodiscard]] static base::Result<std::unique_ptr<SockLb>> load(const std::string& pin_root,
                                                                  std::uint32_t maglev_size);
  ~SockLb();
  SockLb(const SockLb&) = delete;
  SockLb& operator=(const SockLb&) = delete;

  // Attaches all eight programs to the cgroup.
  [[nodiscard]] base::Status attach(int cgroup_fd);

  [[nodiscard]] base::Status addFrontend(const FrontendSpec& frontend);
  [[nodiscard]] base::Status setBackend(std::uint32_t id, const Endpoint& address,
                                        std::uint32_t service, bool active = true);
  [[nodiscard]] base::Status deleteBackend(std::uint32_t id);
  // A Maglev table over these backend ids (equal weights), built by base::MaglevTable.
  [[nodiscard]] base::Status setMaglev(std::uint32_t service,
                                       const std::vector<std::uint32_t>& backend_ids);
  // A table whose every entry is `backend_id` (0: the service has no eligible backend).
  [[nodiscard]] base::Status fillMaglev(std::uint32_t service, std::uint32_t backend_id);

  [[nodiscard]] base::Result<std::uint64_t> drops(sluice_drop_reason reason) const;
  [[nodiscard]] base::Result<sl_service_stats> serviceStats(std::uint32_t service) const;
  [[nodiscard]] base::Result<std::size_t> affinityEntries() const;

  [[nodiscard]] std::uint32_t maglevSize() const noexcept { return maglev_size_; }

 private:
  SockLb(sock* skeleton, std::uint32_t maglev_size);
  [[nodiscard]] base::Status writeMaglev(std::uint32_t service,
                                         const std::vector<std::uint32_t>& entries);

  sock* skel_;
  static constexpr std::uint32_t kServiceRows = 64;
  std::uint32_t maglev_size_;
  std::vector<bpf_link*> links_;
  std::vector<std::pair<std::uint32_t, Endpoint>> backends_;  // id → address, for Maglev keys
};

}  // namespace sluice::sock_test
