// Named network namespaces (the /run/netns/<name> files `ip netns` uses): list, find the
// processes inside, delete. Creation goes through `ip netns add` (see IpBatch), which also sets
// up /run/netns's mount propagation the way every other tool expects.
#pragma once

#include <sys/types.h>

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/base/error.h"

namespace sluice::lab {

[[nodiscard]] bool netnsExists(std::string_view netns);

// The names in /run/netns (empty when the directory does not exist).
[[nodiscard]] base::Result<std::vector<std::string>> listNetns();

// Processes (other than this one) whose network namespace is one of `netns`, found by comparing
// /proc/<pid>/ns/net with the namespace files. Names that do not exist are skipped.
[[nodiscard]] std::vector<pid_t> pidsInNetns(std::span<const std::string> netns);

// SIGKILLs pidsInNetns(netns) and returns who was killed.
std::vector<pid_t> killProcessesInNetns(std::span<const std::string> netns);

// What `ip netns del` does: unmount and remove /run/netns/<name>. The namespace itself lives on
// until its last process has gone. Succeeds when it did not exist.
[[nodiscard]] base::Status deleteNetns(std::string_view netns);

}  // namespace sluice::lab
