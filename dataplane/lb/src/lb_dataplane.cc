#include "sluice/lb/lb_dataplane.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "sluice/lb/flow_hash.h"

namespace sluice::lb {
namespace {

using dataplane::ConntrackEntry;
using dataplane::FlowTuple;

constexpr std::chrono::seconds kInspectionDeadline{2};

std::uint8_t protoOf(dataplane::Protocol protocol) { return static_cast<std::uint8_t>(protocol); }

const char* stateName(CtState state) {
  switch (state) {
    case CtState::kNew: return "new";
    case CtState::kEstablished: return "established";
    case CtState::kClosing: return "closing";
  }
  return "unknown";
}

ConntrackEntry toConntrackEntry(const CtEntry& e, std::uint64_t now_ns) {
  const std::uint8_t family = e.key.family;
  return ConntrackEntry{
      .flow = FlowTuple{.protocol = static_cast<dataplane::Protocol>(e.key.proto),
                        .source = fromAddr(e.key.src, family),
                        .source_port = e.key.sport,
                        .destination = fromAddr(e.key.dst, family),
                        .destination_port = e.key.dport},
      .backend = fromAddr(e.nat_addr, family),
      .backend_port = e.nat_port,
      .service = e.service,
      .snat = (e.flags & kCtFlagSnat) != 0,
      .external = true,
      .dsr = (e.flags & kCtFlagDsr) != 0,
      .idle_ms = now_ns > e.last_seen_ns ? (now_ns - e.last_seen_ns) / 1'000'000 : 0,
      .state = stateName(e.state)};
}

}  // namespace

std::uint64_t monotonicNs() noexcept {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000ULL +
         static_cast<std::uint64_t>(now.tv_nsec);
}

LbDataplane::LbDataplane(LbOptions options) : options_(std::move(options)) {
  const std::uint16_t count = std::max<std::uint16_t>(1, options_.workers);
  for (std::uint16_t i = 0; i < count; ++i) {
    workers_.push_back(
        std::make_unique<Worker>(WorkerConfig{.index = i,
                                              .count = count,
                                              .conntrack_capacity = options_.conntrack_per_worker,
                                              .snat_port_min = options_.snat_port_min,
                                              .snat_port_span = options_.snat_port_span,
                                              .max_services = options_.max_services,
                                              .mtu = options_.mtu}));
    dumps_.push_back(std::make_unique<DumpRequest>());
  }
  snapshots_ = std::make_unique<SnapshotPublisher<Tables>>(
      count,
      std::make_unique<const Tables>(Tables::FrontendMap{}, Tables::ServiceMap{}, neighbors4_,
                                     neighbors6_, gateway_, options_.addressing));
}

void LbDataplane::publishLocked() {
  Tables::FrontendMap frontends;
  frontends.reserve(frontends_.size());
  for (const auto& [key, entry] : frontends_) {
    frontends.emplace(FrontendBits{.address = toAddr(key.address),
                                   .port = key.port,
                                   .proto = protoOf(key.protocol),
                                   .family = familyOf(key.address)},
                      entry);
  }
  Tables::ServiceMap services(services_.begin(), services_.end());
  snapshots_->publish(std::make_unique<const Tables>(std::move(frontends), std::move(services),
                                                     neighbors4_, neighbors6_, gateway_,
                                                     options_.addressing));
}

std::size_t LbDataplane::reclaimSnapshots() {
  std::lock_guard lock(mutex_);
  return snapshots_->reclaim();
}

base::Status LbDataplane::upsertFrontend(const dataplane::Frontend& frontend) {
  if (auto ok = dataplane::validateFrontend(frontend); !ok) return ok;
  if (frontend.service >= options_.max_services) {
    return base::fail(base::Errc::kOutOfRange,
                      "frontend " + dataplane::toString(frontend.key) + ": service id " +
                          std::to_string(frontend.service) + " is not below the configured " +
                          std::to_string(options_.max_services) + " services");
  }
  auto entry = std::make_shared<FrontendEntry>();
  entry->spec = frontend;
  for (const auto& range : frontend.source_ranges) {
    entry->source_ranges.push_back(
        {.address = toAddr(range.address()), .length = static_cast<std::uint8_t>(range.length())});
  }
  std::lock_guard lock(mutex_);
  frontends_.insert_or_assign(frontend.key, std::move(entry));
  publishLocked();
  return {};
}

base::Status LbDataplane::deleteFrontend(const dataplane::FrontendKey& key) {
  std::lock_guard lock(mutex_);
  if (frontends_.erase(key) == 0) {
    return base::fail(base::Errc::kNotFound,
                      "frontend " + dataplane::toString(key) + " is not programmed");
  }
  publishLocked();
  return {};
}

base::Status LbDataplane::replaceBackends(const dataplane::ServiceBackends& backends) {
  if (auto ok = dataplane::validateBackends(backends); !ok) return ok;
  if (backends.service >= options_.max_services) {
    return base::fail(base::Errc::kOutOfRange, "service " + std::to_string(backends.service) +
                                                   " is not below the configured " +
                                                   std::to_string(options_.max_services) +
                                                   " services");
  }
  auto table = std::make_shared<const ServiceTable>(backends);
  std::lock_guard lock(mutex_);
  services_.insert_or_assign(backends.service, std::move(table));
  publishLocked();
  return {};
}

base::Status LbDataplane::deleteBackends(dataplane::ServiceId service) {
  std::lock_guard lock(mutex_);
  if (services_.erase(service) == 0) {
    return base::fail(base::Errc::kNotFound,
                      "service " + std::to_string(service) + " has no backends programmed");
  }
  publishLocked();
  return {};
}

base::Status LbDataplane::setNeighbor(const base::IpAddress& address, const Mac& mac) {
  if (address.is_unspecified()) {
    return base::fail(base::Errc::kInvalidArgument,
                      "neighbour address " + address.to_string() + " is unspecified");
  }
  std::lock_guard lock(mutex_);
  (address.is_v4() ? neighbors4_ : neighbors6_).insert_or_assign(toAddr(address), mac);
  publishLocked();
  return {};
}

void LbDataplane::setGateway(std::optional<Mac> mac) {
  std::lock_guard lock(mutex_);
  gateway_ = mac;
  publishLocked();
}

base::Result<dataplane::ProgrammedState> LbDataplane::programmed() const {
  std::lock_guard lock(mutex_);
  dataplane::ProgrammedState state;
  for (const auto& [key, entry] : frontends_) state.frontends.push_back(entry->spec);
  for (const auto& [id, table] : services_) state.services.push_back(table->spec());
  return state;
}

base::Result<dataplane::Counters> LbDataplane::counters() const {
  dataplane::Counters out;
  std::set<dataplane::ServiceId> ids;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [key, entry] : frontends_) ids.insert(entry->spec.service);
    for (const auto& [id, table] : services_) ids.insert(id);
  }
  for (const auto& worker : workers_) {
    const WorkerCounters& c = worker->counters();
    for (std::size_t r = 0; r < out.drops.size(); ++r) {
      out.drops[r] += c.drops[r].load(std::memory_order_relaxed);
    }
    for (dataplane::ServiceId id : ids) {
      const auto* s = c.service(id);
      if (s == nullptr) continue;
      auto& total = out.services[id];
      total.packets += s->packets.load(std::memory_order_relaxed);
      total.bytes += s->bytes.load(std::memory_order_relaxed);
      total.new_connections += s->new_connections.load(std::memory_order_relaxed);
    }
  }
  for (const auto& worker : workers_) out.conntrack_entries += worker->conntrack().occupied();
  return out;
}

