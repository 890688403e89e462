// sluice.lb.v1 <-> dataplane model (see lb_convert.h).
#include "lb_convert.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

namespace sluice::dataplane::lbapi {
namespace {

using base::Errc;
using base::fail;

std::string lower(std::string_view text) {
  std::string out(text);
  std::ranges::transform(out, out.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

base::Result<FrontendKind> kindOf(std::string_view text) {
  const std::string name = lower(text);
  if (name.empty() || name == "loadbalancer") return FrontendKind::kLoadBalancer;
  if (name == "externalip") return FrontendKind::kExternalIp;
  if (name == "nodeport") return FrontendKind::kNodePort;
  if (name == "clusterip") return FrontendKind::kClusterIp;
  return fail(Errc::kInvalidArgument,
              "kind '" + std::string(text) +
                  "' is not one of LoadBalancer, ExternalIP, NodePort, ClusterIP");
}

base::Result<BackendState> stateOf(std::string_view text) {
  const std::string name = lower(text);
  if (name.empty() || name == "ready") return BackendState::kReady;
  if (name == "terminating") return BackendState::kTerminating;
  if (name == "draining") return BackendState::kDraining;
  return fail(Errc::kInvalidArgument,
              "state '" + std::string(text) + "' is not one of ready, terminating, draining");
}

base::Result<std::uint16_t> portOf(std::uint32_t port, std::string_view what) {
  if (port == 0 || port > 65535) {
    return fail(Errc::kInvalidArgument,
                std::string(what) + " port " + std::to_string(port) + " is not in 1..65535");
  }
  return static_cast<std::uint16_t>(port);
}

}  // namespace

base::Result<FrontendKey> fromProto(const lb::v1::VipKey& key) {
  auto address = base::parseIpAddress(key.address());
  if (!address) {
    return fail(Errc::kInvalidArgument, "VIP address '" + key.address() + "' is not an IP address");
  }
  auto port = portOf(key.port(), "VIP");
  if (!port) return fail(std::move(port.error()));
  const std::string protocol = lower(key.protocol());
  FrontendKey out{.address = *address, .port = *port, .protocol = Protocol::kTcp};
  if (protocol == "udp") {
    out.protocol = Protocol::kUdp;
  } else if (protocol != "tcp") {
    return fail(Errc::kInvalidArgument, "VIP protocol '" + key.protocol() + "' is not TCP or UDP");
  }
  return out;
}

base::Result<Frontend> fromProto(const lb::v1::Vip& vip) {
  auto key = fromProto(vip.key());
  if (!key) return fail(std::move(key.error()));
  if (vip.service_id() == 0) {
    return fail(Errc::kInvalidArgument, "VIP " + toString(*key) + ": service_id must be > 0");
  }
  auto kind = kindOf(vip.kind());
  if (!kind) return fail(std::move(kind.error()));
  Frontend out{.key = *key,
               .service = vip.service_id(),
               .kind = *kind,
               .affinity_timeout_s = vip.affinity_timeout_s(),
               .local_only = vip.local_only(),
               .dsr = vip.dsr(),
               .source_ranges = {}};
  for (const std::string& range : vip.source_ranges()) {
    auto prefix = base::IpPrefix::parse(range);
    if (!prefix) {
      return fail(Errc::kInvalidArgument,
                  "VIP " + toString(*key) + ": source range '" + range + "' is not a CIDR");
    }
    out.source_ranges.push_back(*prefix);
  }
  return out;
}

base::Result<Backend> fromProto(const lb::v1::Backend& backend) {
  auto address = base::parseIpAddress(backend.address());
  if (!address) {
    return fail(Errc::kInvalidArgument,
                "backend address '" + backend.address() + "' is not an IP address");
  }
  auto port = portOf(backend.port(), "backend");
  if (!port) return fail(std::move(port.error()));
  auto state = stateOf(backend.state());
  if (!state) return fail(std::move(state.error()));
  return Backend{.address = *address,
                 .port = *port,
                 .weight = backend.weight(),
                 .state = *state,
                 .node_local = backend.node_local()};
}

void toProto(const FrontendKey& key, lb::v1::VipKey& out) {
  out.set_address(key.address.to_string());
  out.set_port(key.port);
  out.set_protocol(std::string(protocolName(key.protocol)));
}

void toProto(const Frontend& frontend, lb::v1::Vip& out) {
  toProto(frontend.key, *out.mutable_key());
  out.set_service_id(frontend.service);
  out.set_kind(std::string(frontendKindName(frontend.kind)));
  out.set_dsr(frontend.dsr);
  out.set_local_only(frontend.local_only);
  out.set_affinity_timeout_s(frontend.affinity_timeout_s);
  for (const auto& range : frontend.source_ranges) out.add_source_ranges(range.toString());
}

void toProto(const Backend& backend, std::uint32_t entries, lb::v1::Backend& out) {
  out.set_address(backend.address.to_string());
  out.set_port(backend.port);
  out.set_weight(backend.weight);
  out.set_state(std::string(backendStateName(backend.state)));
  out.set_node_local(backend.node_local);
  out.set_maglev_entries(entries);
}

}  // namespace sluice::dataplane::lbapi
