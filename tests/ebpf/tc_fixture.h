// A fresh eBPF data plane in a private bpffs with a standard set of services, and BPF_PROG_RUN
// of its tc programs on frames built with sluice::packet. Shared by the tc fixture tests.
#pragma once

#include <bpf/bpf.h>
#include <linux/pkt_cls.h>

#include <memory>
#include <optional>
#include <string>

#include "private_bpffs.h"
#include "sluice/dataplane/backend_set.h"
#include "sluice/ebpf/abi.h"
#include "sluice/ebpf/bpf_map.h"
#include "sluice/ebpf/ebpf_dataplane.h"
#include "sluice/packet/packet.h"

namespace sluice::testing {

inline constexpr std::uint32_t kMaglevSize = 251;
// The fixture node's own addresses (external flows to remote backends are SNATed to them).
inline constexpr const char* kNodeV4 = "192.168.50.1";
inline constexpr const char* kNodeV6 = "fd00:50::1";

// Services every fixture starts with.
namespace svc {
inline constexpr dataplane::ServiceId kWebTcp = 1;   // 10.96.0.10:80/TCP → 10.244.2.3:8080
inline constexpr dataplane::ServiceId kDnsUdp = 2;   // 10.96.0.10:53/UDP → 10.244.2.3:5353
inline constexpr dataplane::ServiceId kWeb6Tcp = 3;  // [fd00:96::10]:80/TCP → [fd00:244:2::3]:8080
inline constexpr dataplane::ServiceId kDns6Udp = 4;  // [fd00:96::10]:53/UDP → [fd00:244:2::3]:5353
inline constexpr dataplane::ServiceId kEmptyTcp = 5;  // 10.96.0.20:80/TCP, no backends
inline constexpr dataplane::ServiceId kEmptyUdp = 6;  // 10.96.0.20:53/UDP, no backends
inline constexpr dataplane::ServiceId kEmpty6 = 7;    // [fd00:96::20]:80/TCP and :53/UDP, none
inline constexpr dataplane::ServiceId kTrio = 8;      // 10.96.0.30:80/TCP → 10.244.{1,2,3}.9:80
inline constexpr dataplane::ServiceId kEmpty6Udp = 9;
}  // namespace svc

struct RunResult {
  int verdict = -1;
  packet::Bytes output;
};

class TcFixture {
 public:
  // Loads the programs and programs the standard services; errors name what failed.
  [[nodiscard]] static base::Result<std::unique_ptr<TcFixture>> create();

  [[nodiscard]] base::Result<RunResult> ingress(const packet::Bytes& frame) const;
  [[nodiscard]] base::Result<RunResult> egress(const packet::Bytes& frame) const;
  // The node's external interface: XDP on arrival, tc on departure.
  [[nodiscard]] base::Result<RunResult> xdp(const packet::Bytes& frame) const;
  [[nodiscard]] base::Result<RunResult> extEgress(const packet::Bytes& frame) const;
  [[nodiscard]] base::Result<RunResult> extTcIngress(const packet::Bytes& frame) const;

  [[nodiscard]] ebpf::EbpfDataplane& dataplane() { return *dp_; }
  [[nodiscard]] std::uint64_t drops(int reason) const;
  [[nodiscard]] dataplane::ServiceCounters serviceCounters(dataplane::ServiceId id) const;
  [[nodiscard]] std::uint64_t conntrackEntries() const;
  // The pinned conntrack map, for tests that age or inspect entries.
  [[nodiscard]] const ebpf::BpfMap<sl_ct_key, sl_ct_entry>& conntrack() const { return ct_; }

  // Sets a service's backends (all ready unless a test changes states) with the fixture's size.
  [[nodiscard]] base::Status setBackends(dataplane::ServiceId id,
                                         std::vector<dataplane::Backend> backends);

 private:
  TcFixture() = default;
  [[nodiscard]] base::Result<RunResult> run(int prog_fd, const packet::Bytes& frame) const;

  std::optional<PrivateBpffs> bpffs_;
  std::unique_ptr<ebpf::EbpfDataplane> dp_;
  int ct_fd_ = -1;
  ebpf::BpfMap<sl_ct_key, sl_ct_entry> ct_;
};

inline base::IpAddress ip(const char* text) { return base::parseIpAddress(text).value(); }

inline dataplane::Backend backend(const char* address, std::uint16_t port) {
  return {.address = ip(address), .port = port};
}

}  // namespace sluice::testing
