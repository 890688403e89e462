#include "sluice/lb/tables.h"

#include <algorithm>
#include <utility>

#include "sluice/dataplane/flow_hash.h"
#include "sluice/lb/flow_hash.h"

namespace sluice::lb {
namespace {

bool lessEndpoint(const BackendEntry& a, const BackendEntry& b) {
  return a.address != b.address ? a.address < b.address : a.port < b.port;
}

std::size_t hashWords(const Addr& address, std::uint32_t extra) {
  std::uint32_t h = 0x9e3779b9U ^ extra;
  for (std::size_t i = 0; i < 4; ++i) {
    h = sl_flow_mix32(h ^ loadNative32(address.bytes.data() + 4 * i));
  }
  return h;
}

}  // namespace

Addr toAddr(const base::IpAddress& address) noexcept {
  Addr out;
  if (address.is_v4()) {
    const auto bytes = address.to_v4().to_bytes();
    std::copy(bytes.begin(), bytes.end(), out.bytes.begin());
  } else {
    out.bytes = address.to_v6().to_bytes();
  }
  return out;
}

std::uint8_t familyOf(const base::IpAddress& address) noexcept {
  return address.is_v4() ? kFamilyIpv4 : kFamilyIpv6;
}

base::IpAddress fromAddr(const Addr& address, std::uint8_t family) {
  if (family == kFamilyIpv4) {
    boost::asio::ip::address_v4::bytes_type bytes{};
    std::copy_n(address.bytes.begin(), 4, bytes.begin());
    return boost::asio::ip::address_v4(bytes);
  }
  return boost::asio::ip::address_v6(address.bytes);
}

std::size_t AddrHash::operator()(const Addr& address) const noexcept {
  return hashWords(address, 0);
}

std::size_t FrontendBitsHash::operator()(const FrontendBits& key) const noexcept {
  return hashWords(key.address, (std::uint32_t{key.port} << 16U) |
                                    (std::uint32_t{key.proto} << 8U) | key.family);
}

bool PrefixBits::contains(const Addr& candidate) const noexcept {
  const std::size_t whole = length / 8U;
  if (!std::equal(candidate.bytes.begin(), candidate.bytes.begin() + static_cast<long>(whole),
                  address.bytes.begin())) {
    return false;
  }
  const unsigned rest = length % 8U;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xffU << (8U - rest));
  return (candidate.bytes[whole] & mask) == (address.bytes[whole] & mask);
}

bool FrontendEntry::sourceAllowed(const Addr& source) const noexcept {
  if (source_ranges.empty()) return true;
  return std::ranges::any_of(source_ranges,
                             [&](const PrefixBits& range) { return range.contains(source); });
}

ServiceTable::ServiceTable(dataplane::ServiceBackends spec) : spec_(std::move(spec)) {
  backends_.reserve(spec_.backends.size());
  for (const auto& b : spec_.backends) {
    backends_.push_back({.address = toAddr(b.address), .port = b.port});
  }
  sorted_ = backends_;
  std::ranges::sort(sorted_, lessEndpoint);
  std::vector<bool> has_slot(backends_.size(), false);
  for (const std::int32_t index : spec_.maglev) {
    if (index >= 0 && static_cast<std::size_t>(index) < has_slot.size()) {
      has_slot[static_cast<std::size_t>(index)] = true;
    }
  }
  for (std::size_t i = 0; i < backends_.size(); ++i) {
    if (has_slot[i]) active_.push_back(backends_[i]);
  }
  std::ranges::sort(active_, lessEndpoint);
}

const BackendEntry* ServiceTable::pick(std::uint32_t flow_hash) const noexcept {
  if (spec_.maglev.empty()) return nullptr;
  const std::int32_t index = spec_.maglev[flow_hash % spec_.maglev.size()];
  if (index < 0 || static_cast<std::size_t>(index) >= backends_.size()) return nullptr;
  return &backends_[static_cast<std::size_t>(index)];
}

bool ServiceTable::contains(const Addr& address, std::uint16_t port) const noexcept {
  return std::ranges::binary_search(sorted_, BackendEntry{.address = address, .port = port},
                                    lessEndpoint);
}

bool ServiceTable::takesNewFlows(const Addr& address, std::uint16_t port) const noexcept {
  return std::ranges::binary_search(active_, BackendEntry{.address = address, .port = port},
                                    lessEndpoint);
}

Tables::Tables(FrontendMap frontends, ServiceMap services, NeighborMap neighbors4,
               NeighborMap neighbors6, std::optional<Mac> gateway, const Addressing& addressing)
    : frontends_(std::move(frontends)),
      services_(std::move(services)),
      neighbors4_(std::move(neighbors4)),
      neighbors6_(std::move(neighbors6)),
      gateway_(gateway),
      port_mac_(addressing.port_mac) {
  for (const auto& [key, entry] : frontends_) {
    // LoadBalancer and external IPs are the LB's to announce; NodePort addresses belong to nodes.
    const auto kind = entry->spec.kind;
    if (kind != dataplane::FrontendKind::kLoadBalancer &&
        kind != dataplane::FrontendKind::kExternalIp) {
      continue;
    }
    (key.family == kFamilyIpv4 ? vips4_ : vips6_).insert(key.address);
  }
  if (addressing.snat_ipv4) {
    snat4_ = toAddr(*addressing.snat_ipv4);
    vips4_.insert(snat4_);
  }
  if (addressing.snat_ipv6) {
    snat6_ = toAddr(*addressing.snat_ipv6);
    vips6_.insert(snat6_);
  }
}

const FrontendEntry* Tables::frontend(const Addr& address, std::uint16_t port, std::uint8_t proto,
                                      std::uint8_t family) const noexcept {
  const auto it = frontends_.find(
      FrontendBits{.address = address, .port = port, .proto = proto, .family = family});
  return it == frontends_.end() ? nullptr : it->second.get();
}

const ServiceTable* Tables::service(dataplane::ServiceId id) const noexcept {
  const auto it = services_.find(id);
  return it == services_.end() ? nullptr : it->second.get();
}

bool Tables::isVip(const Addr& address, std::uint8_t family) const noexcept {
  return (family == kFamilyIpv4 ? vips4_ : vips6_).contains(address);
}

const Mac* Tables::nextHop(const Addr& address, std::uint8_t family) const noexcept {
  const NeighborMap& neighbors = family == kFamilyIpv4 ? neighbors4_ : neighbors6_;
  const auto it = neighbors.find(address);
  if (it != neighbors.end()) return &it->second;
  return gateway_ ? &*gateway_ : nullptr;
}

}  // namespace sluice::lb
