// The one service model every source feeds (the Kubernetes watch, the manifest directory): the
// current Services, EndpointSlices and Nodes, and which Services changed since the reconciler
// last looked. Sources write from their own threads; the reconciler reads snapshots of the
// services that changed, so one endpoint change costs one service's work.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sluice/discovery/objects.h"

namespace sluice::discovery {

// One Service with every EndpointSlice that names it, as one consistent copy.
struct ServiceSnapshot {
  Service service;
  std::vector<EndpointSlice> slices;
};

struct ModelChanges {
  std::set<ObjectName> services;  // changed or deleted; look each up in the snapshot
  bool nodes = false;             // node objects changed (zones: every service may be affected)
  bool all = false;               // a full replace happened: recompute everything
};

class ServiceModel {
 public:
  // Full sets, as after a list: anything not in `services` is gone.
  void replaceServices(std::vector<Service> services);
  void replaceSlices(std::vector<EndpointSlice> slices);
  void replaceNodes(std::vector<Node> nodes);

  void upsertService(Service service);
  void deleteService(const ObjectName& name);
  void upsertSlice(EndpointSlice slice);
  void deleteSlice(const ObjectName& name);
  void upsertNode(Node node);
  void deleteNode(const std::string& name);

  // The source has delivered one complete state (every list done); until then the reconciler
  // must not delete what an earlier agent programmed.
  void markSynced();
  [[nodiscard]] bool synced() const;

  // Changes since the last call, and clears them. Blocks up to `timeout` while there are none.
  [[nodiscard]] ModelChanges takeChanges(std::chrono::milliseconds timeout);

  [[nodiscard]] std::optional<ServiceSnapshot> snapshot(const ObjectName& service) const;
  [[nodiscard]] std::vector<ObjectName> serviceNames() const;
  [[nodiscard]] std::optional<Node> node(const std::string& name) const;
  [[nodiscard]] std::size_t serviceCount() const;

 private:
  void changedLocked(const ObjectName& service);

  mutable std::mutex mutex_;
  std::condition_variable changed_cv_;
  std::map<ObjectName, Service> services_;
  std::map<ObjectName, EndpointSlice> slices_;
  std::map<ObjectName, std::set<ObjectName>> slices_by_service_;
  std::map<std::string, Node> nodes_;
  ModelChanges pending_;
  bool synced_ = false;
};

}  // namespace sluice::discovery
