// RemoteLbDataplane: a Dataplane whose tables live in another process — a load balancer (sluice-lb)
// reached through its local API (lb_api.h). This is how sluice-agent drives the DPDK plane
// (`--dataplane lb:/run/sluice/lb.sock`): the reconciler's calls become sluice.lb.v1 requests,
// its Maglev tables travel as they are, and programmed() reads everything back for restart
// adoption and drift checks. Each call has a deadline; an unreachable LB is kUnavailable.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "sluice/dataplane/dataplane.h"

namespace sluice::dataplane {

class RemoteLbDataplane final : public Dataplane {
 public:
  // Connects and checks that the LB's tables have `maglev_size` entries (the caller builds them).
  [[nodiscard]] static base::Result<std::unique_ptr<RemoteLbDataplane>> connect(
      const std::string& socket_path, std::uint32_t maglev_size,
      std::chrono::milliseconds deadline = std::chrono::seconds(5));
  ~RemoteLbDataplane() override;

  [[nodiscard]] std::string_view kind() const noexcept override { return kind_; }
  [[nodiscard]] base::Status upsertFrontend(const Frontend& frontend) override;
  [[nodiscard]] base::Status deleteFrontend(const FrontendKey& key) override;
  [[nodiscard]] base::Status replaceBackends(const ServiceBackends& backends) override;
  [[nodiscard]] base::Status deleteBackends(ServiceId service) override;
  [[nodiscard]] base::Result<ProgrammedState> programmed() const override;
  [[nodiscard]] base::Result<Counters> counters() const override;

 private:
  struct Impl;
  RemoteLbDataplane(std::unique_ptr<Impl> impl, std::string kind);
  std::unique_ptr<Impl> impl_;
  std::string kind_;
};

}  // namespace sluice::dataplane
