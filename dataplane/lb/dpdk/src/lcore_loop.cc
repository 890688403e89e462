#include "sluice/lb/lcore_loop.h"

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <string>

namespace sluice::lb {
namespace {

constexpr unsigned kBurst = 32;
constexpr unsigned kHandOffRingSize = 4096;

void bump(std::atomic<std::uint64_t>& cell, std::uint64_t by = 1) {
  cell.store(cell.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

}  // namespace

base::Result<std::unique_ptr<HandOffRings>> HandOffRings::create(std::size_t workers) {
  std::unique_ptr<HandOffRings> out(new HandOffRings());
  for (std::size_t w = 0; w < workers; ++w) {
    const std::string name = "sl_lb_handoff_" + std::to_string(w);
    rte_ring* ring = rte_ring_create(name.c_str(), kHandOffRingSize, SOCKET_ID_ANY, RING_F_SC_DEQ);
    if (ring == nullptr) {
      return base::fail(base::Errc::kUnavailable,
                        "hand-off ring " + name + ": " + rte_strerror(rte_errno));
    }
    out->rings_.push_back(ring);
  }
  return out;
}

HandOffRings::~HandOffRings() {
  for (rte_ring* ring : rings_) {
    void* m = nullptr;
    while (rte_ring_dequeue(ring, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
    rte_ring_free(ring);
  }
}

LcoreLoop::LcoreLoop(LbDataplane& dp, std::uint16_t port, std::uint16_t queue, std::size_t worker,
                     const HandOffRings* rings)
    : dp_(dp), port_(port), queue_(queue), worker_(worker), rings_(rings) {}

unsigned LcoreLoop::pollOnce() noexcept {
  rte_mbuf* rx[kBurst];
  rte_mbuf* tx[kBurst];
  unsigned received = rte_eth_rx_burst(port_, queue_, rx, kBurst);
  if (rings_ != nullptr && received < kBurst) {
    received += rte_ring_dequeue_burst(
        rings_->ring(worker_), reinterpret_cast<void**>(rx + received), kBurst - received, nullptr);
  }
  if (received == 0) return 0;
  bump(counters_.rx_bursts);
  const Tables& tables = *dp_.snapshots().read();
  Worker& worker = dp_.worker(worker_);
  const std::uint64_t now = monotonicNs();
  std::uint16_t to_send = 0;
  for (unsigned i = 0; i < received; ++i) {
    rte_mbuf* m = rx[i];
    if (m->nb_segs != 1) {
      bump(counters_.multi_segment);
      rte_pktmbuf_free(m);
      continue;
    }
    Frame frame{.data = rte_pktmbuf_mtod(m, std::uint8_t*),
                .length = m->data_len,
                .headroom = rte_pktmbuf_headroom(m),
                .tailroom = rte_pktmbuf_tailroom(m)};
    const Outcome outcome = worker.process(frame, tables, now);
    switch (outcome.verdict) {
      case Verdict::kTransmit:
        m->data_off =
            static_cast<std::uint16_t>(frame.data - static_cast<std::uint8_t*>(m->buf_addr));
        m->data_len = frame.length;
        m->pkt_len = frame.length;
        m->ol_flags = 0;  // no offloads asked for: checksums are complete
        tx[to_send++] = m;
        break;
      case Verdict::kHandOff:
        if (rings_ == nullptr || rte_ring_enqueue(rings_->ring(outcome.worker), m) != 0) {
          bump(counters_.hand_off_full);
          rte_pktmbuf_free(m);
        }
        break;
      case Verdict::kDrop:
      case Verdict::kPass: rte_pktmbuf_free(m); break;
    }
  }
  const std::uint16_t sent = rte_eth_tx_burst(port_, queue_, tx, to_send);
  if (sent < to_send) {
    bump(counters_.tx_full, to_send - sent);
    for (std::uint16_t i = sent; i < to_send; ++i) rte_pktmbuf_free(tx[i]);
  }
  return received;
}

void LcoreLoop::run(const std::atomic<bool>& stop) noexcept {
  auto& snapshots = dp_.snapshots();
  snapshots.online(worker_);
  while (!stop.load(std::memory_order_relaxed)) {
    (void)pollOnce();
    snapshots.quiescent(worker_);
    dp_.serveInspection(worker_);
  }
  snapshots.offline(worker_);
}

}  // namespace sluice::lb
