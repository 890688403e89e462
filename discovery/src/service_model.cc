// ServiceModel: the current objects and the set of services whose desired state may have moved.
#include "sluice/discovery/service_model.h"

namespace sluice::discovery {
namespace {

ObjectName owningService(const EndpointSlice& slice) {
  return ObjectName{.namespace_ = slice.meta.name.namespace_, .name = slice.service_name};
}

}  // namespace

void ServiceModel::changedLocked(const ObjectName& service) {
  pending_.services.insert(service);
  changed_cv_.notify_all();
}

void ServiceModel::replaceServices(std::vector<Service> services) {
  std::lock_guard lock(mutex_);
  std::map<ObjectName, Service> next;
  for (auto& service : services) {
    const ObjectName name = service.meta.name;
    next.insert_or_assign(name, std::move(service));
  }
  for (const auto& [name, old] : services_) {
    auto it = next.find(name);
    if (it == next.end() || !(it->second == old)) changedLocked(name);
  }
  for (const auto& [name, service] : next) {
    if (!services_.contains(name)) changedLocked(name);
  }
  services_ = std::move(next);
}

void ServiceModel::replaceSlices(std::vector<EndpointSlice> slices) {
  std::lock_guard lock(mutex_);
  std::map<ObjectName, EndpointSlice> next;
  for (auto& slice : slices) {
    const ObjectName name = slice.meta.name;
    next.insert_or_assign(name, std::move(slice));
  }
  for (const auto& [name, old] : slices_) {
    auto it = next.find(name);
    if (it == next.end() || !(it->second == old)) {
      changedLocked(owningService(old));
      if (it != next.end()) changedLocked(owningService(it->second));
    }
  }
  slices_by_service_.clear();
  for (const auto& [name, slice] : next) {
    if (!slices_.contains(name)) changedLocked(owningService(slice));
    if (!slice.service_name.empty()) slices_by_service_[owningService(slice)].insert(name);
  }
  slices_ = std::move(next);
}

void ServiceModel::replaceNodes(std::vector<Node> nodes) {
  std::lock_guard lock(mutex_);
  std::map<std::string, Node> next;
  for (auto& node : nodes) {
    const std::string name = node.meta.name.name;
    next.insert_or_assign(name, std::move(node));
  }
  if (next != nodes_) {
    nodes_ = std::move(next);
    pending_.nodes = true;
    changed_cv_.notify_all();
  }
}

void ServiceModel::upsertService(Service service) {
  std::lock_guard lock(mutex_);
  const ObjectName name = service.meta.name;
  auto [it, inserted] = services_.try_emplace(name, service);
  if (!inserted) {
    if (it->second == service) return;
    it->second = std::move(service);
  }
  changedLocked(name);
}

void ServiceModel::deleteService(const ObjectName& name) {
  std::lock_guard lock(mutex_);
  if (services_.erase(name) > 0) changedLocked(name);
}

void ServiceModel::upsertSlice(EndpointSlice slice) {
  std::lock_guard lock(mutex_);
  const ObjectName name = slice.meta.name;
  auto it = slices_.find(name);
  if (it != slices_.end()) {
    if (it->second == slice) return;
    const ObjectName old_owner = owningService(it->second);
    slices_by_service_[old_owner].erase(name);
    changedLocked(old_owner);
  }
  const ObjectName owner = owningService(slice);
  if (!slice.service_name.empty()) slices_by_service_[owner].insert(name);
  slices_.insert_or_assign(name, std::move(slice));
  changedLocked(owner);
}

void ServiceModel::deleteSlice(const ObjectName& name) {
  std::lock_guard lock(mutex_);
  auto it = slices_.find(name);
  if (it == slices_.end()) return;
  const ObjectName owner = owningService(it->second);
  slices_by_service_[owner].erase(name);
  slices_.erase(it);
  changedLocked(owner);
}

void ServiceModel::upsertNode(Node node) {
  std::lock_guard lock(mutex_);
  const std::string name = node.meta.name.name;
  auto it = nodes_.find(name);
  if (it != nodes_.end() && it->second == node) return;
  nodes_.insert_or_assign(name, std::move(node));
  pending_.nodes = true;
  changed_cv_.notify_all();
}

void ServiceModel::deleteNode(const std::string& name) {
  std::lock_guard lock(mutex_);
  if (nodes_.erase(name) > 0) {
    pending_.nodes = true;
    changed_cv_.notify_all();
  }
}

void ServiceModel::markSynced() {
  std::lock_guard lock(mutex_);
  if (!synced_) {
    synced_ = true;
    pending_.all = true;  // deletions of what an earlier agent left may now be applied
    changed_cv_.notify_all();
  }
}

bool ServiceModel::synced() const {
  std::lock_guard lock(mutex_);
  return synced_;
}

ModelChanges ServiceModel::takeChanges(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_cv_.wait_for(
      lock, timeout, [&] { return !pending_.services.empty() || pending_.nodes || pending_.all; });
  ModelChanges out = std::move(pending_);
  pending_ = ModelChanges{};
  return out;
}

std::optional<ServiceSnapshot> ServiceModel::snapshot(const ObjectName& service) const {
  std::lock_guard lock(mutex_);
  auto it = services_.find(service);
  if (it == services_.end()) return std::nullopt;
  ServiceSnapshot out{.service = it->second, .slices = {}};
  if (auto names = slices_by_service_.find(service); names != slices_by_service_.end()) {
    for (const auto& name : names->second) out.slices.push_back(slices_.at(name));
  }
  return out;
}

std::vector<ObjectName> ServiceModel::serviceNames() const {
  std::lock_guard lock(mutex_);
  std::vector<ObjectName> out;
  out.reserve(services_.size());
  for (const auto& [name, service] : services_) out.push_back(name);
  return out;
}

std::optional<Node> ServiceModel::node(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = nodes_.find(name);
  if (it == nodes_.end()) return std::nullopt;
  return it->second;
}

std::size_t ServiceModel::serviceCount() const {
  std::lock_guard lock(mutex_);
  return services_.size();
}

}  // namespace sluice::discovery
