#include "spawn.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <thread>
#include <vector>

#include "fd_wait.h"
#include "sluice/lab/run_in_netns.h"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX, not in a header

namespace sluice::lab::detail {

namespace {

enum class ChildStep : int {
  kSignals,
  kProcessGroup,
  kParentDeath,
  kNetns,
  kCgroup,
  kStdio,
  kExec
};

const char* stepName(ChildStep step) {
  switch (step) {
    case ChildStep::kSignals: return "resetting signals";
    case ChildStep::kProcessGroup: return "setpgid";
    case ChildStep::kParentDeath: return "prctl(PR_SET_PDEATHSIG)";
    case ChildStep::kNetns: return "setns into the network namespace";
    case ChildStep::kCgroup: return "joining the cgroup";
    case ChildStep::kStdio: return "redirecting stdio";
    case ChildStep::kExec: return "execve";
  }
  return "?";
}

struct ChildFailure {
  ChildStep step;
  int error;
};

// Everything the child needs, prepared before fork: after fork only async-signal-safe calls.
struct ChildPlan {
  const char* path;
  char* const* argv;
  pid_t parent;
  int netns_fd;
  int cgroup_procs_fd;
  int stdin_fd;
  int stdout_fd;  // -1 = keep ours
  int stderr_fd;  // -1 = keep ours
  int report_fd;
};

[[noreturn]] void failInChild(const ChildPlan& plan, ChildStep step) {
  const ChildFailure failure{step, errno};
  (void)!::write(plan.report_fd, &failure, sizeof(failure));
  ::_exit(127);
}

bool moveFd(int from, int to) {
  if (from == to) return ::fcntl(to, F_SETFD, 0) == 0;  // keep it across exec
  return ::dup2(from, to) == to;
}

[[noreturn]] void runChild(const ChildPlan& plan) {
  // Handlers we installed (the lab's teardown-on-signal) must not run in the child.
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    struct sigaction current {};
    if (::sigaction(sig, nullptr, &current) != 0) continue;
    if (current.sa_handler != SIG_DFL || sig == SIGPIPE) ::sigaction(sig, &default_action, nullptr);
  }
  sigset_t none;
  sigemptyset(&none);
  if (::sigprocmask(SIG_SETMASK, &none, nullptr) != 0) failInChild(plan, ChildStep::kSignals);

  // Its own process group: the lab stops it and what it starts in one kill(), and a Ctrl-C in
  // the terminal reaches the test (which tears down) rather than each child.
  if (::setpgid(0, 0) != 0) failInChild(plan, ChildStep::kProcessGroup);
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) failInChild(plan, ChildStep::kParentDeath);
  if (::getppid() != plan.parent) ::_exit(127);  // the parent died before prctl

  if (plan.netns_fd >= 0 && ::setns(plan.netns_fd, CLONE_NEWNET) != 0) {
    failInChild(plan, ChildStep::kNetns);
  }
  if (plan.cgroup_procs_fd >= 0 && ::write(plan.cgroup_procs_fd, "0", 1) != 1) {
    failInChild(plan, ChildStep::kCgroup);
  }
  if (!moveFd(plan.stdin_fd, STDIN_FILENO)) failInChild(plan, ChildStep::kStdio);
  if (plan.stdout_fd >= 0 && !moveFd(plan.stdout_fd, STDOUT_FILENO)) {
    failInChild(plan, ChildStep::kStdio);
  }
  if (plan.stderr_fd >= 0 && !moveFd(plan.stderr_fd, STDERR_FILENO)) {
    failInChild(plan, ChildStep::kStdio);
  }
  ::execve(plan.path, plan.argv, environ);
  failInChild(plan, ChildStep::kExec);
}

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

base::Result<Pipe> makePipe() {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) return base::failErrno("pipe2", errno);
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// Blocks every signal on this thread for its lifetime, so nothing runs between fork and the
// child's reset of signal handlers.
class BlockAllSignals {
 public:
  BlockAllSignals() {
    sigset_t all;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &saved_);
  }
  ~BlockAllSignals() { ::pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
  BlockAllSignals(const BlockAllSignals&) = delete;
  BlockAllSignals& operator=(const BlockAllSignals&) = delete;

 private:
  sigset_t saved_{};
};

}  // namespace

