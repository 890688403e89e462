// The agent's life: open the data plane, adopt what is programmed, start the source and the
// servers, then loop — apply model changes, keep attachments and health-check ports current,
// self-check on a period — until asked to stop.
#include "sluice/controlplane/agent.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <ctime>

#include "agent_state.h"
#include "node_interfaces.h"
#include "sluice/dataplane/fake_dataplane.h"
#include "sluice/dataplane/lb_client.h"

namespace sluice::controlplane {
namespace {

using Clock = std::chrono::steady_clock;

std::int64_t unixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string rfc3339(std::int64_t unix_ms) {
  if (unix_ms == 0) return "";
  const auto seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  const std::size_t n = std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &utc);
  return std::string(text, n) + "." + std::to_string(1000 + unix_ms % 1000).substr(1) + "Z";
}

NodeContext nodeContextOf(const AgentOptions& options) {
  const auto addresses = localAddresses();
  return NodeContext{.node_name = options.hostname,
                     .zone = "",
                     .nodeport_addresses = nodePortAddresses(addresses, options.nodeport_addresses,
                                                             options.external_interfaces),
                     .proxy_name = "sluice",
                     .dsr = options.dsr};
}

base::Result<std::unique_ptr<dataplane::Dataplane>> openDataplane(const AgentOptions& options,
                                                                  const NodeContext& node,
                                                                  ebpf::EbpfDataplane*& ebpf_out) {
  if (options.dataplane == "fake") return std::make_unique<dataplane::FakeDataplane>();
  if (options.dataplane.starts_with("lb:")) {
    // A load balancer (sluice-lb) programmed through its local API: its own process owns the
    // NIC and the tables; this agent reconciles into them.
    auto remote =
        dataplane::RemoteLbDataplane::connect(options.dataplane.substr(3), options.maglev_size);
    if (!remote) return base::fail(std::move(remote.error()));
    return std::unique_ptr<dataplane::Dataplane>(std::move(*remote));
  }
  ebpf::EbpfOptions ebpf{.bpffs = options.bpffs,
                         .pin_subdir = options.pin_subdir,
                         .maglev_size = options.maglev_size,
                         .max_services = options.max_services};
  for (const auto& text : options.node_ips) {
    auto address = base::parseIpAddress(text);
    if (!address) continue;
    (address->is_v4() ? ebpf.node_ipv4 : ebpf.node_ipv6) = *address;
  }
  for (const auto& address : node.nodeport_addresses) {
    auto& slot = address.is_v4() ? ebpf.node_ipv4 : ebpf.node_ipv6;
    if (!slot) slot = address;
  }
  auto opened = ebpf::EbpfDataplane::open(ebpf);
  if (!opened) return base::fail(std::move(opened.error()));
  ebpf_out = opened->get();
  return std::unique_ptr<dataplane::Dataplane>(std::move(*opened));
}

}  // namespace

Agent::Agent(std::unique_ptr<State> state) : state_(std::move(state)) {}

Agent::~Agent() {
  requestStop();
  if (state_->source) state_->source->stop();
  if (state_->api) state_->api->stop();
  state_->exposer.reset();
  if (state_->healthz) state_->healthz->close();
  state_->health_checks.reset();
  state_->work.reset();
  state_->io.stop();
  if (state_->io_thread.joinable()) state_->io_thread.join();
}

base::Result<std::unique_ptr<Agent>> Agent::create(AgentOptions options) {
  if (auto valid = validateAgentOptions(options); !valid) return base::fail(valid.error());
  auto state = std::make_unique<State>();
  state->options = std::move(options);
  const NodeContext node = nodeContextOf(state->options);
  auto dataplane = openDataplane(state->options, node, state->ebpf);
  if (!dataplane) {
    return base::fail(std::move(dataplane.error()).withContext("opening the data plane"));
  }
  state->dataplane = std::move(*dataplane);
  state->sync = std::make_unique<ServiceSync>(
      *state->dataplane, node, ReconcilerOptions{.maglev_size = state->options.maglev_size});
  if (auto restored = state->sync->restore(); !restored) return base::fail(restored.error());
  std::string addresses;
  for (const auto& a : node.nodeport_addresses) addresses += " " + a.to_string();
  spdlog::info("node {}: NodePort addresses:{}", node.node_name,
               addresses.empty() ? " none" : addresses);

  if (!state->options.manifests.empty()) {
    state->source = makeFileSource(state->options.manifests, state->model);
  } else {
    auto kube = makeKubeSource(state->options, state->model);
    if (!kube) return base::fail(kube.error());
    state->source = std::move(*kube);
  }
  State* raw = state.get();
  state->metrics = std::make_unique<AgentMetrics>([raw] { return liveFamilies(*raw); });
  return std::unique_ptr<Agent>(new Agent(std::move(state)));
}

void Agent::requestStop() { state_->stopping = true; }

