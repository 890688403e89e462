// AgentMetrics: kube-proxy's sync metrics plus Sluice's own (see agent_metrics.h).
#include "agent_metrics.h"

#include <prometheus/text_serializer.h>

#include <sstream>

namespace sluice::controlplane {

class AgentMetrics::LiveCollectable final : public prometheus::Collectable {
 public:
  explicit LiveCollectable(FamilySource source) : source_(std::move(source)) {}
  std::vector<prometheus::MetricFamily> Collect() const override { return source_(); }

 private:
  FamilySource source_;
};

namespace {

prometheus::Histogram::BucketBoundaries syncBuckets() {
  // kube-proxy's: 1 ms doubling to ~16 s.
  prometheus::Histogram::BucketBoundaries out;
  for (int i = 0; i < 15; ++i) out.push_back(0.001 * static_cast<double>(1 << i));
  return out;
}

prometheus::Histogram::BucketBoundaries programmingBuckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120};
}

}  // namespace

AgentMetrics::AgentMetrics(FamilySource live)
    : registry_(std::make_shared<prometheus::Registry>()),
      live_(std::make_shared<LiveCollectable>(std::move(live))) {
  sync_duration_ = &prometheus::BuildHistogram()
                        .Name("kubeproxy_sync_proxy_rules_duration_seconds")
                        .Help("Time a sync pass took to program the data plane")
                        .Register(*registry_)
                        .Add({}, syncBuckets());
  programming_latency_ =
      &prometheus::BuildHistogram()
           .Name("kubeproxy_network_programming_duration_seconds")
           .Help(
               "Time from an endpoint change (endpoints.kubernetes.io/last-change-trigger-time) "
               "to the data plane reflecting it")
           .Register(*registry_)
           .Add({}, programmingBuckets());
  last_sync_ = &prometheus::BuildGauge()
                    .Name("kubeproxy_sync_proxy_rules_last_timestamp_seconds")
                    .Help("Unix time of the last sync pass that programmed the data plane")
                    .Register(*registry_)
                    .Add({});
  programming_errors_ = &prometheus::BuildCounter()
                             .Name("sluice_programming_errors_total")
                             .Help("Data-plane calls (or backend sets) that failed")
                             .Register(*registry_)
                             .Add({});
  drift_repairs_ = &prometheus::BuildCounter()
                        .Name("sluice_drift_repairs_total")
                        .Help("Data-plane entries the self-check found wrong and put right")
                        .Register(*registry_)
                        .Add({});
  writes_ = &prometheus::BuildCounter()
                 .Name("sluice_dataplane_writes_total")
                 .Help("Data-plane calls that changed something (frontends, backend sets)")
                 .Register(*registry_)
                 .Add({});
  syncs_ = &prometheus::BuildCounter()
                .Name("sluice_sync_passes_total")
                .Help("Sync passes that programmed the data plane")
                .Register(*registry_)
                .Add({});
}

void AgentMetrics::observeSync(double seconds, double unix_time_now) {
  sync_duration_->Observe(seconds);
  last_sync_->Set(unix_time_now);
  syncs_->Increment();
}

void AgentMetrics::observeProgrammingLatency(double seconds) {
  programming_latency_->Observe(seconds);
}

void AgentMetrics::addProgrammingErrors(std::uint64_t count) {
  programming_errors_->Increment(static_cast<double>(count));
}

void AgentMetrics::addDriftRepairs(std::uint64_t count) {
  drift_repairs_->Increment(static_cast<double>(count));
}

void AgentMetrics::addDataplaneWrites(std::uint64_t count) {
  writes_->Increment(static_cast<double>(count));
}

std::string AgentMetrics::text() const {
  auto families = registry_->Collect();
  auto live = live_->Collect();
  families.insert(families.end(), live.begin(), live.end());
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

std::vector<std::weak_ptr<prometheus::Collectable>> AgentMetrics::collectables() const {
  return {registry_, live_};
}

prometheus::MetricFamily counterFamily(std::string name, std::string help) {
  return prometheus::MetricFamily{
      std::move(name), std::move(help), prometheus::MetricType::Counter, {}};
}

prometheus::MetricFamily gaugeFamily(std::string name, std::string help) {
  return prometheus::MetricFamily{
      std::move(name), std::move(help), prometheus::MetricType::Gauge, {}};
}

void addSample(prometheus::MetricFamily& family, double value,
               std::vector<prometheus::ClientMetric::Label> labels) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  if (family.type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(std::move(metric));
}

}  // namespace sluice::controlplane
