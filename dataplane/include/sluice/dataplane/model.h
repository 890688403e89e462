// What a data plane is told and what it reports: plain structs, no Kubernetes types. The control
// plane decides everything (which backends are eligible, Maglev tables, flags); a data plane only
// stores and applies it.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/base/address.h"
#include "sluice/dataplane/drop_reason.h"

namespace sluice::dataplane {

using base::IpAddress;
using base::IpPrefix;

// Stable per service port (namespace/name:port/protocol) for the life of the service; chosen by
// the control plane, 0 is never a valid id.
using ServiceId = std::uint32_t;

enum class Protocol : std::uint8_t { kTcp = 6, kUdp = 17, kSctp = 132 };

enum class FrontendKind : std::uint8_t { kClusterIp, kNodePort, kLoadBalancer, kExternalIp };

struct FrontendKey {
  IpAddress address;
  std::uint16_t port = 0;
  Protocol protocol = Protocol::kTcp;

  friend bool operator==(const FrontendKey&, const FrontendKey&) = default;
  friend bool operator<(const FrontendKey& a, const FrontendKey& b) {
    if (a.address != b.address) return a.address < b.address;
    if (a.port != b.port) return a.port < b.port;
    return a.protocol < b.protocol;
  }
};

struct Frontend {
  FrontendKey key;
  ServiceId service = 0;
  FrontendKind kind = FrontendKind::kClusterIp;
  std::uint32_t affinity_timeout_s = 0;  // ClientIP session affinity; 0 = off
  bool local_only = false;               // externalTrafficPolicy=Local: source kept, local backends
  bool dsr = false;                      // direct server return to remote backends
  std::vector<IpPrefix> source_ranges;   // loadBalancerSourceRanges; empty = any source

  friend bool operator==(const Frontend&, const Frontend&) = default;
};

enum class BackendState : std::uint8_t {
  kReady,        // ready (and serving): takes new flows
  kTerminating,  // terminating but serving: new flows only when no backend is ready
  kDraining,     // terminating, not serving: keeps its established flows, takes no new ones
};

struct Backend {
  IpAddress address;
  std::uint16_t port = 0;
  std::uint32_t weight = 1;
  BackendState state = BackendState::kReady;
  bool node_local = false;  // runs on this node (ETP/ITP=Local, local delivery)

  friend bool operator==(const Backend&, const Backend&) = default;
};

// A service's whole backend set and its Maglev table. Every backend listed is "still there" for
// established flows; maglev[i] indexes `backends` (or is -1: no backend, reject new flows).
struct ServiceBackends {
  ServiceId service = 0;
  std::vector<Backend> backends;
  std::vector<std::int32_t> maglev;

  friend bool operator==(const ServiceBackends&, const ServiceBackends&) = default;
};

struct ServiceCounters {
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::uint64_t new_connections = 0;
};

struct Counters {
  std::map<ServiceId, ServiceCounters> services;
  std::array<std::uint64_t, SLUICE_DROP_MAX> drops{};  // indexed by sluice_drop_reason
  std::uint64_t conntrack_entries = 0;
};

// A flow as its first packet names it: client → destination as the client addressed it.
struct FlowTuple {
  Protocol protocol = Protocol::kTcp;
  IpAddress source;
  std::uint16_t source_port = 0;
  IpAddress destination;
  std::uint16_t destination_port = 0;

  friend bool operator==(const FlowTuple&, const FlowTuple&) = default;
};

// One tracked connection, as `sluice ct list` shows it.
struct ConntrackEntry {
  FlowTuple flow;  // the client's packets, before translation
  IpAddress backend;
  std::uint16_t backend_port = 0;
  ServiceId service = 0;
  bool snat = false;      // source-NATed to this node (external flow, remote backend)
  bool external = false;  // arrived on the node's external interface
  bool dsr = false;       // direct server return
  std::uint64_t idle_ms = 0;
  std::string state;  // "new", "established", "closing"

  friend bool operator==(const ConntrackEntry&, const ConntrackEntry&) = default;
};

// What is programmed, read back from the data plane (restart restore, drift checks).
struct ProgrammedState {
  std::vector<Frontend> frontends;        // sorted by key
  std::vector<ServiceBackends> services;  // sorted by service id
};

[[nodiscard]] std::string_view protocolName(Protocol protocol) noexcept;       // "TCP"
[[nodiscard]] std::string_view frontendKindName(FrontendKind kind) noexcept;   // "ClusterIP"
[[nodiscard]] std::string_view backendStateName(BackendState state) noexcept;  // "ready"
// Metric label values: "no_backend", "malformed_l3", …; "unknown" outside the enum.
[[nodiscard]] std::string_view dropReasonName(int reason) noexcept;

[[nodiscard]] std::string toString(const FrontendKey& key);  // "10.96.0.10:53/UDP"

}  // namespace sluice::dataplane
