// sluice-agent's Prometheus metrics. Timings are observed as they happen (kube-proxy's names,
// so existing dashboards and alerts keep working); state that lives elsewhere (data-plane
// counters, source statistics) is read at scrape time through a collector callback, so there is
// one source of truth for each number.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sluice::controlplane {

// Families built on demand (at each scrape).
using FamilySource = std::function<std::vector<prometheus::MetricFamily>()>;

class AgentMetrics {
 public:
  explicit AgentMetrics(FamilySource live);

  void observeSync(double seconds, double unix_time_now);
  void observeProgrammingLatency(double seconds);
  void addProgrammingErrors(std::uint64_t count);
  void addDriftRepairs(std::uint64_t count);
  void addDataplaneWrites(std::uint64_t count);

  // Every family, registered and live, as the Prometheus text format.
  [[nodiscard]] std::string text() const;
  [[nodiscard]] std::vector<std::weak_ptr<prometheus::Collectable>> collectables() const;

 private:
  class LiveCollectable;

  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<LiveCollectable> live_;
  prometheus::Histogram* sync_duration_;
  prometheus::Histogram* programming_latency_;
  prometheus::Gauge* last_sync_;
  prometheus::Counter* programming_errors_;
  prometheus::Counter* drift_repairs_;
  prometheus::Counter* syncs_;
  prometheus::Counter* writes_;
};

// Helpers for live families.
[[nodiscard]] prometheus::MetricFamily counterFamily(std::string name, std::string help);
[[nodiscard]] prometheus::MetricFamily gaugeFamily(std::string name, std::string help);
void addSample(prometheus::MetricFamily& family, double value,
               std::vector<prometheus::ClientMetric::Label> labels = {});

}  // namespace sluice::controlplane
