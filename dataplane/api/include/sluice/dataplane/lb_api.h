// The Dataplane interface over gRPC (service sluice.lb.v1.LoadBalancer,
// proto/sluice/lb/v1/lb.proto) on a unix socket only root can use: how an operator or a script
// drives a dedicated load balancer (sluice-lb) without Kubernetes — add and remove VIPs, set
// backends and weights, read counters. Any Dataplane can be served; sluice-lb serves its DPDK one.
//
//   std::mutex control;  // every Dataplane call of the daemon holds it
//   auto server = LbApiServer::start(kDefaultLbSocketPath, dataplane, control, {.maglev_size = M});
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "sluice/base/error.h"
#include "sluice/base/maglev.h"
#include "sluice/dataplane/dataplane.h"

namespace sluice::dataplane {

inline constexpr const char* kDefaultLbSocketPath = "/run/sluice/lb.sock";

struct LbApiOptions {
  std::uint32_t maglev_size = base::MaglevTable::kDefaultSize;  // tables SetBackends builds
};

class LbApiServer {
 public:
  // `dataplane` and `mutex` must outlive the server. Each call holds `mutex` around its Dataplane
  // calls (the Dataplane contract: one caller at a time), so the daemon's own control thread can
  // share the data plane by holding it too. A call that fails changes nothing programmed.
  [[nodiscard]] static base::Result<std::unique_ptr<LbApiServer>> start(
      const std::string& socket_path, Dataplane& dataplane, std::mutex& mutex,
      const LbApiOptions& options);

  LbApiServer(const LbApiServer&) = delete;
  LbApiServer& operator=(const LbApiServer&) = delete;
  ~LbApiServer();

  void stop();  // idempotent; removes the socket file
  [[nodiscard]] const std::string& socketPath() const noexcept;

 private:
  struct Impl;
  explicit LbApiServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::dataplane
