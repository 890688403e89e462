// What `sluice -o json` prints: one JSON document per command, its field names those of the view
// structs in inspect.h (snake_case), so scripts can rely on them.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "sluice/controlplane/inspect.h"

namespace sluice::controlplane::cli {

[[nodiscard]] boost::json::value toJson(const StatusView& status);
// {"services": [...]}
[[nodiscard]] boost::json::value toJson(const std::vector<ServiceView>& services);
// {"service": "...", "backends": [...]}
[[nodiscard]] boost::json::value toJson(const std::string& service,
                                        const std::vector<BackendView>& backends);
// {"conntrack": [...]}
[[nodiscard]] boost::json::value toJson(const std::vector<ConntrackView>& entries);
// The ExplainView; "conntrack" is null when the flow has no entry.
[[nodiscard]] boost::json::value toJson(const ExplainView& view);
// {"text": "<Prometheus exposition>"}
[[nodiscard]] boost::json::value metricsJson(const std::string& text);

// Indented by two spaces, one member per line, ending in '\n'.
[[nodiscard]] std::string prettyJson(const boost::json::value& value);

}  // namespace sluice::controlplane::cli
