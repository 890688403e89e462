// The run-to-completion loop of one lcore: rx burst → Worker::process per frame → tx burst, on
// the lcore's own rx/tx queue pair. Between bursts the lcore reports a quiescent state (so the
// control thread may free old table snapshots) and answers pending inspection. Full-NAT replies
// that RSS delivered to another worker's queue are handed to that worker through its hand-off
// ring (multi-producer, single-consumer) and sent from there.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "sluice/base/error.h"
#include "sluice/lb/lb_dataplane.h"

struct rte_ring;

namespace sluice::lb {

// Counted by the loop itself (frames the worker never judged, or could not send).
struct LoopCounters {
  std::atomic<std::uint64_t> rx_bursts{0};
  std::atomic<std::uint64_t> tx_full{0};        // the tx queue took fewer than offered
  std::atomic<std::uint64_t> multi_segment{0};  // chained mbufs are not handled: dropped
  std::atomic<std::uint64_t> hand_off_full{0};  // the target worker's ring was full: dropped
};

// One hand-off ring per worker.
class HandOffRings {
 public:
  [[nodiscard]] static base::Result<std::unique_ptr<HandOffRings>> create(std::size_t workers);
  HandOffRings(const HandOffRings&) = delete;
  HandOffRings& operator=(const HandOffRings&) = delete;
  ~HandOffRings();
  [[nodiscard]] rte_ring* ring(std::size_t worker) const noexcept { return rings_[worker]; }

 private:
  HandOffRings() = default;
  std::vector<rte_ring*> rings_;
};

class LcoreLoop {
 public:
  // Worker `worker` of `dp` on rx/tx queue `queue` of `port`. `rings` may be null (one worker).
  LcoreLoop(LbDataplane& dp, std::uint16_t port, std::uint16_t queue, std::size_t worker,
            const HandOffRings* rings);

  // One burst in and out; returns the frames it received (port and hand-off ring).
  unsigned pollOnce() noexcept;
  // Polls until `stop`, online in the snapshot publisher meanwhile.
  void run(const std::atomic<bool>& stop) noexcept;

  [[nodiscard]] const LoopCounters& counters() const noexcept { return counters_; }

 private:
  LbDataplane& dp_;
  std::uint16_t port_;
  std::uint16_t queue_;
  std::size_t worker_;
  const HandOffRings* rings_;
  LoopCounters counters_;
};

}  // namespace sluice::lb
