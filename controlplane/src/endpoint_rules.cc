// Endpoint rules (see endpoint_rules.h).
#include "endpoint_rules.h"

#include <algorithm>
#include <set>

namespace sluice::controlplane::detail {
namespace {

const discovery::EndpointPort* matchingPort(const discovery::EndpointSlice& slice,
                                            const discovery::ServicePort& port) {
  for (const auto& candidate : slice.ports) {
    if (candidate.name == port.name && candidate.protocol == port.protocol) return &candidate;
  }
  return nullptr;
}

// ready → takes new flows; terminating and serving → only when nothing is ready (KEP-1669);
// terminating and not serving → keeps its established flows; neither ready nor terminating →
// not a backend at all (a pod that is starting or failing its probe).
std::optional<dataplane::BackendState> stateOf(const discovery::EndpointConditions& conditions) {
  if (conditions.ready && !conditions.terminating) return dataplane::BackendState::kReady;
  if (conditions.terminating) {
    return conditions.serving ? dataplane::BackendState::kTerminating
                              : dataplane::BackendState::kDraining;
  }
  return std::nullopt;
}

bool topologyRequested(const discovery::Service& service) {
  if (service.traffic_distribution == "PreferClose") return true;
  for (const char* key :
       {"service.kubernetes.io/topology-mode", "service.kubernetes.io/topology-aware-hints"}) {
    auto it = service.meta.annotations.find(key);
    if (it != service.meta.annotations.end() && (it->second == "Auto" || it->second == "auto")) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string unsafeAddressReason(const base::IpAddress& address) {
  if (address.is_loopback()) return "is loopback";
  if (address.is_unspecified()) return "is unspecified";
  if (address.is_multicast()) return "is multicast";
  if (address.is_v4()) {
    const auto bytes = address.to_v4().to_bytes();
    if (bytes[0] == 169 && bytes[1] == 254) return "is link-local";
    if (bytes[0] == 0) return "is in 0.0.0.0/8";
  } else {
    const auto v6 = address.to_v6();
    if (v6.is_link_local()) return "is link-local";
    if (v6.is_v4_mapped()) return "is an IPv4-mapped IPv6 address";
  }
  return "";
}

std::vector<Candidate> mergeEndpoints(const discovery::ServiceSnapshot& snapshot,
                                      const discovery::ServicePort& port, const std::string& family,
                                      const NodeContext& node, std::vector<std::string>& warnings) {
  std::vector<const discovery::EndpointSlice*> slices;
  slices.reserve(snapshot.slices.size());
  for (const auto& slice : snapshot.slices) slices.push_back(&slice);
  std::sort(slices.begin(), slices.end(),
            [](const auto* a, const auto* b) { return a->meta.name < b->meta.name; });

  std::vector<Candidate> out;
  std::set<std::pair<base::IpAddress, std::uint16_t>> seen;
  for (const auto* slice : slices) {
    if (slice->address_type != family) continue;
    const auto* slice_port = matchingPort(*slice, port);
    if (slice_port == nullptr || slice_port->port == 0) continue;
    for (const auto& endpoint : slice->endpoints) {
      // Kubernetes defines only the first address as the endpoint's; the rest are ignored.
      const std::string& text = endpoint.addresses.front();
      auto address = base::parseIpAddress(text);
      const std::string where =
          "EndpointSlice " + slice->meta.name.toString() + ": address " + text;
      if (!address) {
        warnings.push_back(where + " is not an IP address; endpoint ignored");
        continue;
      }
      if ((family == "IPv4") != address->is_v4()) {
        warnings.push_back(where);
        warnings.back()
            .append(" is not ")
            .append(family)
            .append(" (the slice's addressType); endpoint ignored");
        continue;
      }
      if (auto reason = unsafeAddressReason(*address); !reason.empty()) {
        warnings.push_back(where);
        warnings.back().append(" ").append(reason).append("; endpoint ignored");
        continue;
      }
      const auto state = stateOf(endpoint.conditions);
      if (!state) continue;
      if (!seen.emplace(*address, slice_port->port).second) continue;
      out.push_back(Candidate{
          .backend = dataplane::Backend{.address = *address,
                                        .port = slice_port->port,
                                        .weight = 1,
                                        .state = *state,
                                        .node_local = !node.node_name.empty() &&
                                                      endpoint.node_name == node.node_name},
          .origin = BackendOrigin{.node = endpoint.node_name, .zone = endpoint.zone},
          .hint_zones = endpoint.hint_zones});
    }
  }
  return out;
}

std::string applyTopology(const discovery::Service& service, const NodeContext& node,
                          std::vector<Candidate>& candidates) {
  if (!topologyRequested(service)) return "";
  if (node.zone.empty()) return "topology: this node has no zone label; every zone is used";
  bool all_hinted = true;
  bool any_here = false;
  for (const auto& candidate : candidates) {
    if (candidate.backend.state == dataplane::BackendState::kDraining) continue;
    if (candidate.hint_zones.empty()) all_hinted = false;
    if (std::find(candidate.hint_zones.begin(), candidate.hint_zones.end(), node.zone) !=
        candidate.hint_zones.end()) {
      any_here = true;
    }
  }
  if (!all_hinted) return "topology: some endpoints carry no zone hints; every zone is used";
  if (!any_here) {
    return "topology: no endpoint is hinted for zone " + node.zone + "; every zone is used";
  }
  std::erase_if(candidates, [&](const Candidate& candidate) {
    return std::find(candidate.hint_zones.begin(), candidate.hint_zones.end(), node.zone) ==
           candidate.hint_zones.end();
  });
  return "topology: only the " + std::to_string(candidates.size()) + " endpoints hinted for zone " +
         node.zone + " are used";
}

}  // namespace sluice::controlplane::detail
