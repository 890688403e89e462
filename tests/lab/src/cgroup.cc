#include "sluice/lab/cgroup.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "signal_teardown.h"
#include "sluice/lab/deadline.h"

namespace sluice::lab {

namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescapeMountinfo(std::string_view field) {
  std::string out;
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      int value = 0;
      const auto [end, ec] = std::from_chars(field.data() + i + 1, field.data() + i + 4, value, 8);
      if (ec == std::errc() && end == field.data() + i + 4) {
        out += static_cast<char>(value);
        i += 3;
        continue;
      }
    }
    out += field[i];
  }
  return out;
}

base::Result<std::string> readFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return base::failErrno("read " + path, errno);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

base::Status writeFile(const std::string& path, std::string_view value) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return base::failErrno("open " + path, errno);
  const ssize_t n = ::write(fd, value.data(), value.size());
  const int write_errno = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(value.size())) {
    return base::failErrno("write '" + std::string(value) + "' to " + path, write_errno);
  }
  return {};
}

std::vector<pid_t> parsePids(std::string_view text) {
  std::vector<pid_t> pids;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    const std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    pid_t pid = 0;
    const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), pid);
    if (ec == std::errc() && pid > 0) pids.push_back(pid);
  }
  return pids;
}

// Processes in `path` and every cgroup below it.
std::vector<pid_t> processesInTree(const std::string& path) {
  std::vector<pid_t> pids;
  if (auto procs = readFile(path + "/cgroup.procs"); procs) pids = parsePids(*procs);
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(path, error)) {
    if (!entry.is_directory(error)) continue;
    auto below = processesInTree(entry.path().string());
    pids.insert(pids.end(), below.begin(), below.end());
  }
  return pids;
}

bool treeIsEmpty(const std::string& path) {
  auto events = readFile(path + "/cgroup.events");
  if (!events) return true;  // gone already
  return events->find("populated 0") != std::string::npos;
}

base::Status removeDirectoriesDeepestFirst(const std::string& path) {
  std::error_code error;
  std::vector<std::string> children;
  for (const auto& entry : std::filesystem::directory_iterator(path, error)) {
    if (entry.is_directory(error)) children.push_back(entry.path().string());
  }
  for (const std::string& child : children) {
    if (auto removed = removeDirectoriesDeepestFirst(child); !removed) return removed;
  }
  if (::rmdir(path.c_str()) != 0 && errno != ENOENT) return base::failErrno("rmdir " + path, errno);
  return {};
}

}  // namespace

std::optional<std::string> cgroup2MountFromMountinfo(std::string_view mountinfo) {
  while (!mountinfo.empty()) {
    const auto newline = mountinfo.find('\n');
    const std::string_view line = mountinfo.substr(0, newline);
    mountinfo =
        newline == std::string_view::npos ? std::string_view() : mountinfo.substr(newline + 1);
    // "<id> <parent> <major:minor> <root> <mount point> <options> [optional...] - <type> ..."
    std::vector<std::string_view> fields;
    for (std::string_view rest = line; !rest.empty();) {
      const auto space = rest.find(' ');
      fields.push_back(rest.substr(0, space));
      rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
    }
    const auto separator = std::find(fields.begin(), fields.end(), "-");
    if (fields.size() < 5 || separator == fields.end() || separator + 1 == fields.end()) continue;
    if (*(separator + 1) == "cgroup2") return unescapeMountinfo(fields[4]);
  }
  return std::nullopt;
}

base::Result<std::string> findCgroup2Mount() {
  auto mountinfo = readFile("/proc/self/mountinfo");
  if (!mountinfo) return base::fail(std::move(mountinfo.error()));
  auto mount = cgroup2MountFromMountinfo(*mountinfo);
  if (!mount) {
    return base::fail(base::Errc::kNotFound,
                      "cgroup v2 is not mounted (no cgroup2 line in /proc/self/mountinfo); mount "
                      "it, e.g. `mount -t cgroup2 none /sys/fs/cgroup/unified`");
  }
  return *mount;
}

