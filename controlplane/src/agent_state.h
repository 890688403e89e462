// What an Agent owns; private to controlplane/src (agent.cc runs it, agent_inspector.cc reads
// it under `mutex`).
#pragma once

#include <prometheus/exposer.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <thread>

#include "agent_metrics.h"
#include "sluice/controlplane/agent.h"
#include "sluice/controlplane/api_server.h"
#include "sluice/controlplane/service_sync.h"
#include "sluice/ebpf/ebpf_dataplane.h"
#include "sluice/nodeport/health_check_server.h"
#include "sources.h"
#include "status_endpoint.h"

namespace sluice::controlplane {

struct Agent::State {
  AgentOptions options;
  std::unique_ptr<dataplane::Dataplane> dataplane;
  ebpf::EbpfDataplane* ebpf = nullptr;  // the same object, when the data plane is eBPF
  discovery::ServiceModel model;
  std::unique_ptr<ServiceSource> source;

  // Guards everything below that the control thread writes and inspectors read.
  mutable std::mutex mutex;
  std::unique_ptr<ServiceSync> sync;
  std::uint64_t syncs = 0;
  std::uint64_t sync_errors = 0;
  std::uint64_t drift_repairs = 0;
  std::int64_t last_sync_unix_ms = 0;
  std::chrono::steady_clock::time_point last_healthy{};  // last time nothing was left undone
  bool errors_outstanding = false;
  bool node_deleting = false;
  std::map<std::string, int> attached_pods;      // name → ifindex
  std::map<std::string, int> attached_external;  // name → ifindex
  std::map<std::uint16_t, DesiredHealthCheck> served_health_checks;

  std::atomic<bool> stopping{false};
  std::unique_ptr<AgentMetrics> metrics;
  boost::asio::io_context io;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
  std::thread io_thread;
  std::unique_ptr<nodeport::HealthCheckServer> health_checks;
  std::shared_ptr<StatusEndpoint> healthz;
  std::unique_ptr<prometheus::Exposer> exposer;
  std::unique_ptr<ApiServer> api;
};

// The metric families read at scrape time (agent_inspector.cc).
[[nodiscard]] std::vector<prometheus::MetricFamily> liveFamilies(const Agent::State& state);

}  // namespace sluice::controlplane
