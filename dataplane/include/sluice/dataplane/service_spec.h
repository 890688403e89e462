// A plain-text list of services for programming a data plane without Kubernetes: what
// `sluice-ebpf apply` reads, and what tests and the embedded default use. One statement a line:
//
//   # ClusterIP 10.96.0.10:80/TCP with ClientIP affinity (600 s), two backends
//   frontend 10.96.0.10:80/tcp service=1 affinity=600
//   backend  service=1 10.244.1.3:8080
//   backend  service=1 10.244.2.3:8080 weight=2 terminating
//
// frontend options: service=<id> (required), kind=clusterip|nodeport|loadbalancer|externalip,
// affinity=<seconds>, local-only, dsr, allow=<prefix> (loadBalancerSourceRanges; repeatable).
// backend options: service=<id> (required), weight=<n>, ready|terminating|draining, local. Errors
// name the line and what is wrong.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/base/error.h"
#include "sluice/dataplane/dataplane.h"

namespace sluice::dataplane {

struct HealthCheckSpec {
  std::uint16_t port = 0;
  ServiceId service = 0;
  std::string service_namespace;
  std::string service_name;
};

struct ServiceSpec {
  std::vector<Frontend> frontends;
  std::vector<HealthCheckSpec> health_checks;
  std::map<ServiceId, std::vector<Backend>> backends;  // every service a frontend names
};

[[nodiscard]] base::Result<ServiceSpec> parseServiceSpec(std::string_view text);

// Ready backends of `service` marked local: what its health-check port reports.
[[nodiscard]] std::uint32_t readyLocalBackends(const ServiceSpec& spec, ServiceId service);

// Upserts every frontend and replaces every named service's backends (with a Maglev table of
// `maglev_size`). Stops at the first error, which names the object.
[[nodiscard]] base::Status applyServiceSpec(Dataplane& dataplane, const ServiceSpec& spec,
                                            std::uint32_t maglev_size);

}  // namespace sluice::dataplane
