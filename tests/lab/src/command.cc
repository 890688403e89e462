#include "sluice/lab/command.h"

#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "spawn.h"

namespace sluice::lab {

ExitStatus ExitStatus::fromWaitStatus(int wait_status) noexcept {
  if (WIFEXITED(wait_status)) return {.code = WEXITSTATUS(wait_status), .signal = 0};
  if (WIFSIGNALED(wait_status)) return {.code = -1, .signal = WTERMSIG(wait_status)};
  return {};
}

std::string ExitStatus::toString() const {
  if (signal != 0) {
    const char* abbreviation = ::sigabbrev_np(signal);
    return "killed by " + (abbreviation != nullptr ? "SIG" + std::string(abbreviation)
                                                   : "signal " + std::to_string(signal));
  }
  if (code >= 0) return "exited with code " + std::to_string(code);
  return "ended in an unknown way";
}

std::string describeCommand(std::span<const std::string> argv) {
  std::string line;
  for (const std::string& word : argv) {
    if (!line.empty()) line += ' ';
    const bool plain = !word.empty() && word.find_first_not_of(
                                            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789_./:=@%+,-") == std::string::npos;
    if (plain) {
      line += word;
      continue;
    }
    line += '\'';
    for (char c : word) {
      if (c == '\'') {
        line += "'\\''";
      } else {
        line += c;
      }
    }
    line += '\'';
  }
  return line;
}

base::Result<std::string> findExecutable(std::string_view name) {
  const auto isExecutable = [](const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
           ::access(path.c_str(), X_OK) == 0;
  };
  if (name.find('/') != std::string_view::npos) {
    std::string path(name);
    if (isExecutable(path)) return path;
    return base::fail(base::Errc::kNotFound, path + " is not an executable file");
  }
  const char* path_env = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe)
  // Tools like ip live in sbin, which a non-login PATH may lack.
  std::string search = path_env != nullptr ? path_env : "/usr/local/bin:/usr/bin:/bin";
  search += ":/usr/sbin:/sbin";
  std::string_view rest = search;
  while (!rest.empty()) {
    const auto colon = rest.find(':');
    const std::string_view dir = rest.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    if (dir.empty()) continue;
    std::string candidate = std::string(dir) + "/" + std::string(name);
    if (isExecutable(candidate)) return candidate;
  }
  return base::fail(base::Errc::kNotFound, "'" + std::string(name) + "' not found in " + search);
}

namespace {

// The text for stdin, in an anonymous file: the child reads it at its own pace, and nothing
// here can block on (or get SIGPIPE from) a pipe the child never reads.
base::Result<UniqueFd> stdinFile(const std::string& text) {
  UniqueFd fd(::memfd_create("sluice-lab-stdin", MFD_CLOEXEC));
  if (!fd.valid()) return base::failErrno("memfd_create", errno);
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd.get(), text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return base::failErrno("write stdin text", errno);
    written += static_cast<std::size_t>(n);
  }
  if (::lseek(fd.get(), 0, SEEK_SET) != 0) return base::failErrno("lseek stdin text", errno);
  return fd;
}

std::string lastBytes(const std::string& text, std::size_t count) {
  return text.size() <= count ? text : "..." + text.substr(text.size() - count);
}

}  // namespace

base::Result<CommandResult> runCommand(std::span<const std::string> argv,
                                       const CommandOptions& options) {
  const Deadline deadline = deadlineAfter(options.timeout);
  std::string what = "`" + describeCommand(argv) + "`";
  if (!options.netns.empty()) what += " in netns " + options.netns;

  UniqueFd stdin_fd;
  if (!options.stdin_text.empty()) {
    auto file = stdinFile(options.stdin_text);
    if (!file) return base::fail(std::move(file.error()).withContext(what));
    stdin_fd = std::move(*file);
  }
  auto child =
      detail::spawnChild({.argv = argv, .netns = options.netns, .stdin_fd = stdin_fd.get()});
  if (!child) return base::fail(std::move(child.error()).withContext(what));

  CommandResult result;
  std::array<UniqueFd*, 2> outputs{&child->stdout_fd, &child->stderr_fd};
  std::array<std::string*, 2> texts{&result.stdout_text, &result.stderr_text};
  std::array<char, 4096> buffer{};
  bool timed_out = false;
  while (outputs[0]->valid() || outputs[1]->valid()) {
    std::array<pollfd, 2> fds{};
    for (std::size_t i = 0; i < 2; ++i) fds[i] = {.fd = outputs[i]->get(), .events = POLLIN};
    const int ready = ::poll(fds.data(), fds.size(), pollTimeoutUntil(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return base::failErrno(what + ": poll", errno);
    if (ready == 0) {
      timed_out = true;
      break;
    }
    for (std::size_t i = 0; i < 2; ++i) {
      if (fds[i].revents == 0) continue;
      const ssize_t n = ::read(outputs[i]->get(), buffer.data(), buffer.size());
      if (n > 0) {
        texts[i]->append(buffer.data(), static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        outputs[i]->reset();
      }
    }
  }
  if (!timed_out && !detail::waitUntilExited(child->pid, child->pidfd.get(), deadline)) {
    timed_out = true;
  }
  if (timed_out) {
    detail::signalGroup(child->pid, SIGKILL);
    (void)detail::reap(child->pid);
    return base::fail(base::Errc::kTimeout,
                      what + " did not finish within " + std::to_string(options.timeout.count()) +
                          " ms and was killed; stdout so far: '" +
                          lastBytes(result.stdout_text, 400) + "', stderr so far: '" +
                          lastBytes(result.stderr_text, 400) + "'");
  }
  result.status = detail::reap(child->pid);
  return result;
}

base::Result<CommandResult> runCommandChecked(std::span<const std::string> argv,
                                              const CommandOptions& options) {
  auto result = runCommand(argv, options);
  if (!result || result->status.success()) return result;
  std::string what = "`" + describeCommand(argv) + "`";
  if (!options.netns.empty()) what += " in netns " + options.netns;
  std::string stderr_text = result->stderr_text;
  while (!stderr_text.empty() && stderr_text.back() == '\n') stderr_text.pop_back();
  return base::fail(base::Errc::kIo, what + " " + result->status.toString() +
                                         (stderr_text.empty() ? "" : ": " + stderr_text));
}

}  // namespace sluice::lab
