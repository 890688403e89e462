// The contract every data plane implements (eBPF, DPDK, and the in-memory fake). Calls come from
// one control-plane thread; implementations must not let a failed call disturb what is already
// programmed (a bad frontend is refused, the others keep forwarding).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "sluice/base/error.h"
#include "sluice/dataplane/model.h"

namespace sluice::dataplane {

class Dataplane {
 public:
  Dataplane() = default;
  Dataplane(const Dataplane&) = delete;
  Dataplane& operator=(const Dataplane&) = delete;
  virtual ~Dataplane() = default;

  // "ebpf", "dpdk", "fake": for logs and `sluice status`.
  [[nodiscard]] virtual std::string_view kind() const noexcept = 0;

  // Adds the frontend, or replaces the one with the same key. Its service's backends may come
  // before or after; until they come, new flows to it are rejected (never silently dropped).
  [[nodiscard]] virtual base::Status upsertFrontend(const Frontend& frontend) = 0;
  // kNotFound when no frontend has that key.
  [[nodiscard]] virtual base::Status deleteFrontend(const FrontendKey& key) = 0;

  // Replaces a service's whole backend set and Maglev table. New flows see the new table at
  // once; established flows keep their backend while it is still in the set.
  [[nodiscard]] virtual base::Status replaceBackends(const ServiceBackends& backends) = 0;
  // kNotFound when the service has no backend set.
  [[nodiscard]] virtual base::Status deleteBackends(ServiceId service) = 0;

  // What is programmed now, read back (after an agent restart: what the previous one left).
  [[nodiscard]] virtual base::Result<ProgrammedState> programmed() const = 0;
  [[nodiscard]] virtual base::Result<Counters> counters() const = 0;

  // Inspection (`sluice ct list`, `sluice explain`); a data plane without a connection table or
  // a known flow hash says so with kUnavailable / nullopt.
  //
  // The hash that picks a new flow's Maglev slot: slot = hash % table size.
  [[nodiscard]] virtual std::optional<std::uint32_t> flowHash(const FlowTuple& flow) const;
  // Tracked connections (client side), at most `limit` (0 = all).
  [[nodiscard]] virtual base::Result<std::vector<ConntrackEntry>> conntrack(
      std::size_t limit) const;
  // The entry of this flow, if it is tracked.
  [[nodiscard]] virtual base::Result<std::optional<ConntrackEntry>> conntrackLookup(
      const FlowTuple& flow) const;
};

// Checks every data plane applies before touching its tables: ids, ports, families, table shape.
[[nodiscard]] base::Status validateFrontend(const Frontend& frontend);
[[nodiscard]] base::Status validateBackends(const ServiceBackends& backends);

}  // namespace sluice::dataplane
