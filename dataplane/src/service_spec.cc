#include "sluice/dataplane/service_spec.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <set>
#include <string>

#include "sluice/dataplane/backend_set.h"

namespace sluice::dataplane {

namespace {

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

template <typename Number>
base::Result<Number> number(std::string_view text, std::string_view what) {
  Number value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return base::fail(base::Errc::kInvalidArgument,
                      std::string(what) + " '" + std::string(text) + "' is not a number in range");
  }
  return value;
}

// "10.96.0.10:80" or "[fd00::10]:80" → address and port.
base::Result<std::pair<base::IpAddress, std::uint16_t>> endpoint(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return base::fail(base::Errc::kInvalidArgument,
                      "'" + std::string(text) + "' is not ADDRESS:PORT");
  }
  std::string_view host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  auto address = base::parseIpAddress(host);
  if (!address) return base::fail(std::move(address.error()));
  auto port = number<std::uint16_t>(text.substr(colon + 1), "port");
  if (!port) return base::fail(std::move(port.error()));
  if (*port == 0)
    return base::fail(base::Errc::kInvalidArgument, "port 0 in '" + std::string(text) + "'");
  return std::pair{*address, *port};
}

base::Result<Protocol> protocol(std::string_view text) {
  if (text == "tcp") return Protocol::kTcp;
  if (text == "udp") return Protocol::kUdp;
  if (text == "sctp") return Protocol::kSctp;
  return base::fail(base::Errc::kInvalidArgument,
                    "protocol '" + std::string(text) + "' is not tcp, udp or sctp");
}

base::Result<FrontendKind> kind(std::string_view text) {
  if (text == "clusterip") return FrontendKind::kClusterIp;
  if (text == "nodeport") return FrontendKind::kNodePort;
  if (text == "loadbalancer") return FrontendKind::kLoadBalancer;
  if (text == "externalip") return FrontendKind::kExternalIp;
  return base::fail(base::Errc::kInvalidArgument, "kind '" + std::string(text) + "' is unknown");
}

// "key=value" → value when the key matches.
std::optional<std::string_view> option(std::string_view word, std::string_view key) {
  if (word.size() > key.size() && word.starts_with(key) && word[key.size()] == '=') {
    return word.substr(key.size() + 1);
  }
  return std::nullopt;
}

base::Result<Frontend> parseFrontend(const std::vector<std::string_view>& w) {
  if (w.size() < 2)
    return base::fail(base::Errc::kInvalidArgument, "frontend needs ADDRESS:PORT/PROTO");
  const std::string_view target = w[1];
  const std::size_t slash = target.rfind('/');
  if (slash == std::string_view::npos) {
    return base::fail(base::Errc::kInvalidArgument,
                      "'" + std::string(target) + "' is not ADDRESS:PORT/PROTO");
  }
  auto ep = endpoint(target.substr(0, slash));
  if (!ep) return base::fail(std::move(ep.error()));
  auto proto = protocol(target.substr(slash + 1));
  if (!proto) return base::fail(std::move(proto.error()));
  Frontend f{.key = {.address = ep->first, .port = ep->second, .protocol = *proto}};
  for (std::size_t i = 2; i < w.size(); ++i) {
    if (auto v = option(w[i], "service")) {
      auto id = number<ServiceId>(*v, "service");
      if (!id) return base::fail(std::move(id.error()));
      f.service = *id;
    } else if (auto k = option(w[i], "kind")) {
      auto parsed = kind(*k);
      if (!parsed) return base::fail(std::move(parsed.error()));
      f.kind = *parsed;
    } else if (auto a = option(w[i], "affinity")) {
      auto seconds = number<std::uint32_t>(*a, "affinity");
      if (!seconds) return base::fail(std::move(seconds.error()));
      f.affinity_timeout_s = *seconds;
    } else if (w[i] == "local-only") {
      f.local_only = true;
    } else if (w[i] == "dsr") {
      f.dsr = true;
    } else if (auto r = option(w[i], "allow")) {
      auto prefix = base::IpPrefix::parse(*r);
      if (!prefix) return base::fail(std::move(prefix.error()));
      f.source_ranges.push_back(*prefix);
    } else {
      return base::fail(base::Errc::kInvalidArgument,
                        "unknown frontend option '" + std::string(w[i]) + "'");
    }
  }
  if (f.service == 0)
    return base::fail(base::Errc::kInvalidArgument, "frontend without service=<id>");
  return f;
}