namespace {

// Pod interfaces matching the globs are attached as they appear; vanished ones are forgotten.
void attachInterfaces(Agent::State& s) {
  if (s.ebpf == nullptr) return;
  const auto interfaces = localInterfaces();
  std::erase_if(s.attached_pods, [&](const auto& entry) {
    auto it = interfaces.find(entry.first);
    return it == interfaces.end() || it->second != entry.second;
  });
  for (const auto& [name, ifindex] : interfaces) {
    if (!s.options.pod_interfaces.empty() && matchesAny(name, s.options.pod_interfaces) &&
        !s.attached_pods.contains(name)) {
      if (auto ok = s.ebpf->attachPodInterface(ifindex); ok) {
        spdlog::info("attached to pod interface {}", name);
        s.attached_pods.emplace(name, ifindex);
      } else {
        spdlog::warn("attaching to pod interface {}: {}", name, ok.error().toString());
      }
    }
  }
  for (const auto& name : s.options.external_interfaces) {
    auto it = interfaces.find(name);
    if (it == interfaces.end()) continue;
    auto attached = s.attached_external.find(name);
    if (attached != s.attached_external.end() && attached->second == it->second) continue;
    if (auto ok = s.ebpf->attachExternalInterface(it->second); ok) {
      spdlog::info("attached to external interface {}", name);
      s.attached_external[name] = it->second;
    } else {
      spdlog::warn("attaching to external interface {}: {}", name, ok.error().toString());
    }
  }
}

void updateHealthChecks(Agent::State& s) {
  const auto& wanted = s.sync->healthChecks();
  for (auto it = s.served_health_checks.begin(); it != s.served_health_checks.end();) {
    if (!wanted.contains(it->first)) {
      s.health_checks->remove(it->first);
      it = s.served_health_checks.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [port, check] : wanted) {
    auto served = s.served_health_checks.find(port);
    if (served != s.served_health_checks.end() && served->second == check) continue;
    auto ok = s.health_checks->set(
        port, nodeport::HealthCheck{.service_namespace = check.service.namespace_,
                                    .service_name = check.service.name,
                                    .local_endpoints = check.local_endpoints});
    if (!ok) {
      spdlog::warn("health-check node port {}: {}", port, ok.error().toString());
      continue;
    }
    s.served_health_checks[port] = check;
  }
}

nodeport::HttpAnswer healthzAnswer(const Agent::State& s, const std::string& target) {
  std::lock_guard lock(s.mutex);
  const auto now = Clock::now();
  const bool fresh = s.last_sync_unix_ms != 0 && now - s.last_healthy <= s.options.health_timeout;
  boost::json::object body;
  body["lastUpdated"] = rfc3339(s.last_sync_unix_ms);
  body["currentTime"] = rfc3339(unixMs());
  if (target.starts_with("/livez")) {
    return {.status = fresh ? 200U : 503U, .body = boost::json::serialize(body)};
  }
  if (!target.starts_with("/healthz")) {
    return {.status = 404, .body = R"({"error":"not found"})"};
  }
  body["nodeEligible"] = !s.node_deleting;
  return {.status = fresh && !s.node_deleting ? 200U : 503U, .body = boost::json::serialize(body)};
}

base::Status startServers(Agent::State& s, const Inspector& inspector) {
  s.work.emplace(s.io.get_executor());
  s.health_checks = std::make_unique<nodeport::HealthCheckServer>(s.io);
  auto off = [](const std::string& bind) { return bind.empty() || bind.ends_with(":0"); };
  if (!off(s.options.healthz_bind)) {
    auto healthz =
        StatusEndpoint::start(s.io, s.options.healthz_bind,
                              [&s](const std::string& target) { return healthzAnswer(s, target); });
    if (!healthz)
      return base::fail(std::move(healthz.error()).withContext("--healthz-bind-address"));
    s.healthz = *healthz;
  }
  if (!off(s.options.metrics_bind)) {
    try {
      s.exposer = std::make_unique<prometheus::Exposer>(s.options.metrics_bind);
      for (const auto& collectable : s.metrics->collectables()) {
        s.exposer->RegisterCollectable(collectable);
      }
    } catch (const std::exception& e) {
      return base::fail(base::Errc::kUnavailable,
                        "--metrics-bind-address " + s.options.metrics_bind + ": " + e.what());
    }
  }
  if (!s.options.api_socket.empty()) {
    auto api = ApiServer::start(s.options.api_socket, inspector);
    if (!api) return base::fail(std::move(api.error()).withContext("--api-socket"));
    s.api = std::move(*api);
  }
  s.io_thread = std::thread([&s] { s.io.run(); });
  return {};
}

// Applies what changed; records timings and the programming latency of endpoint changes.
void syncChanges(Agent::State& s, const discovery::ModelChanges& changes) {
  const auto start = Clock::now();
  PassResult pass;
  {
    std::lock_guard lock(s.mutex);
    pass = s.sync->pass(s.model, changes);
    updateHealthChecks(s);
    if (changes.nodes) {
      auto self = s.model.node(s.options.hostname);
      s.node_deleting = self && self->meta.deleting;
    }
    s.syncs += 1;
    s.sync_errors += pass.stats.errors;
    s.errors_outstanding = pass.stats.errors > 0;
    if (s.model.synced()) s.last_sync_unix_ms = unixMs();
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  s.metrics->observeSync(seconds, static_cast<double>(unixMs()) / 1000.0);
  s.metrics->addProgrammingErrors(pass.stats.errors);
  s.metrics->addDataplaneWrites(pass.stats.mutations);
  const std::int64_t now_ms = unixMs();
  for (std::int64_t trigger : pass.trigger_times_unix_ms) {
    if (trigger <= now_ms)
      s.metrics->observeProgrammingLatency(static_cast<double>(now_ms - trigger) / 1000.0);
  }
  if (pass.services_examined > 0) {
    spdlog::debug("sync: {} services, {} data-plane writes, {} errors in {:.1f} ms",
                  pass.services_examined, pass.stats.mutations, pass.stats.errors, seconds * 1000);
  }
}

// Programs someone detached or replaced are attached again; each counts as a repair.
std::uint64_t repairAttachments(Agent::State& s) {
  if (s.ebpf == nullptr) return 0;
  std::uint64_t repairs = 0;
  auto repair = [&](const std::string& name, int ifindex, bool intact, bool external) {
    if (intact) return;
    spdlog::warn("self-check: Sluice's programs on {} were detached or replaced; attaching again",
                 name);
    auto ok =
        external ? s.ebpf->attachExternalInterface(ifindex) : s.ebpf->attachPodInterface(ifindex);
    if (ok) {
      ++repairs;
    } else {
      spdlog::warn("re-attaching to {}: {}", name, ok.error().toString());
    }
  };
  for (const auto& [name, ifindex] : s.attached_pods) {
    repair(name, ifindex, s.ebpf->podInterfaceAttached(ifindex), false);
  }
  for (const auto& [name, ifindex] : s.attached_external) {
    repair(name, ifindex, s.ebpf->externalInterfaceAttached(ifindex), true);
  }
  return repairs;
}

void selfCheck(Agent::State& s) {
  std::lock_guard lock(s.mutex);
  const std::uint64_t reattached = repairAttachments(s);
  s.drift_repairs += reattached;
  s.metrics->addDriftRepairs(reattached);
  auto repaired = s.sync->reconciler().repairDrift(s.sync->orphansRemoved());
  if (!repaired) {
    spdlog::warn("self-check: {}", repaired.error().toString());
    s.errors_outstanding = true;
    return;
  }
  s.drift_repairs += repaired->repairs;
  s.sync_errors += repaired->errors;
  s.errors_outstanding = repaired->errors > 0;
  s.metrics->addDriftRepairs(repaired->repairs);
  s.metrics->addDataplaneWrites(repaired->mutations);
  s.metrics->addProgrammingErrors(repaired->errors);
  if (repaired->repairs > 0) spdlog::warn("self-check: repaired {} entries", repaired->repairs);
}

}  // namespace

base::Status Agent::run() {
  State& s = *state_;
  if (auto started = startServers(s, *this); !started) return started;
  {
    std::lock_guard lock(s.mutex);
    attachInterfaces(s);
    for (const auto& cgroup : s.options.cgroups) {
      if (s.ebpf == nullptr) break;
      if (auto ok = s.ebpf->attachCgroup(cgroup); !ok) {
        return base::fail(std::move(ok.error()).withContext("--cgroup " + cgroup));
      }
    }
  }
  if (auto started = s.source->start(); !started) return started;
  spdlog::info("sluice-agent on node {}: {} data plane, services from {}", s.options.hostname,
               s.dataplane->kind(), s.source->describe());

  auto last_check = Clock::now();
  auto last_attach = Clock::now();
  while (!s.stopping) {
    const auto changes = s.model.takeChanges(std::chrono::milliseconds(200));
    if (!changes.services.empty() || changes.nodes || changes.all) syncChanges(s, changes);
    const auto now = Clock::now();
    if (now - last_attach >= std::chrono::seconds(1)) {
      std::lock_guard lock(s.mutex);
      attachInterfaces(s);
      last_attach = now;
    }
    if (now - last_check >= s.options.sync_period) {
      selfCheck(s);
      last_check = now;
    }
    std::lock_guard lock(s.mutex);
    // Healthy: synced, and nothing left undone (a failed write keeps it from being fresh).
    if (s.model.synced() && !s.errors_outstanding) {
      s.last_healthy = now;
      if (s.last_sync_unix_ms == 0) s.last_sync_unix_ms = unixMs();
    }
  }
  spdlog::info("sluice-agent stopping; the data plane keeps forwarding");
  return {};
}

}  // namespace sluice::controlplane
