// FakeInspector: an Inspector with fixed data for the API and CLI tests. Every field of every view
// holds a value other than its default, so a field the API forgets to carry shows up as a
// mismatch. It also records what it was asked (limit, explain request).
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "sluice/controlplane/inspect.h"

namespace sluice::controlplane::testing {

inline StatusView sampleStatus() {
  return {.node = "node-a",
          .dataplane = "ebpf",
          .source = "kubernetes https://10.0.0.1:6443",
          .synced = true,
          .last_sync_unix_ms = 1714557600123,
          .services = 3,
          .frontends = 5,
          .backends = 7,
          .syncs = 42,
          .sync_errors = 2,
          .drift_repairs = 1,
          .watch_restarts = 4,
          .version = "0.1.0-test"};
}

inline std::vector<ServiceView> sampleServices() {
  return {
      {.name = "default/web:http/TCP",
       .id = 1,
       .family = "IPv4",
       .frontends = {{.address = "10.96.0.10:80/TCP", .kind = "ClusterIP", .flags = {}},
                     {.address = "192.168.1.10:30080/TCP",
                      .kind = "NodePort",
                      .flags = {"local-only", "allow=10.0.0.0/8"}}},
       .backends_ready = 2,
       .backends_total = 3,
       .packets = 123456789012,
       .bytes = 987654321098,
       .connections = 77},
      {.name = "kube-system/dns:dns/UDP",
       .id = 2,
       .family = "IPv6",
       .frontends = {{.address = "[fd00::10]:53/UDP", .kind = "ClusterIP", .flags = {"dsr"}}},
       .backends_ready = 1,
       .backends_total = 1,
       .packets = 5,
       .bytes = 500,
       .connections = 0},
      {.name = "default/empty:8080/TCP",
       .id = 3,
       .family = "IPv4",
       .frontends = {},
       .backends_ready = 0,
       .backends_total = 0,
       .packets = 0,
       .bytes = 0,
       .connections = 0},
  };
}

inline std::vector<BackendView> sampleBackends() {
  return {
      {.service = "default/web:http/TCP/IPv4",
       .address = "10.0.1.5:8080",
       .weight = 2,
       .state = "ready",
       .node_local = true,
       .node = "node-a",
       .zone = "zone-1",
       .maglev_entries = 10921},
      {.service = "default/web:http/TCP/IPv4",
       .address = "10.0.2.6:8080",
       .weight = 1,
       .state = "terminating",
       .node_local = false,
       .node = "",
       .zone = "",
       .maglev_entries = 5460},
  };
}

inline std::vector<ConntrackView> sampleConntrack() {
  return {
      {.protocol = "TCP",
       .client = "10.0.1.7:40112",
       .frontend = "10.96.0.10:80",
       .backend = "10.0.1.5:8080",
       .flags = "snat,external",
       .service = 1,
       .idle_ms = 3500},
      {.protocol = "UDP",
       .client = "[fd00:1::7]:5353",
       .frontend = "[fd00::10]:53",
       .backend = "[fd00:1::5]:53",
       .flags = "",
       .service = 2,
       .idle_ms = 125000},
      {.protocol = "TCP",
       .client = "10.0.1.8:40113",
       .frontend = "10.96.0.10:80",
       .backend = "10.0.2.6:8080",
       .flags = "dsr",
       .service = 1,
       .idle_ms = 12},
  };
}

// For destination 10.96.0.10:80: matched, with the flow's conntrack entry.
inline ExplainView sampleExplainWithConntrack() {
  return {.matched = true,
          .frontend = "10.96.0.10:80/TCP",
          .kind = "ClusterIP",
          .service = "default/web:http/TCP",
          .service_id = 1,
          .steps = {"source 10.0.1.7 is inside allow 10.0.0.0/8",
                    "Maglev slot 4711 of 16381 points at 10.0.1.5:8080"},
          .backend = "10.0.1.5:8080",
          .verdict = "forward",
          .conntrack = sampleConntrack().front()};
}

// For destination 192.168.1.10:30080: matched, no backend, no entry.
inline ExplainView sampleExplainRejected() {
  return {.matched = true,
          .frontend = "192.168.1.10:30080/TCP",
          .kind = "NodePort",
          .service = "default/web:http/TCP",
          .service_id = 1,
          .steps = {"externalTrafficPolicy=Local: no ready backend on this node"},
          .backend = "",
          .verdict = "reject (no backend)",
          .conntrack = std::nullopt};
}

inline std::string sampleMetrics() {
  return "# HELP sluice_syncs_total Reconcile passes applied.\n"
         "# TYPE sluice_syncs_total counter\n"
         "sluice_syncs_total 42\n"
         "sluice_drops_total{reason=\"no_backend\"} 3\n";
}

class FakeInspector final : public Inspector {
 public:
  // The data served; set before the server starts.
  StatusView status_view = sampleStatus();
  std::vector<ServiceView> service_views = sampleServices();
  std::map<std::string, std::vector<BackendView>> backend_views = {
      {"default/web:http/TCP", sampleBackends()}, {"default/empty:8080/TCP", {}}};
  std::vector<ConntrackView> conntrack_views = sampleConntrack();
  bool conntrack_unavailable = false;
  bool status_throws = false;
  std::string metrics = sampleMetrics();

  [[nodiscard]] StatusView status() const override {
    if (status_throws) throw std::runtime_error("inspector blew up");
    return status_view;
  }
  [[nodiscard]] std::vector<ServiceView> services() const override { return service_views; }
  [[nodiscard]] base::Result<std::vector<BackendView>> backends(
      const std::string& service) const override {
    auto it = backend_views.find(service);
    if (it == backend_views.end()) {
      return base::fail(base::Errc::kNotFound, "no service matches '" + service + "'");
    }
    return it->second;
  }
  [[nodiscard]] base::Result<std::vector<ConntrackView>> conntrack(
      std::size_t limit) const override {
    {
      const std::scoped_lock lock(mutex_);
      last_limit_ = limit;
    }
    if (conntrack_unavailable) {
      return base::fail(base::Errc::kUnavailable, "the fake data plane keeps no conntrack");
    }
    std::vector<ConntrackView> out = conntrack_views;
    if (limit != 0 && out.size() > limit) out.resize(limit);
    return out;
  }
  [[nodiscard]] base::Result<ExplainView> explain(const ExplainRequest& request) const override {
    {
      const std::scoped_lock lock(mutex_);
      last_request_ = request;
    }
    if (request.protocol != "tcp" && request.protocol != "udp" && request.protocol != "sctp") {
      return base::fail(base::Errc::kInvalidArgument,
                        "protocol '" + request.protocol + "' is not tcp, udp or sctp");
    }
    if (request.destination == "10.96.0.10:80") return sampleExplainWithConntrack();
    if (request.destination == "192.168.1.10:30080") return sampleExplainRejected();
    return ExplainView{.matched = false,
                       .steps = {"no frontend has " + request.destination},
                       .verdict = "pass (not a service address)"};
  }
  [[nodiscard]] std::string metricsText() const override { return metrics; }

  [[nodiscard]] std::size_t lastLimit() const {
    const std::scoped_lock lock(mutex_);
    return last_limit_;
  }
  [[nodiscard]] ExplainRequest lastRequest() const {
    const std::scoped_lock lock(mutex_);
    return last_request_;
  }

 private:
  mutable std::mutex mutex_;
  mutable std::size_t last_limit_ = 12345;
  mutable ExplainRequest last_request_;
};

}  // namespace sluice::controlplane::testing