base::Result<std::pair<ServiceId, Backend>> parseBackend(const std::vector<std::string_view>& w) {
  ServiceId service = 0;
  std::optional<Backend> backend;
  for (std::size_t i = 1; i < w.size(); ++i) {
    if (auto v = option(w[i], "service")) {
      auto id = number<ServiceId>(*v, "service");
      if (!id) return base::fail(std::move(id.error()));
      service = *id;
    } else if (auto wt = option(w[i], "weight")) {
      auto weight = number<std::uint32_t>(*wt, "weight");
      if (!weight) return base::fail(std::move(weight.error()));
      if (!backend) return base::fail(base::Errc::kInvalidArgument, "weight= before the address");
      backend->weight = *weight;
    } else if (w[i] == "ready" || w[i] == "terminating" || w[i] == "draining" || w[i] == "local") {
      if (!backend) {
        return base::fail(base::Errc::kInvalidArgument,
                          "'" + std::string(w[i]) + "' before the address");
      }
      if (w[i] == "local") {
        backend->node_local = true;
      } else {
        backend->state = w[i] == "ready"         ? BackendState::kReady
                         : w[i] == "terminating" ? BackendState::kTerminating
                                                 : BackendState::kDraining;
      }
    } else if (!backend) {
      auto ep = endpoint(w[i]);
      if (!ep) return base::fail(std::move(ep.error()));
      backend = Backend{.address = ep->first, .port = ep->second};
    } else {
      return base::fail(base::Errc::kInvalidArgument,
                        "unknown backend option '" + std::string(w[i]) + "'");
    }
  }
  if (service == 0) return base::fail(base::Errc::kInvalidArgument, "backend without service=<id>");
  if (!backend) return base::fail(base::Errc::kInvalidArgument, "backend without ADDRESS:PORT");
  return std::pair{service, *backend};
}

base::Result<HealthCheckSpec> parseHealthCheck(const std::vector<std::string_view>& w) {
  if (w.size() < 2) return base::fail(base::Errc::kInvalidArgument, "healthcheck needs a PORT");
  auto port = number<std::uint16_t>(w[1], "port");
  if (!port) return base::fail(std::move(port.error()));
  if (*port == 0) return base::fail(base::Errc::kInvalidArgument, "health-check port 0");
  HealthCheckSpec check{.port = *port};
  for (std::size_t i = 2; i < w.size(); ++i) {
    if (auto v = option(w[i], "service")) {
      auto id = number<ServiceId>(*v, "service");
      if (!id) return base::fail(std::move(id.error()));
      check.service = *id;
    } else if (auto n = option(w[i], "name")) {
      const std::size_t slash = n->find('/');
      if (slash == std::string_view::npos || slash == 0 || slash + 1 == n->size()) {
        return base::fail(base::Errc::kInvalidArgument,
                          "name '" + std::string(*n) + "' is not NAMESPACE/NAME");
      }
      check.service_namespace = n->substr(0, slash);
      check.service_name = n->substr(slash + 1);
    } else {
      return base::fail(base::Errc::kInvalidArgument,
                        "unknown healthcheck option '" + std::string(w[i]) + "'");
    }
  }
  if (check.service == 0) {
    return base::fail(base::Errc::kInvalidArgument, "healthcheck without service=<id>");
  }
  return check;
}

}  // namespace

std::uint32_t readyLocalBackends(const ServiceSpec& spec, ServiceId service) {
  const auto it = spec.backends.find(service);
  if (it == spec.backends.end()) return 0;
  return static_cast<std::uint32_t>(std::count_if(
      it->second.begin(), it->second.end(),
      [](const Backend& b) { return b.node_local && b.state == BackendState::kReady; }));
}

base::Result<ServiceSpec> parseServiceSpec(std::string_view text) {
  ServiceSpec spec;
  std::set<FrontendKey> seen;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (const std::size_t hash = line.find('#'); hash != std::string_view::npos) {
      line = line.substr(0, hash);
    }
    const auto w = words(line);
    if (w.empty()) continue;
    auto at = [&](const base::Error& e) {
      return base::fail(base::Errc::kInvalidArgument,
                        "line " + std::to_string(line_no) + ": " + e.message());
    };
    if (w[0] == "frontend") {
      auto f = parseFrontend(w);
      if (!f) return at(f.error());
      if (!seen.insert(f->key).second) {
        return base::fail(base::Errc::kInvalidArgument,
                          "line " + std::to_string(line_no) + ": frontend listed twice");
      }
      spec.backends.try_emplace(f->service);
      spec.frontends.push_back(std::move(*f));
    } else if (w[0] == "backend") {
      auto b = parseBackend(w);
      if (!b) return at(b.error());
      spec.backends[b->first].push_back(b->second);
    } else if (w[0] == "healthcheck") {
      auto h = parseHealthCheck(w);
      if (!h) return at(h.error());
      spec.health_checks.push_back(std::move(*h));
    } else {
      return base::fail(base::Errc::kInvalidArgument,
                        "line " + std::to_string(line_no) + ": unknown statement '" +
                            std::string(w[0]) + "' (frontend, backend or healthcheck)");
    }
  }
  for (const auto& [service, backends] : spec.backends) {
    const bool named = std::any_of(spec.frontends.begin(), spec.frontends.end(),
                                   [&](const Frontend& f) { return f.service == service; });
    if (!named) {
      return base::fail(base::Errc::kInvalidArgument,
                        "backends of service " + std::to_string(service) + " but no frontend");
    }
  }
  return spec;
}

base::Status applyServiceSpec(Dataplane& dataplane, const ServiceSpec& spec,
                              std::uint32_t maglev_size) {
  // Backends first: a frontend never points at a service the data plane does not know yet.
  for (const auto& [service, backends] : spec.backends) {
    auto set = buildServiceBackends(service, backends, {.maglev_size = maglev_size});
    if (!set) return base::fail(std::move(set.error()));
    if (auto ok = dataplane.replaceBackends(*set); !ok) return ok;
  }
  for (const Frontend& f : spec.frontends) {
    if (auto ok = dataplane.upsertFrontend(f); !ok) return ok;
  }
  return {};
}

}  // namespace sluice::dataplane
