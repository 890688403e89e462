#include "sluice/lab/environment.h"

#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <thread>

#include "sluice/lab/command.h"

namespace sluice::lab {

std::string rootProblem() {
  if (::geteuid() == 0) return {};
  return "needs root (euid is " + std::to_string(::geteuid()) +
         "): network namespaces, BPF and cgroups need CAP_SYS_ADMIN/CAP_NET_ADMIN; run the tests "
         "as root (sudo scripts/test.sh)";
}

std::string labProblem() {
  if (std::string problem = rootProblem(); !problem.empty()) return problem;
  if (auto ip = findExecutable("ip"); !ip) {
    return "the lab needs iproute2's `ip`: " + ip.error().message() + " (apt-get install iproute2)";
  }
  // A throwaway thread tries to get a namespace of its own; it disappears with the thread.
  int unshare_errno = 0;
  std::thread probe([&] {
    if (::unshare(CLONE_NEWNET) != 0) unshare_errno = errno;
  });
  probe.join();
  if (unshare_errno != 0) {
    return std::string("cannot create a network namespace: unshare(CLONE_NEWNET): ") +
           std::strerror(unshare_errno) +  // NOLINT(concurrency-mt-unsafe)
           " (inside a container? it needs CAP_SYS_ADMIN)";
  }
  return {};
}

bool privilegedTestsRequired() {
  const char* value = std::getenv("SLUICE_REQUIRE_PRIVILEGED");  // NOLINT(concurrency-mt-unsafe)
  return value != nullptr && std::string_view(value) == "1";
}

}  // namespace sluice::lab
