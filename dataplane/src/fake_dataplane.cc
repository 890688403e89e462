#include "sluice/dataplane/fake_dataplane.h"

#include <sstream>
#include <utility>
#include <vector>

namespace sluice::dataplane {

base::Status FakeDataplane::takeInjectedFailure() {
  if (!next_failure_) return {};
  base::Error error = std::move(*next_failure_);
  next_failure_.reset();
  return base::fail(std::move(error));
}

base::Status FakeDataplane::upsertFrontend(const Frontend& frontend) {
  std::lock_guard lock(mutex_);
  if (auto ok = validateFrontend(frontend); !ok) return ok;
  if (auto ok = takeInjectedFailure(); !ok) return ok;
  frontends_.insert_or_assign(frontend.key, frontend);
  ++mutations_;
  return {};
}

base::Status FakeDataplane::deleteFrontend(const FrontendKey& key) {
  std::lock_guard lock(mutex_);
  if (auto ok = takeInjectedFailure(); !ok) return ok;
  if (frontends_.erase(key) == 0) {
    return base::fail(base::Errc::kNotFound, "frontend " + toString(key) + " is not programmed");
  }
  ++mutations_;
  return {};
}

base::Status FakeDataplane::replaceBackends(const ServiceBackends& backends) {
  std::lock_guard lock(mutex_);
  if (auto ok = validateBackends(backends); !ok) return ok;
  if (auto ok = takeInjectedFailure(); !ok) return ok;
  services_.insert_or_assign(backends.service, backends);
  ++mutations_;
  return {};
}

base::Status FakeDataplane::deleteBackends(ServiceId service) {
  std::lock_guard lock(mutex_);
  if (auto ok = takeInjectedFailure(); !ok) return ok;
  if (services_.erase(service) == 0) {
    return base::fail(base::Errc::kNotFound,
                      "service " + std::to_string(service) + " has no backends programmed");
  }
  ++mutations_;
  return {};
}

base::Result<ProgrammedState> FakeDataplane::programmed() const {
  std::lock_guard lock(mutex_);
  ProgrammedState state;
  for (const auto& [key, frontend] : frontends_) state.frontends.push_back(frontend);
  for (const auto& [id, service] : services_) state.services.push_back(service);
  return state;
}

base::Result<Counters> FakeDataplane::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

std::string FakeDataplane::dump() const {
  std::lock_guard lock(mutex_);
  std::ostringstream out;
  for (const auto& [key, f] : frontends_) {
    out << "frontend " << toString(key) << " -> service " << f.service << " "
        << frontendKindName(f.kind);
    if (f.affinity_timeout_s > 0) out << " affinity=" << f.affinity_timeout_s << "s";
    if (f.local_only) out << " local-only";
    if (f.dsr) out << " dsr";
    for (const auto& range : f.source_ranges) out << " allow=" << range.toString();
    out << "\n";
  }
  for (const auto& [id, s] : services_) {
    std::vector<std::size_t> shares(s.backends.size(), 0);
    std::size_t empty = 0;
    for (std::int32_t e : s.maglev) {
      if (e < 0) {
        ++empty;
      } else {
        ++shares[static_cast<std::size_t>(e)];
      }
    }
    out << "service " << id << " maglev=" << s.maglev.size();
    if (empty == s.maglev.size()) out << " no-backend";
    out << "\n";
    for (std::size_t i = 0; i < s.backends.size(); ++i) {
      const Backend& b = s.backends[i];
      out << "  backend " << base::formatEndpoint(b.address, b.port) << " "
          << backendStateName(b.state) << " weight=" << b.weight << (b.node_local ? " local" : "")
          << " share=" << shares[i] << "\n";
    }
  }
  return out.str();
}

void FakeDataplane::failNextCall(base::Error error) {
  std::lock_guard lock(mutex_);
  next_failure_ = std::move(error);
}

std::size_t FakeDataplane::mutations() const {
  std::lock_guard lock(mutex_);
  return mutations_;
}

void FakeDataplane::setCounters(Counters counters) {
  std::lock_guard lock(mutex_);
  counters_ = std::move(counters);
}

std::optional<std::uint32_t> FakeDataplane::flowHash(const FlowTuple& flow) const {
  const std::string text = std::string(protocolName(flow.protocol)) + " " +
                           base::formatEndpoint(flow.source, flow.source_port) + " " +
                           base::formatEndpoint(flow.destination, flow.destination_port);
  std::uint32_t hash = 2166136261U;
  for (char c : text) hash = (hash ^ static_cast<unsigned char>(c)) * 16777619U;
  return hash;
}

base::Result<std::vector<ConntrackEntry>> FakeDataplane::conntrack(std::size_t limit) const {
  std::lock_guard lock(mutex_);
  std::vector<ConntrackEntry> out = conntrack_;
  if (limit > 0 && out.size() > limit) out.resize(limit);
  return out;
}

base::Result<std::optional<ConntrackEntry>> FakeDataplane::conntrackLookup(
    const FlowTuple& flow) const {
  std::lock_guard lock(mutex_);
  for (const auto& entry : conntrack_) {
    if (entry.flow == flow) return entry;
  }
  return std::optional<ConntrackEntry>();
}

void FakeDataplane::setConntrack(std::vector<ConntrackEntry> entries) {
  std::lock_guard lock(mutex_);
  conntrack_ = std::move(entries);
}

}  // namespace sluice::dataplane
