// translateService: a Service and its slices → this node's views (see desired_state.h).
#include "sluice/controlplane/desired_state.h"

#include <algorithm>
#include <set>

#include "endpoint_rules.h"

namespace sluice::controlplane {
namespace {

using dataplane::Frontend;
using dataplane::FrontendKind;
using discovery::Service;
using discovery::ServiceType;
using discovery::TrafficPolicy;

constexpr const char* kProxyNameLabel = "service.kubernetes.io/service-proxy-name";
constexpr const char* kHeadlessLabel = "service.kubernetes.io/headless";
constexpr const char* kDsrAnnotation = "sluice.io/dsr";

std::string familyOf(const base::IpAddress& address) { return address.is_v4() ? "IPv4" : "IPv6"; }

dataplane::Protocol protocolOf(const std::string& protocol) {
  if (protocol == "UDP") return dataplane::Protocol::kUdp;
  if (protocol == "SCTP") return dataplane::Protocol::kSctp;
  return dataplane::Protocol::kTcp;
}

std::string skipReason(const Service& service, const NodeContext& node) {
  if (service.type == ServiceType::kExternalName) return "type ExternalName is resolved by DNS";
  if (auto it = service.meta.labels.find(kProxyNameLabel);
      it != service.meta.labels.end() && it->second != node.proxy_name) {
    return std::string(kProxyNameLabel) + "=" + it->second + " names another proxy";
  }
  if (service.meta.labels.contains(kHeadlessLabel)) {
    return std::string("labelled ") + kHeadlessLabel;
  }
  const bool has_cluster_ip =
      std::any_of(service.cluster_ips.begin(), service.cluster_ips.end(),
                  [](const std::string& ip) { return !ip.empty() && ip != "None"; });
  if (!has_cluster_ip) return "headless (clusterIP None)";
  return "";
}

// Addresses of `family` parsed from `texts`; the rest reported as warnings.
std::vector<base::IpAddress> addressesOf(const std::vector<std::string>& texts,
                                         const std::string& family, const std::string& field,
                                         std::vector<std::string>& warnings) {
  std::vector<base::IpAddress> out;
  for (const auto& text : texts) {
    if (text.empty() || text == "None") continue;
    auto address = base::parseIpAddress(text);
    if (!address) {
      warnings.push_back(field);
      warnings.back().append(": \"").append(text).append("\" is not an IP address; ignored");
      continue;
    }
    if (familyOf(*address) == family) out.push_back(*address);
  }
  return out;
}

struct PortFrontends {
  std::vector<Frontend> internal;
  std::vector<Frontend> external;
};

PortFrontends frontendsOf(const Service& service, const discovery::ServicePort& port,
                          const std::string& family, const NodeContext& node,
                          std::vector<std::string>& warnings) {
  const auto protocol = protocolOf(port.protocol);
  auto make = [&](const base::IpAddress& address, std::uint16_t number, FrontendKind kind) {
    return Frontend{.key = {.address = address, .port = number, .protocol = protocol},
                    .service = 0,
                    .kind = kind,
                    .affinity_timeout_s = service.affinity_timeout_s};
  };
  PortFrontends out;
  for (const auto& ip : addressesOf(service.cluster_ips, family, "spec.clusterIPs", warnings)) {
    out.internal.push_back(make(ip, port.port, FrontendKind::kClusterIp));
  }
  const bool has_node_ports =
      service.type == ServiceType::kNodePort || service.type == ServiceType::kLoadBalancer;
  if (has_node_ports && port.node_port != 0) {
    for (const auto& ip : node.nodeport_addresses) {
      if (familyOf(ip) == family)
        out.external.push_back(make(ip, port.node_port, FrontendKind::kNodePort));
    }
  }
  if (service.type == ServiceType::kLoadBalancer) {
    std::vector<base::IpPrefix> ranges;
    for (const auto& text : service.load_balancer_source_ranges) {
      auto prefix = base::IpPrefix::parse(text);
      if (!prefix) {
        warnings.push_back("spec.loadBalancerSourceRanges: \"" + text +
                           "\" is not a CIDR; ignored");
      } else if (familyOf(prefix->address()) == family) {
        ranges.push_back(*prefix);
      }
    }
    for (const auto& ip :
         addressesOf(service.load_balancer_ips, family, "status.loadBalancer.ingress", warnings)) {
      auto frontend = make(ip, port.port, FrontendKind::kLoadBalancer);
      frontend.source_ranges = ranges;
      out.external.push_back(std::move(frontend));
    }
  }
  for (const auto& ip : addressesOf(service.external_ips, family, "spec.externalIPs", warnings)) {
    out.external.push_back(make(ip, port.port, FrontendKind::kExternalIp));
  }
  return out;
}

DesiredView makeView(const discovery::ServiceSnapshot& snapshot, const discovery::ServicePort& port,
                     const std::string& family, bool external, bool local_only,
                     std::vector<Frontend> frontends,
                     const std::vector<detail::Candidate>& candidates,
                     std::vector<std::string> decisions) {
  const std::string label = port.name.empty() ? std::to_string(port.port) : port.name;
  DesiredView view{
      .key = viewKey(snapshot.service.meta.name, label, port.protocol, family, external),
      .service = snapshot.service.meta.name,
      .port_label = label,
      .family = family,
      .external = external,
      .local_only = local_only,
      .frontends = std::move(frontends),
      .backends = {},
      .origins = {},
      .decisions = std::move(decisions)};
  for (const auto& candidate : candidates) {
    view.backends.push_back(candidate.backend);
    view.origins.push_back(candidate.origin);
  }
  std::sort(view.frontends.begin(), view.frontends.end(),
            [](const Frontend& a, const Frontend& b) { return a.key < b.key; });
  return view;
}

std::string policySentence(const char* which, bool local, std::size_t local_count) {
  if (!local) return std::string(which) + "=Cluster: endpoints on every node are eligible";
  return std::string(which) + "=Local: only the " + std::to_string(local_count) +
         " endpoints on this node are eligible";
}

}  // namespace

std::string viewKey(const discovery::ObjectName& service, const std::string& port_label,
                    const std::string& protocol, const std::string& family, bool external) {
  std::string key = service.toString() + ":" + port_label + "/" + protocol + "/" + family;
  if (external) key += "/external";
  return key;
}

ServiceTranslation translateService(const discovery::ServiceSnapshot& snapshot,
                                    const NodeContext& node) {
  const Service& service = snapshot.service;
  ServiceTranslation out;
  out.skipped = skipReason(service, node);
  if (!out.skipped.empty()) return out;
  for (const auto& slice : snapshot.slices) {
    out.last_change_trigger_unix_ms =
        std::max(out.last_change_trigger_unix_ms, slice.last_change_trigger_unix_ms);
  }

  const bool etp_local = service.external_traffic_policy == TrafficPolicy::kLocal;
  const bool itp_local = service.internal_traffic_policy == TrafficPolicy::kLocal;
  auto dsr = service.meta.annotations.find(kDsrAnnotation);
  const bool want_dsr =
      node.dsr || (dsr != service.meta.annotations.end() && dsr->second == "true");
  std::set<std::pair<std::string, base::IpAddress>> local_ready;  // for the health check

  for (const std::string family : {"IPv4", "IPv6"}) {
    if (addressesOf(service.cluster_ips, family, "spec.clusterIPs", out.warnings).empty()) {
      continue;  // the Service does not have this family
    }
    for (const auto& port : service.ports) {
      auto frontends = frontendsOf(service, port, family, node, out.warnings);
      auto candidates = detail::mergeEndpoints(snapshot, port, family, node, out.warnings);
      const auto local_count = static_cast<std::size_t>(
          std::count_if(candidates.begin(), candidates.end(),
                        [](const detail::Candidate& c) { return c.backend.node_local; }));
      for (const auto& candidate : candidates) {
        if (candidate.backend.node_local &&
            candidate.backend.state == dataplane::BackendState::kReady) {
          local_ready.emplace(family, candidate.backend.address);
        }
      }
      // Topology narrows cluster-wide traffic only; Local policies already keep traffic here.
      auto cluster_candidates = candidates;
      const std::string topology = detail::applyTopology(service, node, cluster_candidates);

      std::vector<std::string> internal_decisions{
          policySentence("internalTrafficPolicy", itp_local, local_count)};
      if (!itp_local && !topology.empty()) internal_decisions.push_back(topology);
      const bool separate_external = !frontends.external.empty() && (etp_local || itp_local);
      if (!separate_external) {
        for (auto& frontend : frontends.external) {
          frontend.dsr = want_dsr && family == "IPv4";
          frontends.internal.push_back(std::move(frontend));
        }
      }
      out.views.push_back(
          makeView(snapshot, port, family, false, itp_local, std::move(frontends.internal),
                   itp_local ? candidates : cluster_candidates, std::move(internal_decisions)));
      if (separate_external) {
        for (auto& frontend : frontends.external) {
          frontend.local_only = etp_local;
          frontend.dsr = !etp_local && want_dsr && family == "IPv4";
        }
        std::vector<std::string> decisions{
            policySentence("externalTrafficPolicy", etp_local, local_count)};
        if (!etp_local && !topology.empty()) decisions.push_back(topology);
        out.views.push_back(
            makeView(snapshot, port, family, true, etp_local, std::move(frontends.external),
                     etp_local ? candidates : cluster_candidates, std::move(decisions)));
      }
    }
  }
  if (etp_local && service.type == ServiceType::kLoadBalancer &&
      service.health_check_node_port != 0) {
    out.health_checks.push_back(
        DesiredHealthCheck{.port = service.health_check_node_port,
                           .service = service.meta.name,
                           .local_endpoints = static_cast<std::uint32_t>(local_ready.size())});
  }
  return out;
}

}  // namespace sluice::controlplane
