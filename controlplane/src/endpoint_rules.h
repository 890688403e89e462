// The endpoint rules of one Service port in one family: merge the Service's EndpointSlices,
// de-duplicate, refuse unsafe addresses, map conditions to backend states, and narrow by
// topology and traffic policy. Internal to the control plane (desired_state.cc uses it).
#pragma once

#include <string>
#include <vector>

#include "sluice/controlplane/desired_state.h"

namespace sluice::controlplane::detail {

struct Candidate {
  dataplane::Backend backend;
  BackendOrigin origin;
  std::vector<std::string> hint_zones;
};

// Every usable endpoint of `port` in `family` ("IPv4"/"IPv6"): the first slice (by name) that
// lists an address:port wins; not-ready, non-terminating endpoints are left out; unsafe or
// malformed addresses are left out with a warning.
[[nodiscard]] std::vector<Candidate> mergeEndpoints(const discovery::ServiceSnapshot& snapshot,
                                                    const discovery::ServicePort& port,
                                                    const std::string& family,
                                                    const NodeContext& node,
                                                    std::vector<std::string>& warnings);

// Topology-aware routing (hints, trafficDistribution: PreferClose): when the Service asks for it,
// every endpoint carries hints, and some are hinted for this node's zone, only those stay.
// Returns the decision taken as a sentence ("" when topology does not apply).
[[nodiscard]] std::string applyTopology(const discovery::Service& service, const NodeContext& node,
                                        std::vector<Candidate>& candidates);

// Why an endpoint address must not be a backend (loopback, link-local, …); "" when it may be.
[[nodiscard]] std::string unsafeAddressReason(const base::IpAddress& address);

}  // namespace sluice::controlplane::detail
