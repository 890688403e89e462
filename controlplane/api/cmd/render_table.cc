// Tables and reports for the terminal (see render_table.h).
#include "render_table.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <ctime>

#include "table.h"

namespace sluice::controlplane::cli {
namespace {

constexpr const char* kNone = "<none>";

std::string orNone(const std::string& text) { return text.empty() ? kNone : text; }

std::string join(const std::vector<std::string>& parts, const char* separator) {
  std::string out;
  for (const std::string& part : parts) {
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

// "10.96.0.10:80/TCP ClusterIP (local-only,dsr)"
std::string frontendCell(const FrontendView& frontend) {
  std::string cell = frontend.address + " " + frontend.kind;
  if (!frontend.flags.empty()) cell += " (" + join(frontend.flags, ",") + ")";
  return cell;
}

std::string lastSync(const StatusView& status, std::int64_t now_unix_ms) {
  if (status.last_sync_unix_ms <= 0) return "never";
  const auto seconds = static_cast<std::time_t>(status.last_sync_unix_ms / 1000);
  const std::int64_t age = now_unix_ms - status.last_sync_unix_ms;
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ} ({} ago)", fmt::gmtime(seconds),
                     formatDuration(age > 0 ? static_cast<std::uint64_t>(age) : 0));
}

std::string conntrackLine(const ConntrackView& entry) {
  return fmt::format("{} {} -> {} => {}, service {}, flags {}, idle {}", entry.protocol,
                     entry.client, entry.frontend, entry.backend, entry.service,
                     orNone(entry.flags), formatDuration(entry.idle_ms));
}

}  // namespace

std::string formatDuration(std::uint64_t ms) {
  constexpr std::uint64_t kSecond = 1000;
  constexpr std::uint64_t kMinute = 60 * kSecond;
  constexpr std::uint64_t kHour = 60 * kMinute;
  constexpr std::uint64_t kDay = 24 * kHour;
  if (ms < kSecond) return fmt::format("{}ms", ms);
  if (ms < kMinute) return fmt::format("{}s", ms / kSecond);
  if (ms < kHour) return fmt::format("{}m{}s", ms / kMinute, ms % kMinute / kSecond);
  if (ms < kDay) return fmt::format("{}h{}m", ms / kHour, ms % kHour / kMinute);
  return fmt::format("{}d{}h", ms / kDay, ms % kDay / kHour);
}

std::string renderStatus(const StatusView& status, std::int64_t now_unix_ms) {
  const std::string synced =
      status.synced ? "yes" : "no (the first complete sync from the source is not applied yet)";
  std::string out;
  const auto line = [&out](const char* key, const std::string& value) {
    out += fmt::format("{:<16}{}\n", key, value);
  };
  line("Node:", orNone(status.node));
  line("Version:", orNone(status.version));
  line("Data plane:", orNone(status.dataplane));
  line("Source:", orNone(status.source));
  line("Synced:", synced);
  line("Last sync:", lastSync(status, now_unix_ms));
  line("Services:", std::to_string(status.services));
  line("Frontends:", std::to_string(status.frontends));
  line("Backends:", std::to_string(status.backends));
  line("Syncs:", std::to_string(status.syncs));
  line("Sync errors:", std::to_string(status.sync_errors));
  line("Drift repairs:", std::to_string(status.drift_repairs));
  line("Watch restarts:", std::to_string(status.watch_restarts));
  return out;
}

std::string renderServices(const std::vector<ServiceView>& services) {
  if (services.empty()) return "No services.\n";
  Table table({"NAME", "ID", "FAMILY", "FRONTENDS", "BACKENDS", "PACKETS", "BYTES", "CONNECTIONS"});
  for (const ServiceView& s : services) {
    table.addRow({s.name, std::to_string(s.id), s.family,
                  s.frontends.empty() ? kNone : frontendCell(s.frontends.front()),
                  fmt::format("{}/{}", s.backends_ready, s.backends_total),
                  std::to_string(s.packets), std::to_string(s.bytes),
                  std::to_string(s.connections)});
    for (std::size_t i = 1; i < s.frontends.size(); ++i) {
      table.addRow({"", "", "", frontendCell(s.frontends[i])});
    }
  }
  return table.render();
}

std::string renderBackends(const std::string& service, const std::vector<BackendView>& backends) {
  if (backends.empty()) return "No backends for " + service + ".\n";
  Table table({"ADDRESS", "STATE", "WEIGHT", "MAGLEV", "LOCAL", "NODE", "ZONE", "SERVICE"});
  for (const BackendView& b : backends) {
    table.addRow({b.address, b.state, std::to_string(b.weight), std::to_string(b.maglev_entries),
                  b.node_local ? "yes" : "no", orNone(b.node), orNone(b.zone), b.service});
  }
  return table.render();
}

std::string renderConntrack(const std::vector<ConntrackView>& entries) {
  if (entries.empty()) return "No conntrack entries.\n";
  Table table({"PROTO", "CLIENT", "FRONTEND", "BACKEND", "SERVICE", "FLAGS", "IDLE"});
  for (const ConntrackView& e : entries) {
    table.addRow({e.protocol, e.client, e.frontend, e.backend, std::to_string(e.service),
                  orNone(e.flags), formatDuration(e.idle_ms)});
  }
  return table.render();
}

std::string renderExplain(const ExplainRequest& request, const ExplainView& view) {
  std::string out;
  const auto line = [&out](const char* key, const std::string& value) {
    out += fmt::format("{:<11}{}\n", key, value);
  };
  line("Flow:", request.protocol + " " + request.source + " -> " + request.destination);
  if (view.matched) {
    line("Frontend:", view.frontend + " (" + view.kind + ")");
    line("Service:", fmt::format("{} (id {})", view.service, view.service_id));
  } else {
    line("Frontend:", "none (no frontend has this destination)");
  }
  if (!view.steps.empty()) {
    out += "Decisions:\n";
    for (std::size_t i = 0; i < view.steps.size(); ++i) {
      out += fmt::format("  {}. {}\n", i + 1, view.steps[i]);
    }
  }
  if (view.matched || !view.backend.empty()) {
    line("Backend:",
         view.backend.empty() ? "none (a new connection would not be forwarded)" : view.backend);
  }
  line("Verdict:", orNone(view.verdict));
  line("Conntrack:",
       view.conntrack ? conntrackLine(*view.conntrack) : "none (no entry for this flow)");
  return out;
}

}  // namespace sluice::controlplane::cli
