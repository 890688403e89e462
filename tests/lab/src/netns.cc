#include "sluice/lab/netns.h"

#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <filesystem>
#include <system_error>
#include <utility>

#include "sluice/lab/run_in_netns.h"

namespace sluice::lab {

bool netnsExists(std::string_view netns) {
  struct stat info {};
  return ::stat(netnsPath(netns).c_str(), &info) == 0;
}

base::Result<std::vector<std::string>> listNetns() {
  std::vector<std::string> names;
  std::error_code error;
  std::filesystem::directory_iterator entries("/run/netns", error);
  if (error == std::errc::no_such_file_or_directory) return names;
  if (error) return base::failErrno("list /run/netns", error.value());
  for (const auto& entry : entries) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<pid_t> pidsInNetns(std::span<const std::string> netns) {
  std::vector<std::pair<dev_t, ino_t>> wanted;
  for (const std::string& name : netns) {
    struct stat info {};
    if (::stat(netnsPath(name).c_str(), &info) == 0) wanted.emplace_back(info.st_dev, info.st_ino);
  }
  std::vector<pid_t> pids;
  if (wanted.empty()) return pids;
  const pid_t self = ::getpid();
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c)) != 0;
        })) {
      continue;
    }
    struct stat info {};
    if (::stat(("/proc/" + name + "/ns/net").c_str(), &info) != 0) continue;  // gone, or a kthread
    const auto key = std::pair{info.st_dev, info.st_ino};
    if (std::find(wanted.begin(), wanted.end(), key) == wanted.end()) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(name));
    if (pid != self) pids.push_back(pid);
  }
  return pids;
}

std::vector<pid_t> killProcessesInNetns(std::span<const std::string> netns) {
  std::vector<pid_t> killed;
  for (const pid_t pid : pidsInNetns(netns)) {
    if (::kill(pid, SIGKILL) == 0) killed.push_back(pid);
  }
  return killed;
}

base::Status deleteNetns(std::string_view netns) {
  const std::string path = netnsPath(netns);
  if (::umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
    return base::failErrno("umount " + path, errno);
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return base::failErrno("unlink " + path, errno);
  return {};
}

}  // namespace sluice::lab
