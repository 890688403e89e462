// The lab uses base's file-descriptor owner.
#pragma once

#include "sluice/base/unique_fd.h"

namespace sluice::lab {
using base::UniqueFd;
}  // namespace sluice::lab