base::Result<SpawnedChild> spawnChild(const SpawnRequest& request) {
  if (request.argv.empty()) return base::fail(base::Errc::kInvalidArgument, "empty command");
  auto path = findExecutable(request.argv.front());
  if (!path) return base::fail(std::move(path.error()));

  UniqueFd netns_fd;
  if (!request.netns.empty()) {
    const std::string netns_file = netnsPath(request.netns);
    netns_fd.reset(::open(netns_file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!netns_fd.valid()) {
      return base::failErrno("open " + netns_file + " (does the namespace exist?)", errno);
    }
  }
  UniqueFd cgroup_procs_fd;
  if (!request.cgroup.empty()) {
    const std::string procs = std::string(request.cgroup) + "/cgroup.procs";
    cgroup_procs_fd.reset(::open(procs.c_str(), O_WRONLY | O_CLOEXEC));
    if (!cgroup_procs_fd.valid()) return base::failErrno("open " + procs, errno);
  }
  UniqueFd dev_null(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!dev_null.valid()) return base::failErrno("open /dev/null", errno);

  Pipe stdout_pipe;
  Pipe stderr_pipe;
  if (request.capture_stdout) {
    auto made = makePipe();
    if (!made) return base::fail(std::move(made.error()));
    stdout_pipe = std::move(*made);
  }
  if (request.capture_stderr) {
    auto made = makePipe();
    if (!made) return base::fail(std::move(made.error()));
    stderr_pipe = std::move(*made);
  }
  auto report = makePipe();
  if (!report) return base::fail(std::move(report.error()));

  std::vector<char*> argv;
  argv.reserve(request.argv.size() + 1);
  for (const std::string& arg : request.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);

  const ChildPlan plan{
      .path = path->c_str(),
      .argv = argv.data(),
      .parent = ::getpid(),
      .netns_fd = netns_fd.get(),
      .cgroup_procs_fd = cgroup_procs_fd.get(),
      .stdin_fd = request.stdin_fd >= 0 ? request.stdin_fd : dev_null.get(),
      .stdout_fd = stdout_pipe.write.get(),
      .stderr_fd = stderr_pipe.write.get(),
      .report_fd = report->write.get(),
  };

  pid_t pid = -1;
  {
    const BlockAllSignals blocked;
    pid = ::fork();
    if (pid == 0) runChild(plan);
  }
  if (pid < 0) return base::failErrno("fork", errno);
  (void)::setpgid(pid, pid);  // also here, so the group exists before fork() returns to callers

  report->write.reset();
  stdout_pipe.write.reset();
  stderr_pipe.write.reset();
  ChildFailure failure{};
  ssize_t got = -1;
  do {
    got = ::read(report->read.get(), &failure, sizeof(failure));
  } while (got < 0 && errno == EINTR);
  if (got == static_cast<ssize_t>(sizeof(failure))) {
    (void)reap(pid);
    std::string what = stepName(failure.step);
    if (failure.step == ChildStep::kNetns) what += " " + std::string(request.netns);
    if (failure.step == ChildStep::kCgroup) what += " " + std::string(request.cgroup);
    if (failure.step == ChildStep::kExec) what += " " + *path;
    return base::failErrno(what, failure.error);
  }

  SpawnedChild child;
  child.pid = pid;
  child.pidfd.reset(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  child.stdout_fd = std::move(stdout_pipe.read);
  child.stderr_fd = std::move(stderr_pipe.read);
  return child;
}

base::Status waitUntilExited(pid_t pid, int pidfd, Deadline deadline) {
  if (pidfd >= 0) {
    auto ready = waitForFd(pidfd, POLLIN, deadline, "waiting for process to exit");
    if (!ready) return base::fail(std::move(ready.error()));
    return {};
  }
  // No pidfd (old kernel): ask without reaping, in short steps.
  return waitFor(
      "process " + std::to_string(pid) + " to exit",
      [pid] {
        siginfo_t info{};
        return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
               info.si_pid == pid;
      },
      deadline, std::chrono::milliseconds(2));
}

ExitStatus reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return {};
  }
  return ExitStatus::fromWaitStatus(status);
}

void signalGroup(pid_t pid, int signal_number) noexcept {
  if (pid <= 0) return;
  (void)::kill(-pid, signal_number);
  (void)::kill(pid, signal_number);
}

}  // namespace sluice::lab::detail
