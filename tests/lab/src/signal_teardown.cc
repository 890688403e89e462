#include "signal_teardown.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>

namespace sluice::lab::detail {

namespace {

constexpr std::size_t kPathSize = 256;

// A slot holds one path. state: 0 free, 1 being written, 2 in use. Only "in use" slots are read
// by the handler; a slot is filled completely before it becomes "in use".
struct PathSlot {
  std::atomic<int> state{0};
  std::array<char, kPathSize> path{};
};

template <std::size_t N>
struct PathTable {
  std::array<PathSlot, N> slots;

  void add(std::string_view path) noexcept {
    if (path.size() >= kPathSize) return;
    for (PathSlot& slot : slots) {
      int expected = 0;
      if (!slot.state.compare_exchange_strong(expected, 1)) continue;
      std::memcpy(slot.path.data(), path.data(), path.size());
      slot.path[path.size()] = '\0';
      slot.state.store(2);
      return;
    }
  }
  void remove(std::string_view path) noexcept {
    for (PathSlot& slot : slots) {
      if (slot.state.load() != 2) continue;
      if (path.size() < kPathSize &&
          std::strncmp(slot.path.data(), path.data(), path.size()) == 0 &&
          slot.path[path.size()] == '\0') {
        slot.state.store(0);
        return;
      }
    }
  }
};

std::array<std::atomic<pid_t>, 1024> g_pids{};
PathTable<512> g_netns_files;
PathTable<64> g_cgroups;

constexpr std::array<int, 5> kSignals = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGABRT};
std::array<struct sigaction, NSIG> g_previous{};

// Builds "<dir>/<file>" into `out` without the C library's formatting (not signal-safe).
bool joinPath(const char* dir, const char* file, std::array<char, kPathSize + 32>& out) {
  const std::size_t dir_length = std::strlen(dir);
  const std::size_t file_length = std::strlen(file);
  if (dir_length + 1 + file_length + 1 > out.size()) return false;
  std::memcpy(out.data(), dir, dir_length);
  out[dir_length] = '/';
  std::memcpy(out.data() + dir_length + 1, file, file_length + 1);
  return true;
}

void removeCgroupInHandler(const char* path) {
  std::array<char, kPathSize + 32> kill_file{};
  if (joinPath(path, "cgroup.kill", kill_file)) {
    const int fd = ::open(kill_file.data(), O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      (void)!::write(fd, "1", 1);
      ::close(fd);
    }
  }
  // The killed processes take a moment to leave; try for up to a second.
  const timespec pause{.tv_sec = 0, .tv_nsec = 10'000'000};
  for (int attempt = 0; attempt < 100 && ::rmdir(path) != 0 && errno == EBUSY; ++attempt) {
    ::nanosleep(&pause, nullptr);
  }
}

extern "C" void teardownOnSignal(int signal_number) {
  const int saved_errno = errno;
  for (auto& slot : g_pids) {
    const pid_t pid = slot.load();
    if (pid > 0) {
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
    }
  }
  for (auto& slot : g_pids) {
    const pid_t pid = slot.exchange(0);
    if (pid > 0) ::waitpid(pid, nullptr, 0);
  }
  for (PathSlot& slot : g_cgroups.slots) {
    int expected = 2;
    if (slot.state.compare_exchange_strong(expected, 1)) removeCgroupInHandler(slot.path.data());
  }
  for (PathSlot& slot : g_netns_files.slots) {
    int expected = 2;
    if (!slot.state.compare_exchange_strong(expected, 1)) continue;
    ::umount2(slot.path.data(), MNT_DETACH);  // NOLINT(bugprone-signal-handler): a system call
    ::unlink(slot.path.data());
  }
  // Now whatever the signal would have done without us: restore the previous disposition and
  // raise again. The signal is blocked while this handler runs, so it is delivered — to the
  // previous handler, or with its default action — as soon as we return.
  ::sigaction(signal_number, &g_previous[static_cast<std::size_t>(signal_number)], nullptr);
  errno = saved_errno;
  ::raise(signal_number);
}

}  // namespace

void installSignalTeardown() {
  static std::once_flag installed;
  std::call_once(installed, [] {
    for (int signal_number : kSignals) {
      struct sigaction previous {};
      if (::sigaction(signal_number, nullptr, &previous) != 0) continue;
      if (previous.sa_handler == SIG_IGN) continue;  // e.g. under nohup: leave it ignored
      g_previous[static_cast<std::size_t>(signal_number)] = previous;
      struct sigaction action {};
      action.sa_handler = teardownOnSignal;
      sigemptyset(&action.sa_mask);
      for (int other : kSignals) sigaddset(&action.sa_mask, other);  // one teardown at a time
      ::sigaction(signal_number, &action, nullptr);
    }
  });
}

void trackPid(pid_t pid) noexcept {
  for (auto& slot : g_pids) {
    pid_t expected = 0;
    if (slot.compare_exchange_strong(expected, pid)) return;
  }
}

void untrackPid(pid_t pid) noexcept {
  for (auto& slot : g_pids) {
    pid_t expected = pid;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

void trackNetnsFile(std::string_view path) noexcept { g_netns_files.add(path); }
void untrackNetnsFile(std::string_view path) noexcept { g_netns_files.remove(path); }
void trackCgroup(std::string_view path) noexcept { g_cgroups.add(path); }
void untrackCgroup(std::string_view path) noexcept { g_cgroups.remove(path); }

}  // namespace sluice::lab::detail
