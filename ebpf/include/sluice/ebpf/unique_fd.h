// The eBPF side uses base's file-descriptor owner.
#pragma once

#include "sluice/base/unique_fd.h"

namespace sluice::ebpf {
using base::UniqueFd;
}  // namespace sluice::ebpf