base::Result<std::string> labCgroupParent() {
  auto mount = findCgroup2Mount();
  if (!mount) return mount;
  std::string parent = *mount + "/sluice-lab";
  if (::mkdir(parent.c_str(), 0755) != 0 && errno != EEXIST) {
    return base::failErrno("mkdir " + parent, errno);
  }
  return parent;
}

base::Status removeCgroupTree(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return {};  // nothing to remove

  const auto members = processesInTree(path);
  if (std::find(members.begin(), members.end(), ::getpid()) != members.end()) {
    return base::fail(base::Errc::kInvalidArgument,
                      "this process (pid " + std::to_string(::getpid()) + ") is inside " + path +
                          "; move it out before removing the cgroup");
  }
  // cgroup.kill (Linux 5.14+) kills the whole subtree at once, racing no fork; else one by one.
  if (!members.empty() && !writeFile(path + "/cgroup.kill", "1")) {
    for (const pid_t pid : members) (void)::kill(pid, SIGKILL);
  }
  if (auto emptied = waitFor(
          "cgroup " + path + " to empty", [&] { return treeIsEmpty(path); },
          deadlineAfter(std::chrono::seconds(5)));
      !emptied) {
    return emptied;
  }
  return removeDirectoriesDeepestFirst(path);
}

Cgroup::Cgroup(std::string path) : path_(std::move(path)) { detail::trackCgroup(path_); }

Cgroup::~Cgroup() {
  if (auto removed = remove(); !removed) {
    // A destructor cannot return it; the next run's stale cleanup will find the directory.
    std::fprintf(stderr, "sluice lab: removing cgroup %s: %s\n", path_.c_str(),
                 removed.error().toString().c_str());
  }
}

base::Result<std::unique_ptr<Cgroup>> Cgroup::create(std::string_view name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos) {
    return base::fail(base::Errc::kInvalidArgument,
                      "cgroup name '" + std::string(name) + "' must be one path component");
  }
  auto parent = labCgroupParent();
  if (!parent) return base::fail(std::move(parent.error()));
  std::string path = *parent + "/" + std::string(name);
  if (::mkdir(path.c_str(), 0755) != 0) return base::failErrno("mkdir cgroup " + path, errno);
  return std::unique_ptr<Cgroup>(new Cgroup(std::move(path)));
}

base::Status Cgroup::addProcess(pid_t pid) {
  if (removed_) return base::fail(base::Errc::kNotFound, "cgroup " + path_ + " was removed");
  if (pid == ::getpid() && restore_self_to_.empty()) {
    // "0::/some/path" is our cgroup v2 membership; remember it to move back before removal.
    auto mount = findCgroup2Mount();
    auto membership = readFile("/proc/self/cgroup");
    if (!mount || !membership) {
      return base::fail(base::Errc::kUnavailable,
                        "cannot tell which cgroup this process is in, to move it back later");
    }
    const auto at = membership->find("0::");
    if (at == std::string::npos) {
      return base::fail(base::Errc::kUnavailable, "/proc/self/cgroup has no cgroup v2 line");
    }
    const auto end = membership->find('\n', at);
    restore_self_to_ = *mount + membership->substr(at + 3, end - at - 3);
  }
  return writeFile(path_ + "/cgroup.procs", std::to_string(pid));
}

base::Result<std::vector<pid_t>> Cgroup::processes() const {
  auto procs = readFile(path_ + "/cgroup.procs");
  if (!procs) return base::fail(std::move(procs.error()));
  return parsePids(*procs);
}

base::Result<UniqueFd> Cgroup::open() const {
  UniqueFd fd(::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return base::failErrno("open cgroup " + path_, errno);
  return fd;
}

base::Status Cgroup::remove() {
  if (removed_) return {};
  if (!restore_self_to_.empty()) {
    const auto members = processesInTree(path_);
    if (std::find(members.begin(), members.end(), ::getpid()) != members.end()) {
      if (auto moved = writeFile(restore_self_to_ + "/cgroup.procs", std::to_string(::getpid()));
          !moved) {
        return base::fail(std::move(moved.error()).withContext("moving this process back out"));
      }
    }
  }
  if (auto removed = removeCgroupTree(path_); !removed) return removed;
  detail::untrackCgroup(path_);
  removed_ = true;
  return {};
}

}  // namespace sluice::lab
