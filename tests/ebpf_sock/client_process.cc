#include "client_process.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace sluice::sock_test {
namespace {

bool writeAll(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// In the child: join, run, report. Exit codes say which step failed.
[[noreturn]] void childMain(const TestCgroup* cgroup, const TestNetns& netns,
                            const ClientScenario& scenario, int out, unsigned timeout_s) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  ::alarm(timeout_s + 1);  // a backstop; the parent kills it at the deadline anyway
  if (cgroup != nullptr) {
    const std::string pid = std::to_string(::getpid());
    const int procs = ::open((cgroup->path() + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
    if (procs < 0 || !writeAll(procs, pid)) ::_exit(10);
    ::close(procs);
  }
  if (::setns(netns.fd(), CLONE_NEWNET) != 0) ::_exit(11);
  const std::string text = serializeOutcomes(scenario());
  ::_exit(writeAll(out, text) ? 0 : 12);
}

}  // namespace

base::Result<std::vector<Outcome>> runClientProcess(const TestCgroup* cgroup,
                                                    const TestNetns& netns,
                                                    const ClientScenario& scenario,
                                                    std::chrono::milliseconds timeout) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return base::failErrno("pipe for a client", errno);
  FileDescriptor in(pipe_fds[0]);
  FileDescriptor out(pipe_fds[1]);
  const pid_t child = ::fork();
  if (child < 0) return base::failErrno("fork for a client", errno);
  if (child == 0) {
    childMain(cgroup, netns, scenario, out.get(),
              static_cast<unsigned>(timeout.count() / 1000 + 1));
  }
  out.reset();

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string text;
  bool timed_out = false;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{.fd = in.get(), .events = POLLIN, .revents = 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    char buffer[4096];
    const ssize_t n = ::read(in.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  if (timed_out) ::kill(child, SIGKILL);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return base::fail(base::Errc::kTimeout, "client process overran its " +
                                                std::to_string(timeout.count()) + " ms deadline");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    const char* step = code == 10   ? "joining the cgroup"
                       : code == 11 ? "joining the network namespace"
                       : code == 12 ? "reporting"
                                    : "running";
    return base::fail(base::Errc::kInternal, std::string("client process failed ") + step +
                                                 " (wait status " + std::to_string(status) + ")");
  }
  return parseOutcomes(text);
}

}  // namespace sluice::sock_test
