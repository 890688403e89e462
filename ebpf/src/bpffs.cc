#include "sluice/ebpf/bpffs.h"

#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

namespace sluice::ebpf {

bool isBpffs(const std::string& path) {
  struct statfs fs {};
  return ::statfs(path.c_str(), &fs) == 0 &&
         static_cast<unsigned long>(fs.f_type) == static_cast<unsigned long>(BPF_FS_MAGIC);
}

base::Result<std::string> preparePinDirectory(const std::string& mount_point,
                                              const std::string& subdir) {
  std::error_code ec;
  std::filesystem::create_directories(mount_point, ec);
  if (ec) return base::failErrno("creating " + mount_point, ec.value());
  if (!isBpffs(mount_point)) {
    if (::mount("bpf", mount_point.c_str(), "bpf", 0, "mode=0700") != 0) {
      return base::failErrno("mounting bpffs at " + mount_point + " (needs root)", errno);
    }
  }
  const std::string dir = mount_point + "/" + subdir;
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return base::failErrno("creating pin directory " + dir, errno);
  }
  return dir;
}

}  // namespace sluice::ebpf
