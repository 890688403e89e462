// What the agent shows about itself: the Inspector views (status, services, backends, conntrack)
// and the live metric families, all read under the agent's mutex.
#include <algorithm>

#include "agent_state.h"

namespace sluice::controlplane {
namespace {

std::string viewName(const AppliedView& view) { return view.desired.key; }

FrontendView frontendView(const dataplane::Frontend& f) {
  FrontendView out{.address = dataplane::toString(f.key),
                   .kind = std::string(dataplane::frontendKindName(f.kind)),
                   .flags = {}};
  if (f.local_only) out.flags.emplace_back("local-only");
  if (f.dsr) out.flags.emplace_back("dsr");
  if (f.affinity_timeout_s > 0) {
    out.flags.push_back("affinity=" + std::to_string(f.affinity_timeout_s) + "s");
  }
  for (const auto& range : f.source_ranges) out.flags.push_back("allow=" + range.toString());
  return out;
}

ConntrackView conntrackView(const dataplane::ConntrackEntry& e) {
  std::string flags;
  auto add = [&](bool on, const char* word) {
    if (!on) return;
    if (!flags.empty()) flags += ",";
    flags += word;
  };
  add(e.snat, "snat");
  add(e.dsr, "dsr");
  add(e.external, "external");
  return ConntrackView{
      .protocol = std::string(dataplane::protocolName(e.flow.protocol)),
      .client = base::formatEndpoint(e.flow.source, e.flow.source_port),
      .frontend = base::formatEndpoint(e.flow.destination, e.flow.destination_port),
      .backend = base::formatEndpoint(e.backend, e.backend_port),
      .flags = flags.empty() ? e.state : e.state + "," + flags,
      .service = e.service,
      .idle_ms = e.idle_ms};
}

}  // namespace

StatusView Agent::status() const {
  const State& s = *state_;
  std::lock_guard lock(s.mutex);
  StatusView out{.node = s.options.hostname,
                 .dataplane = std::string(s.dataplane->kind()),
                 .source = s.source->describe(),
                 .synced = s.model.synced(),
                 .last_sync_unix_ms = s.last_sync_unix_ms,
                 .syncs = s.syncs,
                 .sync_errors = s.sync_errors,
                 .drift_repairs = s.drift_repairs,
                 .watch_restarts = s.source->stats().watch_restarts,
                 .version = "0.1.0"};
  for (const auto& [key, view] : s.sync->reconciler().views()) {
    ++out.services;
    out.frontends += view.frontends.size();
    out.backends += view.desired.backends.size();
  }
  return out;
}

std::vector<ServiceView> Agent::services() const {
  const State& s = *state_;
  std::lock_guard lock(s.mutex);
  auto counters = s.dataplane->counters();
  std::vector<ServiceView> out;
  for (const auto& [key, view] : s.sync->reconciler().views()) {
    ServiceView item{.name = viewName(view),
                     .id = view.id,
                     .family = view.desired.family,
                     .frontends = {},
                     .backends_ready = 0,
                     .backends_total = static_cast<std::uint32_t>(view.desired.backends.size())};
    for (const auto& [fkey, frontend] : view.frontends)
      item.frontends.push_back(frontendView(frontend));
    for (const auto& b : view.desired.backends) {
      const bool eligible =
          b.state == dataplane::BackendState::kReady && (!view.desired.local_only || b.node_local);
      if (eligible) ++item.backends_ready;
    }
    if (counters) {
      if (auto it = counters->services.find(view.id); it != counters->services.end()) {
        item.packets = it->second.packets;
        item.bytes = it->second.bytes;
        item.connections = it->second.new_connections;
      }
    }
    out.push_back(std::move(item));
  }
  return out;
}

base::Result<std::vector<BackendView>> Agent::backends(const std::string& service) const {
  const State& s = *state_;
  std::lock_guard lock(s.mutex);
  std::vector<BackendView> out;
  bool found = false;
  for (const auto& [key, view] : s.sync->reconciler().views()) {
    // The view's full name, its name without the family, or the Service's namespace/name.
    const std::string owner = view.desired.service.toString();
    if (key != service && owner != service && !key.starts_with(service + "/")) continue;
    found = true;
    // The table is rebuilt for the question (the reconciler keeps only its digest).
    auto table = s.sync->reconciler().tableOf(view);
    std::vector<std::uint32_t> shares(table ? table->backends.size() : 0, 0);
    if (table) {
      for (std::int32_t e : table->maglev) {
        if (e >= 0) ++shares[static_cast<std::size_t>(e)];
      }
    }
    for (std::size_t i = 0; i < view.desired.backends.size(); ++i) {
      const auto& b = view.desired.backends[i];
      BackendView item{.service = key,
                       .address = base::formatEndpoint(b.address, b.port),
                       .weight = b.weight,
                       .state = std::string(dataplane::backendStateName(b.state)),
                       .node_local = b.node_local,
                       .node = view.desired.origins[i].node,
                       .zone = view.desired.origins[i].zone};
      if (table) {
        for (std::size_t j = 0; j < table->backends.size(); ++j) {
          const auto& programmed = table->backends[j];
          if (programmed.address == b.address && programmed.port == b.port)
            item.maglev_entries = shares[j];
        }
      }
      out.push_back(std::move(item));
    }
  }
  if (!found) {
    return base::fail(base::Errc::kNotFound,
                      "no service " + service + " (see `sluice service list` for names)");
  }
  return out;
}

base::Result<std::vector<ConntrackView>> Agent::conntrack(std::size_t limit) const {
  const State& s = *state_;
  std::lock_guard lock(s.mutex);
  auto entries = s.dataplane->conntrack(limit);
  if (!entries) return base::fail(std::move(entries.error()));
  std::vector<ConntrackView> out;
  out.reserve(entries->size());
  for (const auto& e : *entries) out.push_back(conntrackView(e));
  return out;
}

std::string Agent::metricsText() const { return state_->metrics->text(); }

// Families read at scrape time (agent_metrics.h).
std::vector<prometheus::MetricFamily> liveFamilies(const Agent::State& s) {
  auto packets = counterFamily("sluice_service_packets_total", "Packets to a service's frontends");
  auto bytes = counterFamily("sluice_service_bytes_total", "Bytes to a service's frontends");
  auto connections =
      counterFamily("sluice_service_connections_total", "New connections a service took");
  auto drops = counterFamily("sluice_drops_total", "Packets dropped by the data plane, by reason");
  auto conntrack = gaugeFamily("sluice_conntrack_entries", "Entries in the connection table");
  auto services = gaugeFamily("sluice_services", "Data-plane services (per port and family)");
  auto restarts = counterFamily("sluice_watch_restarts_total", "List/watch streams re-opened");
  auto source_errors =
      counterFamily("sluice_source_errors_total", "Refused manifest states or failed API requests");
  std::lock_guard lock(s.mutex);
  auto counters = s.dataplane->counters();
  const auto& views = s.sync->reconciler().views();
  addSample(services, static_cast<double>(views.size()));
  if (counters) {
    for (const auto& [key, view] : views) {
      auto it = counters->services.find(view.id);
      if (it == counters->services.end()) continue;
      const std::vector<prometheus::ClientMetric::Label> labels{{"service", key}};
      addSample(packets, static_cast<double>(it->second.packets), labels);
      addSample(bytes, static_cast<double>(it->second.bytes), labels);
      addSample(connections, static_cast<double>(it->second.new_connections), labels);
    }
    for (std::size_t reason = 1; reason < counters->drops.size(); ++reason) {
      addSample(drops, static_cast<double>(counters->drops[reason]),
                {{"reason", std::string(dataplane::dropReasonName(static_cast<int>(reason)))}});
    }
    addSample(conntrack, static_cast<double>(counters->conntrack_entries));
  }
  const SourceStats stats = s.source->stats();
  addSample(restarts, static_cast<double>(stats.watch_restarts));
  addSample(source_errors, static_cast<double>(stats.errors));
  return {packets, bytes, connections, drops, conntrack, services, restarts, source_errors};
}

}  // namespace sluice::controlplane
