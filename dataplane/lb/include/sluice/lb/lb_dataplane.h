// The DPDK data plane's Dataplane: what sluice-agent (or sluice-lb's own configuration) programs,
// turned into immutable Tables snapshots published to the lcores without locking them, plus the
// per-lcore workers whose counters and connection tables it reads back. Needs no EAL: the lcore
// loops (dpdk/) call Worker::process on what they receive; unit tests call it directly.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "sluice/dataplane/dataplane.h"
#include "sluice/lb/snapshot.h"
#include "sluice/lb/tables.h"
#include "sluice/lb/worker.h"

namespace sluice::lb {

struct LbOptions {
  std::uint16_t workers = 1;  // one per lcore
  std::size_t conntrack_per_worker = 65536;
  dataplane::ServiceId max_services = 65536;  // service ids are 1 .. max-1
  std::uint16_t snat_port_min = 32768;
  std::uint16_t snat_port_span = 28232;
  std::uint16_t mtu = 1500;  // the port's
  Addressing addressing;
};

class LbDataplane final : public dataplane::Dataplane {
 public:
  explicit LbDataplane(LbOptions options);

  [[nodiscard]] std::string_view kind() const noexcept override { return "dpdk"; }
  [[nodiscard]] base::Status upsertFrontend(const dataplane::Frontend& frontend) override;
  [[nodiscard]] base::Status deleteFrontend(const dataplane::FrontendKey& key) override;
  [[nodiscard]] base::Status replaceBackends(const dataplane::ServiceBackends& backends) override;
  [[nodiscard]] base::Status deleteBackends(dataplane::ServiceId service) override;
  [[nodiscard]] base::Result<dataplane::ProgrammedState> programmed() const override;
  [[nodiscard]] base::Result<dataplane::Counters> counters() const override;
  [[nodiscard]] std::optional<std::uint32_t> flowHash(
      const dataplane::FlowTuple& flow) const override;
  [[nodiscard]] base::Result<std::vector<dataplane::ConntrackEntry>> conntrack(
      std::size_t limit) const override;
  [[nodiscard]] base::Result<std::optional<dataplane::ConntrackEntry>> conntrackLookup(
      const dataplane::FlowTuple& flow) const override;

  // Where packets for an address go when it is not the gateway's to take: a static neighbour.
  [[nodiscard]] base::Status setNeighbor(const base::IpAddress& address, const Mac& mac);
  // The MAC of the router for everything without a neighbour entry (nullopt: none, such packets
  // are dropped and counted).
  void setGateway(std::optional<Mac> mac);

  // ---- for the lcore loops ----
  [[nodiscard]] std::size_t workers() const noexcept { return workers_.size(); }
  [[nodiscard]] Worker& worker(std::size_t index) noexcept { return *workers_[index]; }
  [[nodiscard]] const Worker& worker(std::size_t index) const noexcept { return *workers_[index]; }
  [[nodiscard]] SnapshotPublisher<Tables>& snapshots() noexcept { return *snapshots_; }
  // Frees the table snapshots no lcore can still hold (the control side calls it now and then;
  // every change does too). Returns how many wait for an lcore's next quiescent state.
  std::size_t reclaimSnapshots();
  // While true, conntrack() asks the lcores for their entries instead of reading them itself.
  void setLcoresRunning(bool running) noexcept { lcores_running_.store(running); }
  // An lcore between bursts: answers a pending conntrack read of its worker.
  void serveInspection(std::size_t worker) noexcept;

 private:
  struct DumpRequest {
    std::atomic<int> state{0};  // 0 idle, 1 asked, 3 being answered, 2 answered
    std::vector<CtEntry> entries;
  };

  void publishLocked();
  [[nodiscard]] std::vector<CtEntry> liveEntries(std::size_t worker, std::uint64_t now_ns) const;

  LbOptions options_;
  mutable std::mutex mutex_;  // the control side only; lcores never take it
  std::map<dataplane::FrontendKey, std::shared_ptr<const FrontendEntry>> frontends_;
  std::map<dataplane::ServiceId, std::shared_ptr<const ServiceTable>> services_;
  Tables::NeighborMap neighbors4_;
  Tables::NeighborMap neighbors6_;
  std::optional<Mac> gateway_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<SnapshotPublisher<Tables>> snapshots_;
  std::atomic<bool> lcores_running_{false};
  mutable std::vector<std::unique_ptr<DumpRequest>> dumps_;
};

// Monotonic nanoseconds, the clock conntrack ages by.
[[nodiscard]] std::uint64_t monotonicNs() noexcept;

}  // namespace sluice::lb
