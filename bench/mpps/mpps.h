// The Mpps benchmark (issue 6, benchmark 2): packets per second through veth, Sluice beside a
// ceiling and two peers, all measured in one run on the lab.
//
// Topology: a lab (tests/lab) of four nodes with one pod each; each node/pod pair is one
// configuration's own wire, so all four are set up once and measured in turns without reloading:
//
//   pod p<i>a "wire" (generator + sink) ── veth ── node n<i> (the node under test)
//
// The node is one-armed, like a Kubernetes node whose external interface both receives client
// traffic and reaches backends on other nodes: frames come in on its veth, are translated
// (DNAT to a backend, SNAT to the node) and leave through the same veth towards the backend. That
// is the path Sluice serves entirely at XDP (bpf_fib_lookup + XDP_TX, docs/ebpf.md), and the
// MAC-swap forwarder (XDP_TX) is its ceiling.
//
//   generator  BPF_PROG_RUN + BPF_F_TEST_XDP_LIVE_FRAMES on the pod's eth0 (xdp_gen.bpf.c):
//              64-byte frames out of the veth into the node
//   sink       XDP on the pod's eth0 (xdp_sink.bpf.c): counts what the node sends back, drops it
//
//   configurations   n1 ceiling  XDP MAC swap + XDP_TX (bench/floors/xdp_macswap.bpf.c)
//                    n2 sluice   Sluice's external path (EbpfDataplane, private bpffs)
//                    n3 iptables kube-proxy's iptables-mode rules, kernel forwarding
//                    n4 nftables kube-proxy's nftables-mode rules, kernel forwarding
//   (n3, n4 carry an XDP program that passes everything: a veth takes frames sent to it with
//   XDP_TX only then — the lab's stand-in for a NIC, docs/lab.md.)
//
// Services: `services` LoadBalancer services, each with a TCP and a UDP port 80 (two service
// ports), a ClusterIP, a NodePort and three remote endpoints; externalTrafficPolicy=Cluster, so
// external traffic is DNATed and source-NATed (kube-proxy: KUBE-MARK-MASQ → MASQUERADE).
//
// Addresses: service s has LB IP 172.30.(1 + s/250).(1 + s%250), ClusterIP
// 10.96.(s/250).(1 + s%250), NodePort 30000 + s, endpoints 172.31.0.{1,2,3}:(10000 + s). Clients
// are 100.64.0.0/10.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/base/address.h"
#include "sluice/base/error.h"

