// Publishing immutable snapshots to lcores that must never block: quiescent-state-based
// reclamation (QSBR), the scheme of the Linux kernel's RCU and DPDK's rte_rcu_qsbr, in a few
// lines of our own so the packet core needs no EAL and runs in unit tests.
//
// Readers (one slot each, e.g. one per lcore) call read() for the current snapshot and, between
// bursts, quiescent(): a promise that they hold no pointer obtained before that call. The writer
// (one control thread) publishes a new snapshot with an atomic pointer swap and frees an old one
// only once every online reader has been quiescent since the swap. Readers never wait; the
// writer never waits either (reclaim() frees what it can, later calls free the rest).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

namespace sluice::lb {

template <typename T>
class SnapshotPublisher {
 public:
  explicit SnapshotPublisher(std::size_t readers, std::unique_ptr<const T> initial)
      : readers_(readers), current_(initial.release()) {}
  SnapshotPublisher(const SnapshotPublisher&) = delete;
  SnapshotPublisher& operator=(const SnapshotPublisher&) = delete;
  ~SnapshotPublisher() {
    delete current_.load();
    for (auto& r : retired_) delete r.snapshot;
  }

  // ---- reader side (lock-free, wait-free) ----
  [[nodiscard]] const T* read() const noexcept { return current_.load(std::memory_order_seq_cst); }
  void quiescent(std::size_t reader) noexcept {
    readers_[reader].seen.store(epoch_.load(std::memory_order_seq_cst), std::memory_order_seq_cst);
  }
  // A reader that stops reading (an lcore leaving its loop) goes offline so it holds nobody up;
  // online() must precede its next read().
  void offline(std::size_t reader) noexcept {
    readers_[reader].seen.store(kOffline, std::memory_order_seq_cst);
  }
  void online(std::size_t reader) noexcept { quiescent(reader); }
  [[nodiscard]] std::size_t readers() const noexcept { return readers_.size(); }

  // ---- writer side (one thread) ----
  void publish(std::unique_ptr<const T> next) {
    const T* old = current_.exchange(next.release(), std::memory_order_seq_cst);
    const std::uint64_t epoch = epoch_.fetch_add(1, std::memory_order_seq_cst) + 1;
    retired_.push_back({.snapshot = old, .epoch = epoch});
    reclaim();
  }
  // Frees the retired snapshots no reader can still hold; returns how many remain.
  std::size_t reclaim() {
    std::uint64_t oldest = kOffline;
    for (const auto& r : readers_)
      oldest = std::min(oldest, r.seen.load(std::memory_order_seq_cst));
    std::erase_if(retired_, [&](const Retired& r) {
      if (r.epoch > oldest) return false;
      delete r.snapshot;
      return true;
    });
    return retired_.size();
  }

 private:
  static constexpr std::uint64_t kOffline = std::numeric_limits<std::uint64_t>::max();
  struct alignas(64) ReaderSlot {
    std::atomic<std::uint64_t> seen{kOffline};
  };
  struct Retired {
    const T* snapshot = nullptr;
    std::uint64_t epoch = 0;
  };

  std::vector<ReaderSlot> readers_;
  std::atomic<const T*> current_;
  std::atomic<std::uint64_t> epoch_{0};
  std::vector<Retired> retired_;
};

}  // namespace sluice::lb
