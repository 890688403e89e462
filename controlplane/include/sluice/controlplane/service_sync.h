// One sync pass: the services that changed in the model are translated (desired_state.h) and
// handed to the reconciler; what each pass found (skipped services, ignored objects, health-check
// ports, the trigger times of the endpoint changes it programmed) is kept for metrics, logs and
// `sluice`. The agent runs it on its control thread; golden tests run it on a fake data plane.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sluice/controlplane/desired_state.h"
#include "sluice/controlplane/reconciler.h"
#include "sluice/discovery/service_model.h"

namespace sluice::controlplane {

struct PassResult {
  SyncStats stats;
  std::size_t services_examined = 0;
  bool removed_orphans = false;  // the pass applied deletions of state nobody owns
  // endpoints.kubernetes.io/last-change-trigger-time of each service this pass programmed.
  std::vector<std::int64_t> trigger_times_unix_ms;
};

class ServiceSync {
 public:
  ServiceSync(dataplane::Dataplane& dataplane, NodeContext node, ReconcilerOptions options);

  // Adopts what a previous agent left in the data plane (reconciler.h).
  [[nodiscard]] base::Status restore() { return reconciler_.restore(); }

  // Applies `changes`. Node changes (zones) and full replaces recompute every service. Once the
  // model is synced, the first pass after that also deletes what no service owns.
  PassResult pass(const discovery::ServiceModel& model, const discovery::ModelChanges& changes);

  [[nodiscard]] const Reconciler& reconciler() const { return reconciler_; }
  Reconciler& reconciler() { return reconciler_; }
  [[nodiscard]] const NodeContext& node() const { return node_; }
  [[nodiscard]] const std::map<discovery::ObjectName, std::string>& skipped() const {
    return skipped_;
  }
  [[nodiscard]] const std::map<discovery::ObjectName, std::vector<std::string>>& warnings() const {
    return warnings_;
  }
  [[nodiscard]] const std::map<std::uint16_t, DesiredHealthCheck>& healthChecks() const {
    return health_checks_;
  }
  [[nodiscard]] bool orphansRemoved() const { return orphans_removed_; }

 private:
  void syncService(const discovery::ServiceModel& model, const discovery::ObjectName& name,
                   PassResult& result);

  Reconciler reconciler_;
  NodeContext node_;
  std::map<discovery::ObjectName, std::string> skipped_;
  std::map<discovery::ObjectName, std::vector<std::string>> warnings_;
  std::map<std::uint16_t, DesiredHealthCheck> health_checks_;
  std::map<discovery::ObjectName, std::vector<std::uint16_t>> health_ports_of_;
  bool orphans_removed_ = false;
};

}  // namespace sluice::controlplane
