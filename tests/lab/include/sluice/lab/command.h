// Running a command to completion, optionally inside a lab network namespace: fork, setns into
// /run/netns/<name> in the child, exec — not `ip netns exec`, so nothing is remounted and no shell
// is involved. Output is captured, a deadline is enforced (the child's whole process group is
// killed when it passes), and the child dies with us (PR_SET_PDEATHSIG).
//
//   auto result = runCommand({"ip", "-o", "addr"}, {.netns = pod.netns});
//   if (result && result->status.success()) ... result->stdout_text ...
#pragma once

#include <sys/types.h>

#include <chrono>
#include <span>
#include <string>
#include <vector>

#include "sluice/base/error.h"

namespace sluice::lab {

// How a child process ended.
struct ExitStatus {
  int code = -1;   // the exit code when it exited, -1 when a signal killed it
  int signal = 0;  // the signal that killed it, 0 when it exited

  [[nodiscard]] static ExitStatus fromWaitStatus(int wait_status) noexcept;
  [[nodiscard]] bool success() const noexcept { return code == 0; }
  // "exited with code 1", "killed by SIGKILL"
  [[nodiscard]] std::string toString() const;
};

struct CommandOptions {
  std::string netns;                         // "" = this process's namespace
  std::chrono::milliseconds timeout{10000};  // then the command is killed and an error returned
  std::string stdin_text;                    // fed to the command's stdin (else /dev/null)
};

struct CommandResult {
  ExitStatus status;
  std::string stdout_text;
  std::string stderr_text;
};

// Runs argv (argv[0] looked up in PATH, plus /usr/sbin and /sbin). A non-zero exit is not an
// error here — see status; errors are: could not start, could not join the namespace, timeout.
[[nodiscard]] base::Result<CommandResult> runCommand(std::span<const std::string> argv,
                                                     const CommandOptions& options = {});

// runCommand, plus a non-zero exit is an error that quotes the command and its stderr.
[[nodiscard]] base::Result<CommandResult> runCommandChecked(std::span<const std::string> argv,
                                                            const CommandOptions& options = {});

// The full path of an executable: `name` itself when it contains '/', else the first match in
// PATH, /usr/sbin, /sbin. Fails naming the directories searched.
[[nodiscard]] base::Result<std::string> findExecutable(std::string_view name);

// argv as one line a person can paste into a shell: words with spaces or quotes are quoted.
[[nodiscard]] std::string describeCommand(std::span<const std::string> argv);

}  // namespace sluice::lab
