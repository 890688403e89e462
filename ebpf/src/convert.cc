#include "convert.h"

#include <arpa/inet.h>

#include <cstring>

namespace sluice::ebpf::detail {

sl_addr toAbi(const base::IpAddress& address) {
  sl_addr out{};
  if (address.is_v4()) {
    const auto bytes = address.to_v4().to_bytes();
    std::memcpy(out.bytes, bytes.data(), bytes.size());
  } else {
    const auto bytes = address.to_v6().to_bytes();
    std::memcpy(out.bytes, bytes.data(), bytes.size());
  }
  return out;
}

base::IpAddress fromAbi(const sl_addr& address, std::uint8_t family) {
  if (family == SL_FAMILY_IPV4) {
    boost::asio::ip::address_v4::bytes_type bytes{};
    std::memcpy(bytes.data(), address.bytes, bytes.size());
    return boost::asio::ip::address_v4(bytes);
  }
  boost::asio::ip::address_v6::bytes_type bytes{};
  std::memcpy(bytes.data(), address.bytes, bytes.size());
  return boost::asio::ip::address_v6(bytes);
}

std::uint8_t familyOf(const base::IpAddress& address) {
  return address.is_v4() ? SL_FAMILY_IPV4 : SL_FAMILY_IPV6;
}

sl_frontend_key toAbi(const dataplane::FrontendKey& key) {
  sl_frontend_key out{};
  out.addr = toAbi(key.address);
  out.port = htons(key.port);
  out.proto = static_cast<std::uint8_t>(key.protocol);
  out.family = familyOf(key.address);
  return out;
}

dataplane::FrontendKey fromAbi(const sl_frontend_key& key) {
  return {.address = fromAbi(key.addr, key.family),
          .port = ntohs(key.port),
          .protocol = static_cast<dataplane::Protocol>(key.proto)};
}

sl_frontend toAbi(const dataplane::Frontend& frontend) {
  sl_frontend out{};
  out.service_id = frontend.service;
  out.kind = static_cast<std::uint8_t>(frontend.kind);
  out.affinity_timeout_s = frontend.affinity_timeout_s;
  if (frontend.affinity_timeout_s > 0) out.flags |= SL_FE_AFFINITY;
  if (frontend.local_only) out.flags |= SL_FE_LOCAL_ONLY;
  if (frontend.dsr) out.flags |= SL_FE_DSR;
  if (!frontend.source_ranges.empty()) out.flags |= SL_FE_SOURCE_RANGES;
  return out;
}

dataplane::Frontend fromAbi(const sl_frontend_key& key, const sl_frontend& value) {
  return {.key = fromAbi(key),
          .service = value.service_id,
          .kind = static_cast<dataplane::FrontendKind>(value.kind),
          .affinity_timeout_s = (value.flags & SL_FE_AFFINITY) != 0 ? value.affinity_timeout_s : 0,
          .local_only = (value.flags & SL_FE_LOCAL_ONLY) != 0,
          .dsr = (value.flags & SL_FE_DSR) != 0,
          .source_ranges = {}};
}

sl_backend toAbi(const dataplane::Backend& backend, dataplane::ServiceId service, bool active) {
  sl_backend out{};
  out.addr = toAbi(backend.address);
  out.port = htons(backend.port);
  out.family = familyOf(backend.address);
  out.service_id = service;
  out.weight = backend.weight;
  if (backend.node_local) out.flags |= SL_BE_LOCAL;
  if (active) out.flags |= SL_BE_ACTIVE;
  if (backend.state == dataplane::BackendState::kTerminating) out.flags |= SL_BE_TERMINATING;
  if (backend.state == dataplane::BackendState::kDraining) out.flags |= SL_BE_DRAINING;
  return out;
}

dataplane::Backend fromAbi(const sl_backend& backend) {
  dataplane::BackendState state = dataplane::BackendState::kReady;
  if ((backend.flags & SL_BE_TERMINATING) != 0) state = dataplane::BackendState::kTerminating;
  if ((backend.flags & SL_BE_DRAINING) != 0) state = dataplane::BackendState::kDraining;
  return {.address = fromAbi(backend.addr, backend.family),
          .port = ntohs(backend.port),
          .weight = backend.weight,
          .state = state,
          .node_local = (backend.flags & SL_BE_LOCAL) != 0};
}

}  // namespace sluice::ebpf::detail