std::optional<std::uint32_t> LbDataplane::flowHash(const FlowTuple& flow) const {
  return lb::flowHash(toAddr(flow.source), toAddr(flow.destination), flow.source_port,
                      flow.destination_port, protoOf(flow.protocol));
}

void LbDataplane::serveInspection(std::size_t worker) noexcept {
  DumpRequest& request = *dumps_[worker];
  int asked = 1;
  if (!request.state.compare_exchange_strong(asked, 3, std::memory_order_acquire)) return;
  const std::uint64_t now = monotonicNs();
  request.entries.clear();  // capacity was reserved by the asking thread: no allocation here
  for (const CtEntry& e : workers_[worker]->conntrack().entries()) {
    if (e.used && e.key.dir == CtDir::kForward && ctAlive(e, now)) request.entries.push_back(e);
  }
  request.state.store(2, std::memory_order_release);
}

std::vector<CtEntry> LbDataplane::liveEntries(std::size_t worker, std::uint64_t now_ns) const {
  const ConnTable& table = workers_[worker]->conntrack();
  if (!lcores_running_.load()) {
    std::vector<CtEntry> out;
    for (const CtEntry& e : table.entries()) {
      if (e.used && e.key.dir == CtDir::kForward && ctAlive(e, now_ns)) out.push_back(e);
    }
    return out;
  }
  DumpRequest& request = *dumps_[worker];
  request.entries.clear();
  request.entries.reserve(table.capacity());
  request.state.store(1, std::memory_order_release);
  const auto deadline = std::chrono::steady_clock::now() + kInspectionDeadline;
  while (request.state.load(std::memory_order_acquire) != 2) {
    if (std::chrono::steady_clock::now() > deadline) {
      int asked = 1;
      if (request.state.compare_exchange_strong(asked, 0)) return {};  // lcore not serving
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  std::vector<CtEntry> out = std::move(request.entries);
  request.entries = {};
  request.state.store(0, std::memory_order_release);
  return out;
}

base::Result<std::vector<ConntrackEntry>> LbDataplane::conntrack(std::size_t limit) const {
  std::lock_guard lock(mutex_);  // one inspection at a time
  const std::uint64_t now = monotonicNs();
  std::vector<ConntrackEntry> out;
  for (std::size_t w = 0; w < workers_.size(); ++w) {
    for (const CtEntry& e : liveEntries(w, now)) {
      if (limit > 0 && out.size() >= limit) return out;
      out.push_back(toConntrackEntry(e, now));
    }
  }
  return out;
}

base::Result<std::optional<ConntrackEntry>> LbDataplane::conntrackLookup(
    const FlowTuple& flow) const {
  auto all = conntrack(0);
  if (!all) return base::fail(std::move(all.error()));
  for (auto& entry : *all) {
    if (entry.flow == flow) return std::optional<ConntrackEntry>(std::move(entry));
  }
  return std::optional<ConntrackEntry>();
}

}  // namespace sluice::lb
