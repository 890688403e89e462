// What the agent shows about itself: the read-only view behind the local gRPC API and the `sluice`
// CLI. Plain structs, already in the words a user reads ("10.96.0.10:53/UDP", "ready"), so the
// API layer only copies fields. The agent implements Inspector; calls come from API threads at
// any time, so an implementation does its own locking.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sluice/base/error.h"

namespace sluice::controlplane {

struct StatusView {
  std::string node;       // the node this agent programs
  std::string dataplane;  // "ebpf", "fake", "dpdk"
  std::string source;     // "kubernetes https://10.0.0.1:6443", "files /etc/sluice/services"
  bool synced = false;    // the first complete sync from the source has been applied
  std::int64_t last_sync_unix_ms = 0;  // when the data plane last matched the source; 0 = never
  std::uint64_t services = 0;          // service ports programmed
  std::uint64_t frontends = 0;
  std::uint64_t backends = 0;
  std::uint64_t syncs = 0;           // reconcile passes applied
  std::uint64_t sync_errors = 0;     // data-plane calls that failed
  std::uint64_t drift_repairs = 0;   // entries the self-check found wrong and put right
  std::uint64_t watch_restarts = 0;  // list/watch streams re-opened
  std::string version;               // sluice version
};

struct FrontendView {
  std::string address;             // "10.96.0.10:80/TCP", "[fd00::10]:80/TCP"
  std::string kind;                // "ClusterIP", "NodePort", "LoadBalancer", "ExternalIP"
  std::vector<std::string> flags;  // "local-only", "dsr", "affinity=10800s", "allow=10.0.0.0/8"
};

struct ServiceView {
  std::string name;  // "default/web:http/TCP" (namespace/name:port-name/protocol; port number
                     // when the port has no name)
  std::uint32_t id = 0;
  std::string family;  // "IPv4" or "IPv6"
  std::vector<FrontendView> frontends;
  std::uint32_t backends_ready = 0;
  std::uint32_t backends_total = 0;
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::uint64_t connections = 0;
};

struct BackendView {
  std::string service;  // the ServiceView it belongs to ("default/web:http/TCP/IPv4")
  std::string address;  // "10.0.1.5:8080", "[fd00:1::5]:8080"
  std::uint32_t weight = 1;
  std::string state;  // "ready", "terminating", "draining"
  bool node_local = false;
  std::string node;                  // the node it runs on, when known
  std::string zone;                  // its zone, when known
  std::uint32_t maglev_entries = 0;  // slots of the Maglev table that point at it
};

struct ConntrackView {
  std::string protocol;  // "TCP", "UDP"
  std::string client;    // "10.0.1.7:40112"
  std::string frontend;  // "10.96.0.10:80" (what the client addressed)
  std::string backend;   // "10.0.2.5:8080"
  std::string flags;     // "snat", "dsr", "external", "" (comma separated)
  std::uint32_t service = 0;
  std::uint64_t idle_ms = 0;  // since the last packet
};

struct ExplainRequest {
  std::string protocol;  // "tcp", "udp", "sctp"
  std::string source;    // "10.0.1.7:40112" or "[fd00:1::7]:40112"
  std::string destination;
};

struct ExplainView {
  bool matched = false;  // a frontend has this destination
  std::string frontend;  // "10.96.0.10:80/TCP"
  std::string kind;      // "ClusterIP" …
  std::string service;   // "default/web:http/TCP"
  std::uint32_t service_id = 0;
  // The decisions taken, in order, as sentences: "externalTrafficPolicy=Local: only the 2
  // backends on this node are eligible", "source 10.0.1.7 is inside allow 10.0.0.0/8".
  std::vector<std::string> steps;
  std::string backend;  // the backend a new connection would get; "" when it would be refused
  std::string verdict;  // "forward", "reject (no backend)", "drop (source not allowed)", …
  std::optional<ConntrackView> conntrack;  // the flow's current entry, when there is one
};

class Inspector {
 public:
  Inspector() = default;
  Inspector(const Inspector&) = delete;
  Inspector& operator=(const Inspector&) = delete;
  virtual ~Inspector() = default;

  [[nodiscard]] virtual StatusView status() const = 0;
  [[nodiscard]] virtual std::vector<ServiceView> services() const = 0;
  // `service` is a ServiceView name ("default/web:http/TCP") or a service name ("default/web":
  // every port of it). kNotFound when nothing matches.
  [[nodiscard]] virtual base::Result<std::vector<BackendView>> backends(
      const std::string& service) const = 0;
  // At most `limit` entries (0 = no limit); kUnavailable when the data plane keeps none.
  [[nodiscard]] virtual base::Result<std::vector<ConntrackView>> conntrack(
      std::size_t limit) const = 0;
  // kInvalidArgument for a request that does not parse (bad protocol or address).
  [[nodiscard]] virtual base::Result<ExplainView> explain(const ExplainRequest& request) const = 0;
  // The Prometheus text exposition of the agent's metrics, as /metrics serves it.
  [[nodiscard]] virtual std::string metricsText() const = 0;
};

}  // namespace sluice::controlplane
