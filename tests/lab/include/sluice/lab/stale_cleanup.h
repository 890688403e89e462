// Cleaning up after crashed runs. A lab run names everything "sl<pid>...-" (names.h); a namespace
// or lab cgroup whose pid is no longer alive was left by a run that could not tear down (SIGKILL,
// a ctest timeout, a power cut). Its processes are killed and it is removed. Live runs' labs —
// parallel tests — are never touched. Lab::create runs this first unless told not to.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace sluice::lab {

struct StaleCleanupReport {
  std::vector<std::string> namespaces;  // removed
  std::vector<std::string> cgroups;     // removed (full paths)
  std::vector<pid_t> killed;            // processes that were still inside them
  std::vector<std::string> problems;    // what could not be removed, and why
};

// Logs (spdlog, info) each removal and (warn) each problem.
StaleCleanupReport cleanupStaleLabs();

}  // namespace sluice::lab
