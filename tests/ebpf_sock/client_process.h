// Running clients as a process inside the test's cgroup and network namespace. cgroup v2 moves
// whole processes (a single thread cannot join a non-threaded cgroup), and the socket hooks see a
// socket's cgroup as the one its creator was in, so each scenario runs in a forked child that
// joins the cgroup first, then the namespace, then makes its sockets. The outcomes come back
// over a pipe; the child is killed if it overruns its deadline.
#pragma once

#include <chrono>
#include <functional>
#include <vector>

#include "clients.h"
#include "kernel_env.h"

namespace sluice::sock_test {

using ClientScenario = std::function<std::vector<Outcome>()>;

// cgroup == nullptr: the child stays in this process's cgroup (sockets outside the test's).
[[nodiscard]] base::Result<std::vector<Outcome>> runClientProcess(
    const TestCgroup* cgroup, const TestNetns& netns, const ClientScenario& scenario,
    std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace sluice::sock_test
