// Process: a long-running child — an echo server, later a sluice-agent — started in a lab
// namespace (and optionally a cgroup) and always stopped and reaped: SIGTERM to its process
// group, SIGKILL after a grace period. Its stdout is read continuously (so it never blocks on a
// full pipe) and kept, so a test waits for "ready" instead of sleeping. Its stderr goes to ours
// (the test log) unless captured. The child is killed if this process dies (PR_SET_PDEATHSIG —
// tied to the thread that started it, so start processes from a thread that lives as long).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "sluice/base/error.h"
#include "sluice/lab/command.h"
#include "sluice/lab/deadline.h"
#include "sluice/lab/unique_fd.h"

namespace sluice::lab {

struct ProcessOptions {
  std::string netns;            // "" = this process's namespace
  std::string cgroup;           // a cgroup v2 directory the child joins before it runs; "" = ours
  std::string name;             // for messages; default: argv[0]'s file name
  bool capture_stderr = false;  // else stderr is shared with this process
  std::chrono::milliseconds stop_grace{2000};  // SIGTERM → SIGKILL
};

class Process {
 public:
  [[nodiscard]] static base::Result<std::unique_ptr<Process>> start(std::vector<std::string> argv,
                                                                    ProcessOptions options = {});
  ~Process();  // stop()
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  [[nodiscard]] const std::string& name() const noexcept { return options_.name; }
  [[nodiscard]] const std::string& netns() const noexcept { return options_.netns; }

  // Waits until a complete stdout line contains `text`. Fails early — quoting the exit status
  // and output — when the process exits first, and with kTimeout at the deadline.
  [[nodiscard]] base::Status waitForLine(std::string_view text, Deadline deadline);
  // Everything read from stdout (and stderr when captured) so far; at most the last 1 MiB each.
  [[nodiscard]] std::string output() const;
  [[nodiscard]] std::string errorOutput() const;

  // Sends `signal_number` to the process group (the child and whatever it started).
  [[nodiscard]] base::Status signal(int signal_number);
  // Non-blocking: false once it has exited (and then it is reaped).
  [[nodiscard]] bool running();
  // Waits for it to exit on its own; kTimeout at the deadline (it keeps running).
  [[nodiscard]] base::Result<ExitStatus> waitExit(Deadline deadline);
  // SIGTERM, then SIGKILL after stop_grace; always reaps. Idempotent: returns the exit status.
  ExitStatus stop();
  [[nodiscard]] std::optional<ExitStatus> exitStatus() const noexcept { return exit_; }

 private:
  Process(std::vector<std::string> argv, ProcessOptions options);
  void readOutput();  // the reader thread
  [[nodiscard]] std::string describe() const;

  std::vector<std::string> argv_;
  ProcessOptions options_;
  pid_t pid_ = -1;
  UniqueFd pidfd_;
  UniqueFd stdout_fd_;
  UniqueFd stderr_fd_;
  UniqueFd wake_read_;  // the reader thread stops when this becomes readable
  UniqueFd wake_write_;
  std::optional<ExitStatus> exit_;

  mutable std::mutex mutex_;
  std::condition_variable output_changed_;
  std::string stdout_;
  std::string stderr_;
  bool output_closed_ = false;
  std::thread reader_;
};

}  // namespace sluice::lab
