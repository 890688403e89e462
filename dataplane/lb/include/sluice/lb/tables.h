// What the lcores read: one immutable snapshot of everything the control thread programmed
// (frontends, backend sets with their Maglev tables, the addresses sluice-lb answers for, next
// hops). The control thread builds a new snapshot per change and publishes it (snapshot.h); a
// snapshot is never modified once published, so lookups take no lock. Pieces that did not change
// (a service's table) are shared between snapshots, not copied.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "sluice/base/address.h"
#include "sluice/dataplane/model.h"
#include "sluice/lb/wire.h"

namespace sluice::lb {

[[nodiscard]] Addr toAddr(const base::IpAddress& address) noexcept;
[[nodiscard]] std::uint8_t familyOf(const base::IpAddress& address) noexcept;
[[nodiscard]] base::IpAddress fromAddr(const Addr& address, std::uint8_t family);

struct AddrHash {
  [[nodiscard]] std::size_t operator()(const Addr& address) const noexcept;
};

struct FrontendBits {
  Addr address;
  std::uint16_t port = 0;  // host order
  std::uint8_t proto = 0;
  std::uint8_t family = 0;

  friend bool operator==(const FrontendBits&, const FrontendBits&) = default;
};
struct FrontendBitsHash {
  [[nodiscard]] std::size_t operator()(const FrontendBits& key) const noexcept;
};

struct PrefixBits {
  Addr address;
  std::uint8_t length = 0;
  [[nodiscard]] bool contains(const Addr& candidate) const noexcept;
};

struct FrontendEntry {
  dataplane::Frontend spec;  // as programmed, for programmed()
  std::vector<PrefixBits> source_ranges;

  [[nodiscard]] bool sourceAllowed(const Addr& source) const noexcept;
};

struct BackendEntry {
  Addr address;
  std::uint16_t port = 0;
};

// A service's backends and Maglev table, as the packet path reads them.
class ServiceTable {
 public:
  explicit ServiceTable(dataplane::ServiceBackends spec);

  [[nodiscard]] const dataplane::ServiceBackends& spec() const noexcept { return spec_; }
  // The backend of the Maglev slot for this flow hash; nullptr when the slot has none.
  [[nodiscard]] const BackendEntry* pick(std::uint32_t flow_hash) const noexcept;
  // Whether (address, port) is still one of the service's backends (established flows keep it).
  [[nodiscard]] bool contains(const Addr& address, std::uint16_t port) const noexcept;
  // Whether it takes new flows (holds Maglev slots): what an affinity entry may still send to.
  [[nodiscard]] bool takesNewFlows(const Addr& address, std::uint16_t port) const noexcept;

 private:
  dataplane::ServiceBackends spec_;
  std::vector<BackendEntry> backends_;  // indexed like spec_.backends
  std::vector<BackendEntry> sorted_;    // by (address, port), for contains()
  std::vector<BackendEntry> active_;    // those with Maglev slots, sorted likewise
};

// The LB's own addressing: its MAC on the port, the addresses full NAT uses as source.
struct Addressing {
  Mac port_mac{};
  std::optional<base::IpAddress> snat_ipv4;
  std::optional<base::IpAddress> snat_ipv6;
};

class Tables {
 public:
  using FrontendMap =
      std::unordered_map<FrontendBits, std::shared_ptr<const FrontendEntry>, FrontendBitsHash>;
  using ServiceMap = std::unordered_map<dataplane::ServiceId, std::shared_ptr<const ServiceTable>>;
  using NeighborMap = std::unordered_map<Addr, Mac, AddrHash>;

  Tables(FrontendMap frontends, ServiceMap services, NeighborMap neighbors4, NeighborMap neighbors6,
         std::optional<Mac> gateway, const Addressing& addressing);

  [[nodiscard]] const FrontendEntry* frontend(const Addr& address, std::uint16_t port,
                                              std::uint8_t proto,
                                              std::uint8_t family) const noexcept;
  [[nodiscard]] const ServiceTable* service(dataplane::ServiceId id) const noexcept;
  // An address sluice-lb answers ARP/NDP and ping for: a LoadBalancer or external IP frontend's,
  // or its own (full-NAT source).
  [[nodiscard]] bool isVip(const Addr& address, std::uint8_t family) const noexcept;
  // The MAC to send a packet for `address` to: its neighbour entry, else the gateway's.
  [[nodiscard]] const Mac* nextHop(const Addr& address, std::uint8_t family) const noexcept;
  [[nodiscard]] const Mac& portMac() const noexcept { return port_mac_; }
  // The full-NAT source address of a family (all zero when none is configured).
  [[nodiscard]] const Addr& snatAddress(std::uint8_t family) const noexcept {
    return family == kFamilyIpv4 ? snat4_ : snat6_;
  }
  [[nodiscard]] const FrontendMap& frontends() const noexcept { return frontends_; }
  [[nodiscard]] const ServiceMap& services() const noexcept { return services_; }

 private:
  FrontendMap frontends_;
  ServiceMap services_;
  NeighborMap neighbors4_;
  NeighborMap neighbors6_;
  std::unordered_set<Addr, AddrHash> vips4_;
  std::unordered_set<Addr, AddrHash> vips6_;
  std::optional<Mac> gateway_;
  Mac port_mac_{};
  Addr snat4_;
  Addr snat6_;
};

}  // namespace sluice::lb
