// Starting a child process the lab's way, shared by runCommand and Process: fork; in the child
// join the namespace (setns) and cgroup, start a new process group, die with the parent
// (PR_SET_PDEATHSIG), reset signals, exec. Failures in the child before exec come back to the
// parent as an Error naming the step. Internal to the lab library.
#pragma once

#include <sys/types.h>

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "sluice/base/error.h"
#include "sluice/lab/command.h"
#include "sluice/lab/deadline.h"
#include "sluice/lab/unique_fd.h"

namespace sluice::lab::detail {

struct SpawnRequest {
  std::span<const std::string> argv;
  std::string_view netns;   // "" = ours
  std::string_view cgroup;  // a cgroup v2 directory to join; "" = ours
  int stdin_fd = -1;        // becomes the child's stdin; -1 = /dev/null
  bool capture_stdout = true;
  bool capture_stderr = true;  // else the child shares our stderr
};

struct SpawnedChild {
  pid_t pid = -1;
  UniqueFd pidfd;      // invalid on kernels without pidfd_open (< 5.3)
  UniqueFd stdout_fd;  // read ends, when captured
  UniqueFd stderr_fd;
};

[[nodiscard]] base::Result<SpawnedChild> spawnChild(const SpawnRequest& request);

// Blocks until `pid` has exited (without reaping it) or the deadline passes (kTimeout).
[[nodiscard]] base::Status waitUntilExited(pid_t pid, int pidfd, Deadline deadline);

// waitpid: reaps `pid`, blocking until it exits.
ExitStatus reap(pid_t pid);

// Sends the signal to the process group `pid` leads, and to `pid` itself; ESRCH is ignored.
void signalGroup(pid_t pid, int signal_number) noexcept;

}  // namespace sluice::lab::detail
