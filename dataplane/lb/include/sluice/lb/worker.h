// One lcore's packet path, without DPDK: a frame in, a verdict out (and the frame rewritten in
// place). rx burst → process() per frame → tx burst is the whole lcore loop (dpdk/lcore_loop.h).
// No locks, no allocation, no exceptions: the worker owns its connection table and counters,
// and reads the tables snapshot the loop hands it.
//
// What it serves (the external path of docs/ebpf.md, on a machine that owns the NIC): TCP/UDP to
// NodePort, LoadBalancer and externalIP frontends — new flows by Maglev (the eBPF plane's flow
// hash), established ones by the connection table — sent to the backend by DSR (IPIP / IPv6-in-
// IPv6, the eBPF plane's format) when the frontend says dsr, otherwise by full NAT (DNAT + SNAT to
// the LB's address and a port of this worker's share, replies translated back). ARP, neighbour
// solicitations and pings for its VIPs are answered; ICMP errors about full-NAT flows go back to
// their clients (icmp_error.h). Every drop is counted by reason.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "sluice/dataplane/drop_reason.h"
#include "sluice/dataplane/model.h"
#include "sluice/lb/conn_table.h"
#include "sluice/lb/rewrite.h"
#include "sluice/lb/tables.h"

namespace sluice::lb {

struct WorkerConfig {
  std::uint16_t index = 0;  // this worker, 0 .. count-1
  std::uint16_t count = 1;  // workers in all (SNAT ports are shared out among them)
  std::size_t conntrack_capacity = 65536;
  std::uint16_t snat_port_min = 32768;
  std::uint16_t snat_port_span = 28232;       // 32768 .. 60999, as the eBPF plane
  dataplane::ServiceId max_services = 65536;  // counters for ids below this
  std::uint16_t mtu = 1500;  // of the port: a DSR packet that outgrows it is answered "too big"
};

enum class Verdict : std::uint8_t {
  kTransmit,  // send the (rewritten) frame out of the port it came in on
  kDrop,      // counted under Outcome::reason
  kPass,      // not for the load balancer (counted as passed; the lcore loop frees it)
  kHandOff,   // a reply to a full-NAT port of another worker: give it to Outcome::worker
};

struct Outcome {
  Verdict verdict = Verdict::kPass;
  std::uint8_t reason = SLUICE_DROP_NONE;  // kDrop
  std::uint16_t worker = 0;                // kHandOff
};

// Written by the worker alone (relaxed atomics: plain stores on x86), read by the control thread.
class WorkerCounters {
 public:
  struct Service {
    std::atomic<std::uint64_t> packets{0};
    std::atomic<std::uint64_t> bytes{0};
    std::atomic<std::uint64_t> new_connections{0};
  };

  explicit WorkerCounters(dataplane::ServiceId max_services)
      : services_(std::make_unique<Service[]>(max_services)), max_services_(max_services) {}

  static void bump(std::atomic<std::uint64_t>& cell, std::uint64_t by = 1) noexcept {
    cell.store(cell.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
  }
  [[nodiscard]] Service* service(dataplane::ServiceId id) noexcept {
    return id < max_services_ ? &services_[id] : nullptr;
  }
  [[nodiscard]] const Service* service(dataplane::ServiceId id) const noexcept {
    return id < max_services_ ? &services_[id] : nullptr;
  }

  std::array<std::atomic<std::uint64_t>, SLUICE_DROP_MAX> drops{};
  std::atomic<std::uint64_t> received{0};
  std::atomic<std::uint64_t> transmitted{0};
  std::atomic<std::uint64_t> passed{0};
  std::atomic<std::uint64_t> handed_off{0};
  std::atomic<std::uint64_t> arp_replies{0};
  std::atomic<std::uint64_t> neighbor_advertisements{0};
  std::atomic<std::uint64_t> echo_replies{0};
  std::atomic<std::uint64_t> no_next_hop{0};  // also counted as drop nat_failed
  std::atomic<std::uint64_t> too_big{0};      // DSR packets answered "fragmentation needed"

 private:
  std::unique_ptr<Service[]> services_;
  dataplane::ServiceId max_services_;
};

class Worker {
 public:
  explicit Worker(const WorkerConfig& config);

  // Judges and rewrites one frame. `now_ns` is a monotonic clock (conntrack ages).
  Outcome process(Frame& frame, const Tables& tables, std::uint64_t now_ns) noexcept;

  [[nodiscard]] const WorkerConfig& config() const noexcept { return config_; }
  [[nodiscard]] const WorkerCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const ConnTable& conntrack() const noexcept { return conntrack_; }
  // The worker that owns a full-NAT port (its replies are handled there).
  [[nodiscard]] std::uint16_t snatPortOwner(std::uint16_t port) const noexcept;

 private:
  Outcome drop(int reason) noexcept;
  Outcome answerLocally(Frame& frame, const ParsedPacket& pkt, const Tables& tables,
                        std::uint64_t now_ns) noexcept;
  Outcome icmpErrorToClient(Frame& frame, const ParsedPacket& pkt, const Tables& tables,
                            std::uint64_t now_ns) noexcept;
  Outcome reverseNat(Frame& frame, const ParsedPacket& pkt, CtEntry& reply, const Tables& tables,
                     std::uint64_t now_ns) noexcept;
  Outcome toBackend(Frame& frame, const ParsedPacket& pkt, const FrontendEntry& fe,
                    const Tables& tables, std::uint64_t now_ns) noexcept;
  // The tracked flow's forward entry, if it may keep its backend; nullptr when it must choose.
  CtEntry* trackedFlow(const ParsedPacket& pkt, const FrontendEntry& fe, const ServiceTable* svc,
                       std::uint64_t now_ns) noexcept;
  // The backend for a new flow: the client's affinity backend while it is fresh and still takes
  // new flows, else the Maglev slot's (recorded as the client's affinity when the frontend has
  // it). nullptr when the service has none.
  const BackendEntry* chooseBackend(const ParsedPacket& pkt, const FrontendEntry& fe,
                                    const ServiceTable& svc, std::uint32_t hash,
                                    std::uint64_t now_ns, BackendEntry& sticky) noexcept;
  // Records a new flow; nullptr and *reason set when it cannot be (no SNAT port, address).
  CtEntry* createFlow(const ParsedPacket& pkt, const FrontendEntry& fe, const BackendEntry& be,
                      std::uint32_t hash, const Tables& tables, std::uint64_t now_ns,
                      int& reason) noexcept;
  Outcome sendTo(Frame& frame, const ParsedPacket& pkt, const Addr& next,
                 const Tables& tables) noexcept;

  WorkerConfig config_;
  ConnTable conntrack_;
  WorkerCounters counters_;
};

}  // namespace sluice::lb
