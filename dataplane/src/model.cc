#include "sluice/dataplane/model.h"

#include <string>

namespace sluice::dataplane {

std::string_view protocolName(Protocol protocol) noexcept {
  switch (protocol) {
    case Protocol::kTcp: return "TCP";
    case Protocol::kUdp: return "UDP";
    case Protocol::kSctp: return "SCTP";
  }
  return "unknown";
}

std::string_view frontendKindName(FrontendKind kind) noexcept {
  switch (kind) {
    case FrontendKind::kClusterIp: return "ClusterIP";
    case FrontendKind::kNodePort: return "NodePort";
    case FrontendKind::kLoadBalancer: return "LoadBalancer";
    case FrontendKind::kExternalIp: return "ExternalIP";
  }
  return "unknown";
}

std::string_view backendStateName(BackendState state) noexcept {
  switch (state) {
    case BackendState::kReady: return "ready";
    case BackendState::kTerminating: return "terminating";
    case BackendState::kDraining: return "draining";
  }
  return "unknown";
}

std::string_view dropReasonName(int reason) noexcept {
  switch (reason) {
    case SLUICE_DROP_NONE: return "none";
    case SLUICE_DROP_MALFORMED_L2: return "malformed_l2";
    case SLUICE_DROP_MALFORMED_L3: return "malformed_l3";
    case SLUICE_DROP_MALFORMED_L4: return "malformed_l4";
    case SLUICE_DROP_NO_BACKEND: return "no_backend";
    case SLUICE_DROP_SOURCE_RANGE: return "source_range";
    case SLUICE_DROP_NO_LOCAL_BACKEND: return "no_local_backend";
    case SLUICE_DROP_FRAGMENT: return "fragment";
    case SLUICE_DROP_UNSUPPORTED_L4: return "unsupported_l4";
    case SLUICE_DROP_TTL_EXCEEDED: return "ttl_exceeded";
    case SLUICE_DROP_CT_FULL: return "conntrack_full";
    case SLUICE_DROP_SNAT_EXHAUSTED: return "snat_exhausted";
    case SLUICE_DROP_BACKEND_GONE: return "backend_gone";
    case SLUICE_DROP_NAT_FAILED: return "nat_failed";
    default: return "unknown";
  }
}

std::string toString(const FrontendKey& key) {
  return base::formatEndpoint(key.address, key.port) + "/" +
         std::string(protocolName(key.protocol));
}

}  // namespace sluice::dataplane
