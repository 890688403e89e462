// Cgroup: a cgroup v2 directory the lab owns, for socket-hook tests (LAB.md rule 3: hooks attach
// to a cgroup the run created, never to the root cgroup; the lab's clients are moved into it).
// Lives at <cgroup2 mount>/sluice-lab/<name>; the mount point is read from /proc/self/mountinfo
// (/sys/fs/cgroup/unified on hybrid hosts, /sys/fs/cgroup on unified ones). Removal kills what
// is still inside, then removes the directory.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/base/error.h"
#include "sluice/lab/unique_fd.h"

namespace sluice::lab {

// The first cgroup2 mount in a /proc/<pid>/mountinfo text (octal escapes such as \040 decoded).
[[nodiscard]] std::optional<std::string> cgroup2MountFromMountinfo(std::string_view mountinfo);

// cgroup2MountFromMountinfo(/proc/self/mountinfo); kNotFound says cgroup v2 is not mounted.
[[nodiscard]] base::Result<std::string> findCgroup2Mount();

// <mount>/sluice-lab: the parent of every lab cgroup (left in place; it is shared between runs).
[[nodiscard]] base::Result<std::string> labCgroupParent();

// Kills every process in the cgroup at `path` and in its descendants, waits until they are gone
// and removes the directories, deepest first. Used for owned and for stale cgroups.
[[nodiscard]] base::Status removeCgroupTree(const std::string& path);

class Cgroup {
 public:
  // Creates <labCgroupParent()>/<name>; `name` is one path component (a lab name, normally
  // "<prefix><what>"). Fails when it already exists.
  [[nodiscard]] static base::Result<std::unique_ptr<Cgroup>> create(std::string_view name);
  ~Cgroup();  // remove()
  Cgroup(const Cgroup&) = delete;
  Cgroup& operator=(const Cgroup&) = delete;

  [[nodiscard]] const std::string& path() const noexcept { return path_; }

  // Moves a process (all its threads) in. Moving this process in is allowed: remove() moves it
  // back to where it was first, and never kills it.
  [[nodiscard]] base::Status addProcess(pid_t pid);
  [[nodiscard]] base::Result<std::vector<pid_t>> processes() const;
  // An O_DIRECTORY descriptor, e.g. for bpf_prog_attach(BPF_CGROUP_INET4_CONNECT).
  [[nodiscard]] base::Result<UniqueFd> open() const;

  // Kills the processes inside, removes the directory. Idempotent.
  [[nodiscard]] base::Status remove();

 private:
  explicit Cgroup(std::string path);

  std::string path_;
  std::string restore_self_to_;  // where this process was before addProcess(getpid())
  bool removed_ = false;
};

}  // namespace sluice::lab
