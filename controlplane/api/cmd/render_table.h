// What `sluice` prints by default: the agent's views as terminal tables and short reports, in the
// words of inspect.h. Pure functions of their input (the current time is passed in), so tests can
// compare whole outputs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sluice/controlplane/inspect.h"

namespace sluice::controlplane::cli {

// "850ms", "12s", "3m4s", "2h5m", "3d4h".
[[nodiscard]] std::string formatDuration(std::uint64_t ms);

// Key: value lines. `now_unix_ms` dates the last sync ("12s ago").
[[nodiscard]] std::string renderStatus(const StatusView& status, std::int64_t now_unix_ms);
// NAME ID FAMILY FRONTENDS BACKENDS PACKETS BYTES CONNECTIONS; a service with several frontends
// takes one line per frontend. "No services." when there are none.
[[nodiscard]] std::string renderServices(const std::vector<ServiceView>& services);
// ADDRESS STATE WEIGHT MAGLEV LOCAL NODE ZONE.
[[nodiscard]] std::string renderBackends(const std::string& service,
                                         const std::vector<BackendView>& backends);
// PROTO CLIENT FRONTEND BACKEND SERVICE FLAGS IDLE.
[[nodiscard]] std::string renderConntrack(const std::vector<ConntrackView>& entries);
// The flow, the frontend and service it hits, each decision, the backend, the verdict and the
// flow's conntrack entry.
[[nodiscard]] std::string renderExplain(const ExplainRequest& request, const ExplainView& view);

}  // namespace sluice::controlplane::cli
