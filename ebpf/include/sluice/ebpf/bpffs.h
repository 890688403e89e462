// The BPF filesystem where Sluice pins its maps: found, or mounted when missing.
#pragma once

#include <string>

#include "sluice/base/error.h"

namespace sluice::ebpf {

// True when `path` is the root of a bpffs mount (or any directory inside one).
[[nodiscard]] bool isBpffs(const std::string& path);

// Makes sure `mount_point` is a bpffs (mounting one there if not) and that `mount_point/subdir`
// exists; returns the full pin directory.
[[nodiscard]] base::Result<std::string> preparePinDirectory(const std::string& mount_point,
                                                            const std::string& subdir);

}  // namespace sluice::ebpf
