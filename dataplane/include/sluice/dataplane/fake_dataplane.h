// An in-memory Dataplane for control-plane tests: keeps what it is told, dumps it as stable
// text (the golden files of reconciler tests), counts calls, and can be told to fail.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "sluice/dataplane/dataplane.h"

namespace sluice::dataplane {

class FakeDataplane final : public Dataplane {
 public:
  [[nodiscard]] std::string_view kind() const noexcept override { return "fake"; }
  [[nodiscard]] base::Status upsertFrontend(const Frontend& frontend) override;
  [[nodiscard]] base::Status deleteFrontend(const FrontendKey& key) override;
  [[nodiscard]] base::Status replaceBackends(const ServiceBackends& backends) override;
  [[nodiscard]] base::Status deleteBackends(ServiceId service) override;
  [[nodiscard]] base::Result<ProgrammedState> programmed() const override;
  [[nodiscard]] base::Result<Counters> counters() const override;
  // A stand-in hash (not the eBPF one): FNV-1a over the tuple's text.
  [[nodiscard]] std::optional<std::uint32_t> flowHash(const FlowTuple& flow) const override;
  [[nodiscard]] base::Result<std::vector<ConntrackEntry>> conntrack(
      std::size_t limit) const override;
  [[nodiscard]] base::Result<std::optional<ConntrackEntry>> conntrackLookup(
      const FlowTuple& flow) const override;

  // Stable text of everything programmed: frontends by key, then services by id with their
  // backends and each backend's Maglev share. Equal states give equal text.
  [[nodiscard]] std::string dump() const;

  // The next mutating call fails with this error and changes nothing.
  void failNextCall(base::Error error);
  // Mutating calls that succeeded so far (a measure of how minimal a reconcile diff was).
  [[nodiscard]] std::size_t mutations() const;
  void setCounters(Counters counters);
  void setConntrack(std::vector<ConntrackEntry> entries);

 private:
  base::Status takeInjectedFailure();

  mutable std::mutex mutex_;
  std::map<FrontendKey, Frontend> frontends_;
  std::map<ServiceId, ServiceBackends> services_;
  Counters counters_;
  std::vector<ConntrackEntry> conntrack_;
  std::optional<base::Error> next_failure_;
  std::size_t mutations_ = 0;
};

}  // namespace sluice::dataplane
