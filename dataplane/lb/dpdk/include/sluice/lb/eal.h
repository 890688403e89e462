// DPDK's Environment Abstraction Layer for sluice-lb, set up in one place: initialised once per
// process from an EAL argument list (what `sluice-lb ... -- <EAL args>` passes on), cleaned up
// when the Eal object goes (with the runtime directory of a --file-prefix of its own). Works
// with and without hugepages:
//   --no-huge -m 512 --no-pci --vdev=net_af_packet0,iface=veth0 -l 0,1
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sluice/base/error.h"

namespace sluice::lb {

class Eal {
 public:
  // Errors: EAL already initialised in this process, or rte_eal_init failed (its rte_errno text
  // and the arguments it was given).
  [[nodiscard]] static base::Result<std::unique_ptr<Eal>> init(
      const std::vector<std::string>& args);
  Eal(const Eal&) = delete;
  Eal& operator=(const Eal&) = delete;
  ~Eal();

  // The lcores besides the main one, in order: where the workers run.
  [[nodiscard]] static std::vector<unsigned> workerLcores();

 private:
  Eal() = default;
  std::string runtime_dir_;
};

}  // namespace sluice::lb