namespace sluice::bench::mpps {

enum class Config { kCeiling, kSluice, kIptables, kNftables };
enum class Traffic { kUdp, kTcpSyn, kTcpEstablished };

inline constexpr Config kConfigs[] = {Config::kCeiling, Config::kSluice, Config::kIptables,
                                      Config::kNftables};
inline constexpr Traffic kTraffics[] = {Traffic::kUdp, Traffic::kTcpSyn, Traffic::kTcpEstablished};

[[nodiscard]] std::string_view configName(Config config) noexcept;     // "ceiling", "sluice", ...
[[nodiscard]] std::string_view trafficName(Traffic traffic) noexcept;  // "udp", "tcp-syn", ...
[[nodiscard]] std::string_view trafficDescription(Traffic traffic) noexcept;

inline constexpr int kMaxServices = 2767;  // NodePorts 30000..32766
inline constexpr int kEndpointsPerService = 3;
inline constexpr std::uint16_t kServicePort = 80;
inline constexpr std::uint16_t kFirstNodePort = 30000;
inline constexpr std::uint16_t kFirstBackendPort = 10000;

[[nodiscard]] base::IpAddress serviceAddress(int service);  // the LoadBalancer IP
[[nodiscard]] base::IpAddress clusterIp(int service);
[[nodiscard]] base::IpAddress endpointAddress(int endpoint);  // 0..kEndpointsPerService-1
[[nodiscard]] base::IpAddress clientAddress(std::uint32_t index);

// kube-proxy's rules for these services, as iptables-restore and nft -f input. `node` is the
// node's address (NodePorts are served on it).
[[nodiscard]] std::string iptablesRules(int services);
[[nodiscard]] std::string nftablesRules(int services, const base::IpAddress& node);

// A 64-byte Ethernet/IPv4 frame with full checksums: UDP (22 bytes of payload), TCP SYN (no
// payload; Ethernet padding to 64) or TCP ACK+PSH with 10 bytes of data.
struct FrameSpec {
  Traffic traffic = Traffic::kUdp;
  std::uint8_t src_mac[6] = {};
  std::uint8_t dst_mac[6] = {};
  std::uint32_t saddr = 0;  // host order
  std::uint32_t daddr = 0;
  std::uint16_t sport = 0;
  std::uint16_t dport = 0;
};
inline constexpr std::size_t kFrameSize = 64;
[[nodiscard]] std::vector<std::uint8_t> buildFrame(const FrameSpec& spec);
// Offset of the TCP/UDP checksum in buildFrame's frames.
[[nodiscard]] std::size_t l4ChecksumOffset(Traffic traffic) noexcept;

struct BenchOptions {
  int services = 1000;
  std::uint32_t flows = 1024;  // established traffic (UDP, TCP established): distinct flows
  std::uint32_t maglev_size = 16381;
  int cpu = -1;  // the generator (and the softirq work it triggers) runs here; -1 = current
};

struct SinkCounts {
  std::uint64_t frames = 0;      // IPv4 frames the node sent back
  std::uint64_t to_backend = 0;  // … with an endpoint as destination (DNATed)
  std::uint64_t from_node = 0;   // … with the node as source (source-NATed)
};

struct Measurement {
  double seconds = 0;      // from the first frame the sink saw to the last (sink's clock)
  std::uint64_t sent = 0;  // frames the generator transmitted
  SinkCounts delivered;    // frames the sink received
  // The kernel's time per generated frame in the generator's context (BPF_PROG_RUN's duration):
  // the generator's own work plus the softirq work it set off on that CPU (the node's and the
  // sink's, when they ran there), without time the scheduler gave to other tasks.
  double ns_per_frame = 0;

  [[nodiscard]] double mpps() const noexcept {
    return seconds > 0 && delivered.frames > 1
               ? static_cast<double>(delivered.frames - 1) / seconds / 1e6
               : 0;
  }
  [[nodiscard]] double lossRatio() const noexcept {
    return sent > 0 ? 1.0 - static_cast<double>(delivered.frames) / static_cast<double>(sent) : 0;
  }
};

// One BPF_PROG_RUN call per window (each call costs the kernel an RCU grace period to swap the
// XDP dispatcher, ~20 ms here, which must not sit inside the window): its frame count is the rate
// a calibration call measured times the duration, at most max_packets. Load stops when the call
// returns (or on a signal).
struct MeasureOptions {
  std::chrono::duration<double> duration{1.0};
  std::uint64_t max_packets = 100'000'000;
};

class Bench {
 public:
  // Builds the lab and sets up every configuration. Needs root.
  [[nodiscard]] static base::Result<std::unique_ptr<Bench>> create(const BenchOptions& options);
  ~Bench();
  Bench(const Bench&) = delete;
  Bench& operator=(const Bench&) = delete;

  // Warms up (every established flow seen once), then drives `traffic` at the node of `config`
  // for the window and returns what the sink received in it.
  [[nodiscard]] base::Result<Measurement> measure(Config config, Traffic traffic,
                                                  const MeasureOptions& options);

  // Sluice's drop counters (by reason) summed, for diagnosis.
  [[nodiscard]] std::string sluiceDrops() const;
  [[nodiscard]] const BenchOptions& options() const noexcept;
  // The namespace of the node under test in `config` (for checks from tests).
  [[nodiscard]] const std::string& nodeNetns(Config config) const;

  struct State;

 private:
  explicit Bench(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Set from a signal handler: measurements in progress stop at the next generator call.
void requestStop() noexcept;

}  // namespace sluice::bench::mpps
