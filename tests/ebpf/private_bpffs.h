// A bpffs instance of the test's own, mounted on a temporary directory and unmounted (with
// everything pinned in it) when the test ends, so tests never touch /sys/fs/bpf or each other.
#pragma once

#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "sluice/base/error.h"

namespace sluice::testing {

class PrivateBpffs {
 public:
  [[nodiscard]] static base::Result<PrivateBpffs> create() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sluice-bpffs-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) return base::failErrno("mkdtemp", errno);
    if (::mount("bpf", pattern.c_str(), "bpf", 0, "mode=0700") != 0) {
      const int err = errno;
      ::rmdir(pattern.c_str());
      return base::failErrno("mounting a private bpffs at " + pattern, err);
    }
    return PrivateBpffs(pattern);
  }
  PrivateBpffs(PrivateBpffs&& other) noexcept : path_(std::move(other.path_)) {
    other.path_.clear();
  }
  PrivateBpffs& operator=(PrivateBpffs&&) = delete;
  PrivateBpffs(const PrivateBpffs&) = delete;
  PrivateBpffs& operator=(const PrivateBpffs&) = delete;
  ~PrivateBpffs() {
    if (path_.empty()) return;
    ::umount2(path_.c_str(), MNT_DETACH);
    ::rmdir(path_.c_str());
  }

  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  explicit PrivateBpffs(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace sluice::testing
