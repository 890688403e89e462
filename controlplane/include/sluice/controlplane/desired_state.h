// From one Kubernetes Service (with its EndpointSlices) to what this node's data plane should
// hold: "views", each one data-plane service — one Maglev table over one backend set of one
// address family — with the frontends that lead to it. A dual-stack Service is a view per family;
// a Service whose external and internal traffic policies differ gets a separate view for its
// external frontends (NodePort, LoadBalancer, externalIPs). Service ids are not chosen here: the
// reconciler gives each view key a stable id.
//
// The rules kube-proxy users rely on live here: which Services are skipped, how EndpointSlices
// merge, which endpoints are eligible (conditions, CVE-2021-25737 address checks, topology,
// traffic policies), and where NodePorts listen.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sluice/base/address.h"
#include "sluice/dataplane/model.h"
#include "sluice/discovery/service_model.h"

namespace sluice::controlplane {

// What the rules need to know about this node.
struct NodeContext {
  std::string node_name;
  std::string zone;  // the Node's topology.kubernetes.io/zone; "" = unknown (no topology)
  std::vector<base::IpAddress> nodeport_addresses;  // where NodePorts listen
  std::string proxy_name = "sluice";  // service.kubernetes.io/service-proxy-name we answer to
  bool dsr = false;                   // DSR for every IPv4 external frontend (--lb-mode=dsr)
};

// What the inspector shows about a backend beyond what the data plane holds.
struct BackendOrigin {
  std::string node;
  std::string zone;
};

struct DesiredView {
  std::string key;  // "default/web:http/TCP/IPv4", "…/IPv4/external": the stable id's name
  discovery::ObjectName service;
  std::string port_label;  // "http" (the port's name) or "80" when it has none
  std::string family;      // "IPv4", "IPv6"
  bool external = false;   // the external frontends' own view (traffic policies differ)
  bool local_only = false;
  std::vector<dataplane::Frontend> frontends;  // service id left 0
  std::vector<dataplane::Backend> backends;
  std::vector<BackendOrigin> origins;  // parallel to `backends`
  // The policy decisions taken, as sentences, for `sluice explain`.
  std::vector<std::string> decisions;

  friend bool operator==(const DesiredView&, const DesiredView&) = default;
};

// A health-check node port this node must answer (ETP=Local LoadBalancer).
struct DesiredHealthCheck {
  std::uint16_t port = 0;
  discovery::ObjectName service;
  std::uint32_t local_endpoints = 0;

  friend bool operator==(const DesiredHealthCheck&, const DesiredHealthCheck&) = default;
};

struct ServiceTranslation {
  std::string skipped;  // why the Service is not proxied at all; "" when it is
  std::vector<DesiredView> views;
  std::vector<DesiredHealthCheck> health_checks;
  std::vector<std::string> warnings;             // objects or fields ignored, with the reason
  std::int64_t last_change_trigger_unix_ms = 0;  // newest trigger time of its slices
};

[[nodiscard]] ServiceTranslation translateService(const discovery::ServiceSnapshot& snapshot,
                                                  const NodeContext& node);

// "default/web:http/TCP/IPv4" for a port of a service, in a family (and its external view).
[[nodiscard]] std::string viewKey(const discovery::ObjectName& service,
                                  const std::string& port_label, const std::string& protocol,
                                  const std::string& family, bool external);

}  // namespace sluice::controlplane
