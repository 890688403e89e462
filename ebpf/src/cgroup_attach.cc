// Attaching the socket hooks to a cgroup with bpf_links pinned in bpffs. A pinned link keeps its
// program attached after the agent exits; a new agent finds the pin and swaps its own program in
// with bpf_link_update (atomic: no socket call runs unhooked in between).
#include <bpf/bpf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "sluice/ebpf/ebpf_dataplane.h"
#include "sluice/ebpf/unique_fd.h"

namespace sluice::ebpf {

// <pin dir>/cg<inode of the cgroup directory>_ : one pin per program follows.
base::Result<std::string> EbpfDataplane::cgroupLinkPrefix(const std::string& cgroup_path) const {
  struct stat st {};
  if (::stat(cgroup_path.c_str(), &st) != 0) {
    return base::failErrno("cgroup " + cgroup_path, errno);
  }
  if (!S_ISDIR(st.st_mode)) {
    return base::fail(base::Errc::kInvalidArgument, cgroup_path + " is not a cgroup directory");
  }
  return pin_dir_ + "/cg" + std::to_string(st.st_ino) + "_";
}

base::Status EbpfDataplane::attachCgroup(const std::string& cgroup_path) {
  auto prefix = cgroupLinkPrefix(cgroup_path);
  if (!prefix) return base::fail(std::move(prefix.error()));
  const UniqueFd cgroup(::open(cgroup_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cgroup.valid()) return base::failErrno("opening cgroup " + cgroup_path, errno);

  for (const SocketProgram& prog : socketPrograms()) {
    const std::string pin = *prefix + prog.name;
    if (const UniqueFd pinned(bpf_obj_get(pin.c_str())); pinned.valid()) {
      if (bpf_link_update(pinned.get(), prog.fd, nullptr) == 0) continue;
      // The link outlived its cgroup (or is not ours to update): start over.
      ::unlink(pin.c_str());
    }
    const UniqueFd link(bpf_link_create(prog.fd, cgroup.get(),
                                        static_cast<bpf_attach_type>(prog.attach_type), nullptr));
    if (!link.valid()) {
      return base::failErrno("attaching " + prog.name + " to cgroup " + cgroup_path, errno);
    }
    if (bpf_obj_pin(link.get(), pin.c_str()) != 0) {
      return base::failErrno("pinning the link of " + prog.name + " at " + pin, errno);
    }
  }
  return {};
}

base::Status EbpfDataplane::detachCgroup(const std::string& cgroup_path) {
  auto prefix = cgroupLinkPrefix(cgroup_path);
  if (!prefix) return base::fail(std::move(prefix.error()));
  for (const SocketProgram& prog : socketPrograms()) {
    const std::string pin = *prefix + prog.name;
    if (const UniqueFd pinned(bpf_obj_get(pin.c_str())); pinned.valid()) {
      if (bpf_link_detach(pinned.get()) != 0 && errno != ENOLINK) {
        return base::failErrno("detaching " + prog.name + " from cgroup " + cgroup_path, errno);
      }
    }
    if (::unlink(pin.c_str()) != 0 && errno != ENOENT) {
      return base::failErrno("removing link pin " + pin, errno);
    }
  }
  return {};
}

}  // namespace sluice::ebpf
