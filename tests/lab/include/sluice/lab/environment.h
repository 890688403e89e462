// Can this process build a lab? Each check returns "" when yes, or a sentence that says what is
// missing and what to do — the text a privileged test skips (or fails) with.
#pragma once

#include <string>

namespace sluice::lab {

// "" when running as root (euid 0), which the lab, BPF and cgroups need.
[[nodiscard]] std::string rootProblem();

// "" when network namespaces can be made: root, `ip` (iproute2) installed, unshare(CLONE_NEWNET)
// allowed (it is not in some containers).
[[nodiscard]] std::string labProblem();

// True when SLUICE_REQUIRE_PRIVILEGED=1: CI runs as root and sets it, so a privileged test that
// cannot get what it needs fails there instead of skipping.
[[nodiscard]] bool privilegedTestsRequired();

}  // namespace sluice::lab
