// Reconciler: per-view diffs against what was applied (see reconciler.h).
#include "sluice/controlplane/reconciler.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "sluice/dataplane/backend_set.h"

namespace sluice::controlplane {

using dataplane::Frontend;
using dataplane::FrontendKey;
using dataplane::ServiceBackends;
using dataplane::ServiceId;

namespace {

// The order the data plane reads source ranges back in, so applied and programmed compare equal.
Frontend normalised(Frontend frontend) {
  std::ranges::sort(frontend.source_ranges,
                    [](const auto& a, const auto& b) { return a.toString() < b.toString(); });
  return frontend;
}

}  // namespace

AppliedBackends AppliedBackends::of(ServiceBackends full, bool local_only) {
  AppliedBackends applied;
  applied.maglev_digest = dataplane::maglevDigest(full.maglev);
  std::vector<std::int32_t>().swap(full.maglev);  // `= {}` would keep the capacity
  applied.set = std::move(full);
  applied.local_only = local_only;
  return applied;
}

bool AppliedBackends::sameAs(const ServiceBackends& full) const {
  return set.service == full.service && set.backends == full.backends &&
         maglev_digest == dataplane::maglevDigest(full.maglev);
}

base::Result<ServiceBackends> Reconciler::tableOf(const AppliedView& view) const {
  if (!view.backends) {
    return base::fail(base::Errc::kNotFound, view.desired.key + " has no backend set programmed");
  }
  auto built = dataplane::buildServiceBackends(
      view.backends->set.service, view.backends->set.backends,
      dataplane::BackendSetOptions{.maglev_size = options_.maglev_size,
                                   .local_only = view.backends->local_only});
  if (!built) return built;
  if (!view.backends->sameAs(*built)) {
    return base::fail(base::Errc::kUnavailable,
                      view.desired.key +
                          ": the programmed Maglev table is not the one its "
                          "backends give (written by a previous agent?)");
  }
  return built;
}

Reconciler::Reconciler(dataplane::Dataplane& dataplane, ReconcilerOptions options)
    : dataplane_(dataplane), options_(options) {}

base::Status Reconciler::restore() {
  auto state = dataplane_.programmed();
  if (!state) return base::fail(std::move(state.error()).withContext("reading programmed state"));
  for (auto& frontend : state->frontends) {
    ids_in_use_.insert(frontend.service);
    restored_frontends_.emplace(frontend.key, std::move(frontend));
  }
  for (auto& backends : state->services) {
    ids_in_use_.insert(backends.service);
    restored_backends_.emplace(backends.service, std::move(backends));
  }
  if (!restored_frontends_.empty() || !restored_backends_.empty()) {
    spdlog::info("restored {} frontends and {} backend sets a previous agent programmed",
                 restored_frontends_.size(), restored_backends_.size());
  }
  return {};
}

ServiceId Reconciler::idFor(const DesiredView& view) {
  // A previous agent's id for one of these frontends: adopt it, with what it programmed.
  for (const auto& frontend : view.frontends) {
    auto it = restored_frontends_.find(frontend.key);
    if (it == restored_frontends_.end()) continue;
    const ServiceId id = it->second.service;
    const bool claimed = std::any_of(views_.begin(), views_.end(),
                                     [&](const auto& entry) { return entry.second.id == id; });
    if (!claimed) return id;
  }
  while (ids_in_use_.contains(next_id_) || next_id_ == 0) ++next_id_;
  return next_id_++;
}

std::vector<std::string> Reconciler::viewKeysOf(const discovery::ObjectName& service) const {
  auto it = by_service_.find(service);
  if (it == by_service_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

bool Reconciler::writeFrontend(const Frontend& frontend, SyncStats& stats) {
  if (auto status = dataplane_.upsertFrontend(frontend); !status) {
    ++stats.errors;
    spdlog::warn("programming frontend {}: {}", dataplane::toString(frontend.key),
                 status.error().toString());
    return false;
  }
  ++stats.mutations;
  return true;
}

bool Reconciler::writeBackends(const ServiceBackends& backends, SyncStats& stats) {
  if (auto status = dataplane_.replaceBackends(backends); !status) {
    ++stats.errors;
    spdlog::warn("programming backends of service {}: {}", backends.service,
                 status.error().toString());
    return false;
  }
  ++stats.mutations;
  return true;
}

SyncStats Reconciler::applyService(const discovery::ObjectName& service,
                                   const std::vector<DesiredView>& views) {
  SyncStats stats;
  std::set<std::string> keys;
  for (const auto& view : views) keys.insert(view.key);
  for (const auto& old : viewKeysOf(service)) {
    if (!keys.contains(old)) removeView(old, stats);
  }
  for (const auto& view : views) {
    auto it = views_.find(view.key);
    if (it == views_.end()) {
      const ServiceId id = idFor(view);
      ids_in_use_.insert(id);
      AppliedView fresh{.desired = view, .id = id, .frontends = {}, .backends = std::nullopt};
      // Adopt what a previous agent programmed under this id; the diff below keeps what matches.
      for (auto f = restored_frontends_.begin(); f != restored_frontends_.end();) {
        if (f->second.service == id) {
          frontend_owner_[f->first] = view.key;
          fresh.frontends.emplace(f->first, std::move(f->second));
          f = restored_frontends_.erase(f);
        } else {
          ++f;
        }
      }
      if (auto b = restored_backends_.find(id); b != restored_backends_.end()) {
        fresh.backends = AppliedBackends::of(std::move(b->second), view.local_only);
        restored_backends_.erase(b);
      }
      it = views_.emplace(view.key, std::move(fresh)).first;
    }
    applyView(it->second, view, stats);
  }
  if (keys.empty()) {
    by_service_.erase(service);
  } else {
    by_service_[service] = std::move(keys);
  }
  return stats;
}

void Reconciler::applyView(AppliedView& applied, const DesiredView& view, SyncStats& stats) {
  applied.desired = view;
  auto built = dataplane::buildServiceBackends(
      applied.id, view.backends,
      dataplane::BackendSetOptions{.maglev_size = options_.maglev_size,
                                   .local_only = view.local_only});
  if (!built) {
    ++stats.errors;
    spdlog::warn("{}: {}; its backends stay as they were", view.key, built.error().toString());
  } else if (!applied.backends || !applied.backends->sameAs(*built)) {
    if (writeBackends(*built, stats)) {
      applied.backends = AppliedBackends::of(std::move(*built), view.local_only);
    }
  }

  std::set<FrontendKey> wanted;
  for (const auto& desired : view.frontends) {
    Frontend frontend = normalised(desired);
    frontend.service = applied.id;
    const std::string name = dataplane::toString(frontend.key);
    auto owner = frontend_owner_.find(frontend.key);
    if (owner != frontend_owner_.end() && owner->second != view.key) {
      if (!conflicts_.contains(name)) {
        spdlog::warn("{}: frontend {} is already {}'s; not programmed for this one", view.key, name,
                     owner->second);
      }
      conflicts_[name] = view.key + ": already used by " + owner->second;
      continue;
    }
    conflicts_.erase(name);
    wanted.insert(frontend.key);
    restored_frontends_.erase(frontend.key);  // a previous agent's entry is overwritten here
    auto current = applied.frontends.find(frontend.key);
    if (current != applied.frontends.end() && current->second == frontend) continue;
    if (writeFrontend(frontend, stats)) {
      frontend_owner_[frontend.key] = view.key;
      applied.frontends.insert_or_assign(frontend.key, std::move(frontend));
    }
  }
  for (auto it = applied.frontends.begin(); it != applied.frontends.end();) {
    if (wanted.contains(it->first)) {
      ++it;
      continue;
    }
    auto status = dataplane_.deleteFrontend(it->first);
    if (!status && status.error().code() != base::Errc::kNotFound) {
      ++stats.errors;
      spdlog::warn("deleting frontend {}: {}", dataplane::toString(it->first),
                   status.error().toString());
      restored_frontends_.insert_or_assign(it->first, it->second);  // retried as an orphan
    } else {
      ++stats.mutations;
    }
    frontend_owner_.erase(it->first);
    it = applied.frontends.erase(it);
  }
}

void Reconciler::removeView(const std::string& key, SyncStats& stats) {
  auto it = views_.find(key);
  if (it == views_.end()) return;
  AppliedView& applied = it->second;
  for (const auto& [frontend_key, frontend] : applied.frontends) {
    auto status = dataplane_.deleteFrontend(frontend_key);
    if (!status && status.error().code() != base::Errc::kNotFound) {
      ++stats.errors;
      spdlog::warn("deleting frontend {}: {}", dataplane::toString(frontend_key),
                   status.error().toString());
      restored_frontends_.insert_or_assign(frontend_key, frontend);
    } else {
      ++stats.mutations;
    }
    frontend_owner_.erase(frontend_key);
  }
  if (applied.backends) {
    auto status = dataplane_.deleteBackends(applied.id);
    if (!status && status.error().code() != base::Errc::kNotFound) {
      ++stats.errors;
      spdlog::warn("deleting backends of {}: {}", key, status.error().toString());
      restored_backends_.insert_or_assign(applied.id, applied.backends->set);
    } else {
      ++stats.mutations;
      ids_in_use_.erase(applied.id);
    }
  } else {
    ids_in_use_.erase(applied.id);
  }
  std::erase_if(conflicts_, [&](const auto& entry) { return entry.second.starts_with(key + ":"); });
  views_.erase(it);
}

SyncStats Reconciler::removeOrphans() {
  SyncStats stats;
  for (auto it = restored_frontends_.begin(); it != restored_frontends_.end();) {
    auto status = dataplane_.deleteFrontend(it->first);
    if (!status && status.error().code() != base::Errc::kNotFound) {
      ++stats.errors;
      ++it;
      continue;
    }
    ++stats.mutations;
    it = restored_frontends_.erase(it);
  }
  for (auto it = restored_backends_.begin(); it != restored_backends_.end();) {
    auto status = dataplane_.deleteBackends(it->first);
    if (!status && status.error().code() != base::Errc::kNotFound) {
      ++stats.errors;
      ++it;
      continue;
    }
    ++stats.mutations;
    ids_in_use_.erase(it->first);
    it = restored_backends_.erase(it);
  }
  if (stats.mutations > 0) {
    spdlog::info("removed {} entries no current service owns", stats.mutations);
  }
  return stats;
}

base::Result<SyncStats> Reconciler::repairDrift(bool remove_unowned) {
  auto state = dataplane_.programmed();
  if (!state) {
    return base::fail(base::Errc::kUnavailable,
                      "reading the data plane for the self-check: " + state.error().toString());
  }
  std::map<FrontendKey, const Frontend*> frontends;
  for (const auto& f : state->frontends) frontends.emplace(f.key, &f);
  std::map<ServiceId, const ServiceBackends*> backends;
  for (const auto& b : state->services) backends.emplace(b.service, &b);

  SyncStats stats;
  std::set<ServiceId> owned_ids;
  for (auto& [key, applied] : views_) {
    owned_ids.insert(applied.id);
    for (const auto& [frontend_key, frontend] : applied.frontends) {
      auto it = frontends.find(frontend_key);
      if (it != frontends.end() && *it->second == frontend) continue;
      spdlog::warn("self-check: frontend {} of {} was {}; writing it again",
                   dataplane::toString(frontend_key), key,
                   it == frontends.end() ? "missing" : "altered");
      if (writeFrontend(frontend, stats)) ++stats.repairs;
    }
    if (applied.backends) {
      auto it = backends.find(applied.id);
      if (it == backends.end() || !applied.backends->sameAs(*it->second)) {
        spdlog::warn("self-check: backends of {} were {}; writing them again", key,
                     it == backends.end() ? "missing" : "altered");
        if (auto full = tableOf(applied); !full) {
          ++stats.errors;
          spdlog::warn("self-check: {}", full.error().toString());
        } else if (writeBackends(*full, stats)) {
          ++stats.repairs;
        }
      }
    }
  }
  // Views whose last write failed are still short of what they want: try them again.
  for (auto& [key, applied] : views_) {
    const DesiredView desired = applied.desired;
    applyView(applied, desired, stats);
  }
  if (remove_unowned) {
    for (const auto& [frontend_key, frontend] : frontends) {
      if (frontend_owner_.contains(frontend_key)) continue;
      spdlog::warn("self-check: frontend {} belongs to no service; deleting it",
                   dataplane::toString(frontend_key));
      if (dataplane_.deleteFrontend(frontend_key)) {
        ++stats.mutations;
        ++stats.repairs;
      } else {
        ++stats.errors;
      }
      restored_frontends_.erase(frontend_key);
    }
    for (const auto& [id, set] : backends) {
      if (owned_ids.contains(id)) continue;
      spdlog::warn("self-check: backend set {} belongs to no service; deleting it", id);
      if (dataplane_.deleteBackends(id)) {
        ++stats.mutations;
        ++stats.repairs;
        ids_in_use_.erase(id);
      } else {
        ++stats.errors;
      }
      restored_backends_.erase(id);
    }
  }
  return stats;
}

}  // namespace sluice::controlplane
