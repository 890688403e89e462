// ServiceSync: changed services → translations → reconciler (see service_sync.h).
#include "sluice/controlplane/service_sync.h"

#include <spdlog/spdlog.h>

namespace sluice::controlplane {

ServiceSync::ServiceSync(dataplane::Dataplane& dataplane, NodeContext node,
                         ReconcilerOptions options)
    : reconciler_(dataplane, options), node_(std::move(node)) {}

void ServiceSync::syncService(const discovery::ServiceModel& model,
                              const discovery::ObjectName& name, PassResult& result) {
  ++result.services_examined;
  for (std::uint16_t port : health_ports_of_[name]) health_checks_.erase(port);
  health_ports_of_.erase(name);

  auto snapshot = model.snapshot(name);
  if (!snapshot) {
    skipped_.erase(name);
    warnings_.erase(name);
    result.stats += reconciler_.applyService(name, {});
    return;
  }
  ServiceTranslation translation = translateService(*snapshot, node_);
  if (!translation.skipped.empty()) {
    if (skipped_[name] != translation.skipped) {
      spdlog::info("service {} is not proxied: {}", name.toString(), translation.skipped);
    }
    skipped_[name] = translation.skipped;
  } else {
    skipped_.erase(name);
  }
  auto& known = warnings_[name];
  for (const auto& warning : translation.warnings) {
    if (std::find(known.begin(), known.end(), warning) == known.end()) {
      spdlog::warn("service {}: {}", name.toString(), warning);
    }
  }
  known = translation.warnings;
  if (known.empty()) warnings_.erase(name);

  for (const auto& check : translation.health_checks) {
    auto [it, inserted] = health_checks_.try_emplace(check.port, check);
    if (!inserted && it->second.service != check.service) {
      spdlog::warn("service {}: health-check node port {} is already {}'s", name.toString(),
                   check.port, it->second.service.toString());
      continue;
    }
    it->second = check;
    health_ports_of_[name].push_back(check.port);
  }
  const SyncStats stats = reconciler_.applyService(name, translation.views);
  if (stats.mutations > 0 && translation.last_change_trigger_unix_ms > 0) {
    result.trigger_times_unix_ms.push_back(translation.last_change_trigger_unix_ms);
  }
  result.stats += stats;
}

PassResult ServiceSync::pass(const discovery::ServiceModel& model,
                             const discovery::ModelChanges& changes) {
  PassResult result;
  if (changes.nodes && !node_.node_name.empty()) {
    auto self = model.node(node_.node_name);
    const std::string zone = self ? self->zone : "";
    if (zone != node_.zone) {
      spdlog::info("node {} is in zone \"{}\"", node_.node_name, zone);
      node_.zone = zone;
    }
  }
  if (changes.all || changes.nodes) {
    std::set<discovery::ObjectName> names(changes.services.begin(), changes.services.end());
    for (const auto& name : model.serviceNames()) names.insert(name);
    // Services the reconciler knows but the model no longer has must go too.
    for (const auto& [key, view] : reconciler_.views()) names.insert(view.desired.service);
    for (const auto& [name, reason] : skipped_) names.insert(name);
    for (const auto& name : names) syncService(model, name, result);
  } else {
    for (const auto& name : changes.services) syncService(model, name, result);
  }
  if (model.synced() && !orphans_removed_) {
    result.stats += reconciler_.removeOrphans();
    orphans_removed_ = true;
    result.removed_orphans = true;
  }
  return result;
}

}  // namespace sluice::controlplane
