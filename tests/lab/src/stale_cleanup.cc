#include "sluice/lab/stale_cleanup.h"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <system_error>

#include "sluice/lab/cgroup.h"
#include "sluice/lab/names.h"
#include "sluice/lab/netns.h"

namespace sluice::lab {

namespace {

bool isStale(std::string_view name) {
  const auto owner = labOwnerPid(name);
  return owner && !processIsAlive(*owner);
}

void cleanNamespaces(StaleCleanupReport& report) {
  auto names = listNetns();
  if (!names) {
    report.problems.push_back(names.error().message());
    return;
  }
  std::vector<std::string> stale;
  for (const std::string& name : *names) {
    if (isStale(name)) stale.push_back(name);
  }
  if (stale.empty()) return;
  report.killed = killProcessesInNetns(stale);
  for (const std::string& name : stale) {
    if (auto deleted = deleteNetns(name); deleted) {
      report.namespaces.push_back(name);
    } else {
      report.problems.push_back(deleted.error().message());
    }
  }
}

void cleanCgroups(StaleCleanupReport& report) {
  auto parent = findCgroup2Mount();
  if (!parent) return;  // no cgroup v2, so no lab cgroups either
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(*parent + "/sluice-lab", error)) {
    if (!entry.is_directory(error) || !isStale(entry.path().filename().string())) continue;
    const std::string path = entry.path().string();
    if (auto removed = removeCgroupTree(path); removed) {
      report.cgroups.push_back(path);
    } else {
      report.problems.push_back(removed.error().message());
    }
  }
}

}  // namespace

StaleCleanupReport cleanupStaleLabs() {
  StaleCleanupReport report;
  cleanNamespaces(report);
  cleanCgroups(report);
  if (!report.killed.empty()) {
    spdlog::info("lab: killed {} process(es) left in stale lab namespaces: {}",
                 report.killed.size(), fmt::join(report.killed, " "));
  }
  for (const std::string& name : report.namespaces) {
    spdlog::info("lab: removed stale namespace {} (its run's pid is gone)", name);
  }
  for (const std::string& path : report.cgroups) {
    spdlog::info("lab: removed stale cgroup {} (its run's pid is gone)", path);
  }
  for (const std::string& problem : report.problems) {
    spdlog::warn("lab: stale cleanup: {}", problem);
  }
  return report;
}

}  // namespace sluice::lab
