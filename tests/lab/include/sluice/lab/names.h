// Names of what a lab run makes. Every namespace and cgroup starts with a prefix that says which
// process made it, so a later run can tell a crashed run's leftovers from a live run's:
//
//   "sl" <pid> [<letters>] "-"     e.g. "sl4242-" (first lab of pid 4242), "sl4242a-" (second)
//
// The lab's namespaces are then "sl4242-fab", "sl4242-n1", "sl4242-p1a", ...
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

namespace sluice::lab {

// labPrefix(4242, 0) = "sl4242-"; labPrefix(4242, 1) = "sl4242a-"; 26 → "z"; 27 → "aa".
[[nodiscard]] std::string labPrefix(pid_t pid, unsigned lab_number);

// The next unused prefix of this process (lab numbers count up from 0, thread-safe).
[[nodiscard]] std::string nextLabPrefix();

// The pid in a lab name ("sl4242a-n1" → 4242); nullopt for anything else ("slow-n1", "sl-x").
[[nodiscard]] std::optional<pid_t> labOwnerPid(std::string_view name);

// kill(pid, 0) says it exists (a zombie counts; so does a pid reused by another process, which is
// why stale cleanup errs on the side of leaving things alone).
[[nodiscard]] bool processIsAlive(pid_t pid);

}  // namespace sluice::lab
