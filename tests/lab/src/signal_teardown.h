// Teardown on SIGINT, SIGTERM, SIGHUP, SIGQUIT and SIGABRT: a Ctrl-C, a `kill`, or an abort in the
// middle of a test must still remove the lab. Labs record what they own here as they make it —
// process ids, namespace files, cgroup directories — in fixed static tables that a signal
// handler can read. The handler kills the processes, removes the namespace files and cgroups
// with plain system calls, then lets the signal do what it would have done (the previous
// handler, or the default action). Leftovers of a SIGKILL are the job of stale cleanup.
// Internal to the lab library.
#pragma once

#include <sys/types.h>

#include <string_view>

namespace sluice::lab::detail {

// Installs the handlers once per process; signals that are ignored (nohup) stay ignored.
void installSignalTeardown();

// Record / forget. Paths are absolute; names longer than the table's slots are not recorded
// (and logged). Safe from any thread.
void trackPid(pid_t pid) noexcept;
void untrackPid(pid_t pid) noexcept;
void trackNetnsFile(std::string_view path) noexcept;
void untrackNetnsFile(std::string_view path) noexcept;
void trackCgroup(std::string_view path) noexcept;
void untrackCgroup(std::string_view path) noexcept;

}  // namespace sluice::lab::detail
