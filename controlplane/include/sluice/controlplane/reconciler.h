// The reconciler: desired views in, the smallest set of Dataplane calls out. It remembers what
// it applied per view, so one endpoint change costs one replaceBackends; it gives every view key
// a stable service id (reusing the id a previous agent programmed for the same frontends, so a
// restart rewrites nothing that did not change); and it checks the data plane against what it
// applied, repairing drift.
//
// Deletions of state this agent did not create (what a previous agent left) wait for
// removeOrphans(), which the agent calls only after the first complete sync from its source:
// a restarted agent never drops a service it has not heard about yet.
//
// Not thread-safe: one control-plane thread calls it (the Dataplane contract).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sluice/base/maglev.h"
#include "sluice/controlplane/desired_state.h"
#include "sluice/dataplane/dataplane.h"

namespace sluice::controlplane {

struct ReconcilerOptions {
  std::uint32_t maglev_size = base::MaglevTable::kDefaultSize;
};

// What one call changed.
struct SyncStats {
  std::uint64_t mutations = 0;  // data-plane calls that succeeded
  std::uint64_t errors = 0;     // data-plane calls (or backend sets) that failed
  std::uint64_t repairs = 0;    // drift found and put right (repairDrift only)

  SyncStats& operator+=(const SyncStats& other) {
    mutations += other.mutations;
    errors += other.errors;
    repairs += other.repairs;
    return *this;
  }
};

// A backend set as applied. Its Maglev table is not kept: at 10 000 services the tables are
// 40 MB that the data plane already holds. The digest tells a table apart, and
// Reconciler::tableOf() rebuilds it when someone asks.
struct AppliedBackends {
  dataplane::ServiceBackends set;  // `maglev` left empty
  std::uint64_t maglev_digest = 0;
  bool local_only = false;  // what the table was built with

  // `full` (with its table) is what was applied; local_only as it was built.
  static AppliedBackends of(dataplane::ServiceBackends full, bool local_only);
  // Whether `full` (with its table) is this set.
  [[nodiscard]] bool sameAs(const dataplane::ServiceBackends& full) const;
};

// A view as it is programmed now.
struct AppliedView {
  DesiredView desired;
  dataplane::ServiceId id = 0;
  std::map<dataplane::FrontendKey, dataplane::Frontend> frontends;  // as applied (with the id)
  std::optional<AppliedBackends> backends;                          // as applied
};

class Reconciler {
 public:
  Reconciler(dataplane::Dataplane& dataplane, ReconcilerOptions options);

  // Reads what the data plane holds (a previous agent's work) so ids are reused and unchanged
  // state is not rewritten. Call once, before the first applyService.
  [[nodiscard]] base::Status restore();

  // Makes `service`'s views exactly `views` (empty: the service is gone).
  SyncStats applyService(const discovery::ObjectName& service,
                         const std::vector<DesiredView>& views);

  // Deletes programmed frontends and backend sets that no view owns.
  SyncStats removeOrphans();

  // Compares the data plane with what was applied and puts differences right: missing or altered
  // frontends and backend sets are written again; with `remove_unowned`, entries nobody owns are
  // deleted. kUnavailable when the data plane cannot be read.
  [[nodiscard]] base::Result<SyncStats> repairDrift(bool remove_unowned);

  [[nodiscard]] const std::map<std::string, AppliedView>& views() const { return views_; }
  // The view's backend set as applied, with its Maglev table rebuilt (kNotFound without one;
  // kUnavailable if the rebuilt table is not the one applied, e.g. one a previous agent wrote).
  [[nodiscard]] base::Result<dataplane::ServiceBackends> tableOf(const AppliedView& view) const;
  [[nodiscard]] std::vector<std::string> viewKeysOf(const discovery::ObjectName& service) const;
  // Frontend keys refused because another view owns them, with the reason.
  [[nodiscard]] const std::map<std::string, std::string>& conflicts() const { return conflicts_; }

 private:
  dataplane::ServiceId idFor(const DesiredView& view);
  void applyView(AppliedView& applied, const DesiredView& view, SyncStats& stats);
  void removeView(const std::string& key, SyncStats& stats);
  bool writeFrontend(const dataplane::Frontend& frontend, SyncStats& stats);
  bool writeBackends(const dataplane::ServiceBackends& backends, SyncStats& stats);

  dataplane::Dataplane& dataplane_;
  ReconcilerOptions options_;
  std::map<std::string, AppliedView> views_;  // by view key
  std::map<discovery::ObjectName, std::set<std::string>> by_service_;
  std::map<dataplane::FrontendKey, std::string> frontend_owner_;  // → view key
  std::set<dataplane::ServiceId> ids_in_use_;
  dataplane::ServiceId next_id_ = 1;
  // What a previous agent left, not yet claimed by a view.
  std::map<dataplane::FrontendKey, dataplane::Frontend> restored_frontends_;
  std::map<dataplane::ServiceId, dataplane::ServiceBackends> restored_backends_;
  std::map<std::string, std::string> conflicts_;
};

}  // namespace sluice::controlplane
