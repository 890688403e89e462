#include "sluice/lab/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <filesystem>

#include "signal_teardown.h"
#include "spawn.h"

namespace sluice::lab {

namespace {

constexpr std::size_t kMaxKeptOutput = 1 << 20;

void appendBounded(std::string& kept, const char* data, std::size_t size) {
  kept.append(data, size);
  if (kept.size() > kMaxKeptOutput) kept.erase(0, kept.size() - kMaxKeptOutput);
}

std::string tail(const std::string& text, std::size_t count) {
  return text.size() <= count ? text : "..." + text.substr(text.size() - count);
}

}  // namespace

Process::Process(std::vector<std::string> argv, ProcessOptions options)
    : argv_(std::move(argv)), options_(std::move(options)) {
  if (options_.name.empty() && !argv_.empty()) {
    options_.name = std::filesystem::path(argv_.front()).filename().string();
  }
}

base::Result<std::unique_ptr<Process>> Process::start(std::vector<std::string> argv,
                                                      ProcessOptions options) {
  std::unique_ptr<Process> process(new Process(std::move(argv), std::move(options)));
  std::array<int, 2> wake{};
  if (::pipe2(wake.data(), O_CLOEXEC | O_NONBLOCK) != 0) return base::failErrno("pipe2", errno);
  process->wake_read_.reset(wake[0]);
  process->wake_write_.reset(wake[1]);

  auto child = detail::spawnChild({.argv = process->argv_,
                                   .netns = process->options_.netns,
                                   .cgroup = process->options_.cgroup,
                                   .capture_stdout = true,
                                   .capture_stderr = process->options_.capture_stderr});
  if (!child)
    return base::fail(std::move(child.error()).withContext("start " + process->describe()));
  process->pid_ = child->pid;
  detail::trackPid(child->pid);
  process->pidfd_ = std::move(child->pidfd);
  process->stdout_fd_ = std::move(child->stdout_fd);
  process->stderr_fd_ = std::move(child->stderr_fd);
  process->reader_ = std::thread([raw = process.get()] { raw->readOutput(); });
  return process;
}

Process::~Process() {
  if (pid_ > 0) stop();
  if (reader_.joinable()) {
    (void)!::write(wake_write_.get(), "x", 1);
    reader_.join();
  }
}

std::string Process::describe() const {
  std::string text = options_.name.empty() ? "process" : options_.name;
  if (pid_ > 0) text += " (pid " + std::to_string(pid_) + ")";
  if (!options_.netns.empty()) text += " in netns " + options_.netns;
  return text;
}

void Process::readOutput() {
  std::array<char, 4096> buffer{};
  bool stopping = false;
  while (stdout_fd_.valid() || stderr_fd_.valid()) {
    std::array<pollfd, 3> fds{{{.fd = stdout_fd_.get(), .events = POLLIN},
                               {.fd = stderr_fd_.get(), .events = POLLIN},
                               {.fd = stopping ? -1 : wake_read_.get(), .events = POLLIN}}};
    // Once told to stop, drain what is already buffered without waiting for more.
    const int ready = ::poll(fds.data(), fds.size(), stopping ? 0 : -1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    if (fds[2].revents != 0) stopping = true;
    for (std::size_t i = 0; i < 2; ++i) {
      if (fds[i].revents == 0) continue;
      UniqueFd& fd = i == 0 ? stdout_fd_ : stderr_fd_;
      const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const std::lock_guard lock(mutex_);
        fd.reset();
        continue;
      }
      const std::lock_guard lock(mutex_);
      appendBounded(i == 0 ? stdout_ : stderr_, buffer.data(), static_cast<std::size_t>(n));
    }
    output_changed_.notify_all();
  }
  {
    const std::lock_guard lock(mutex_);
    output_closed_ = true;
  }
  output_changed_.notify_all();
}

std::string Process::output() const {
  const std::lock_guard lock(mutex_);
  return stdout_;
}

std::string Process::errorOutput() const {
  const std::lock_guard lock(mutex_);
  return stderr_;
}

base::Status Process::waitForLine(std::string_view text, Deadline deadline) {
  const auto hasLine = [&] {
    std::string_view rest = stdout_;
    for (auto newline = rest.find('\n'); newline != std::string_view::npos;
         newline = rest.find('\n')) {
      if (rest.substr(0, newline).find(text) != std::string_view::npos) return true;
      rest.remove_prefix(newline + 1);
    }
    return false;
  };
  std::unique_lock lock(mutex_);
  const auto start = Clock::now();
  while (!hasLine()) {
    if (output_closed_) {
      const std::string out = stdout_;
      lock.unlock();
      // Its stdout is closed: it exited (or closed it). Say how it ended when we can tell.
      auto exited = waitExit(deadlineAfter(std::chrono::milliseconds(500)));
      return base::fail(
          base::Errc::kUnavailable,
          describe() + " closed its output before printing '" + std::string(text) + "' (" +
              (exited ? exited->toString() : "still running") + "); stdout: '" + tail(out, 400) +
              "'" +
              (options_.capture_stderr ? ", stderr: '" + tail(errorOutput(), 400) + "'"
                                       : "; its stderr is in the test log"));
    }
    if (output_changed_.wait_until(lock, deadline) == std::cv_status::timeout && !hasLine()) {
      const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - start);
      return base::fail(base::Errc::kTimeout, describe() + " did not print '" + std::string(text) +
                                                  "' within " + std::to_string(waited.count()) +
                                                  " ms; stdout so far: '" + tail(stdout_, 400) +
                                                  "'");
    }
  }
  return {};
}

base::Status Process::signal(int signal_number) {
  if (exit_) return base::fail(base::Errc::kNotFound, describe() + " has already exited");
  if (::kill(-pid_, signal_number) != 0 && ::kill(pid_, signal_number) != 0) {
    return base::failErrno("kill " + describe(), errno);
  }
  return {};
}

bool Process::running() {
  if (exit_) return false;
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
      info.si_pid != pid_) {
    return true;
  }
  (void)waitExit(Clock::now());
  return false;
}

base::Result<ExitStatus> Process::waitExit(Deadline deadline) {
  if (exit_) return *exit_;
  if (auto exited = detail::waitUntilExited(pid_, pidfd_.get(), deadline); !exited) {
    return base::fail(std::move(exited.error()).withContext(describe()));
  }
  // Exited but not reaped: its pid (and so its process group id) cannot be reused yet, so this
  // kill reaches only what it left behind in its group.
  detail::signalGroup(pid_, SIGKILL);
  detail::untrackPid(pid_);
  exit_ = detail::reap(pid_);
  return *exit_;
}

ExitStatus Process::stop() {
  if (exit_) return *exit_;
  (void)signal(SIGTERM);
  if (auto exited = waitExit(deadlineAfter(options_.stop_grace)); exited) return *exited;
  spdlog::warn("lab: {} did not exit within {} ms of SIGTERM; sending SIGKILL", describe(),
               options_.stop_grace.count());
  detail::signalGroup(pid_, SIGKILL);
  if (auto killed = waitExit(deadlineAfter(std::chrono::seconds(10))); killed) return *killed;
  spdlog::error("lab: {} survived SIGKILL for 10 s (stuck in the kernel?)", describe());
  return {};
}

}  // namespace sluice::lab
