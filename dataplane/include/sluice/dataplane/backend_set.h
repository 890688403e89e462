// From a service's endpoints to what a data plane is given: which backends take new flows, and
// the Maglev table over them. The eligibility rules live here once, for every caller.
#pragma once

#include <cstdint>
#include <vector>

#include "sluice/base/error.h"
#include "sluice/base/maglev.h"
#include "sluice/dataplane/model.h"

namespace sluice::dataplane {

struct BackendSetOptions {
  std::uint32_t maglev_size = base::MaglevTable::kDefaultSize;
  bool local_only = false;  // only node-local backends take new flows (ETP/ITP=Local)
};

// New flows go to ready backends; only when none is ready, to terminating-but-serving ones
// (KEP-1669); never to draining ones. Every backend stays in the set so established flows keep
// it. Errors: duplicate backend (same address and port), port 0, a bad Maglev size.
[[nodiscard]] base::Result<ServiceBackends> buildServiceBackends(ServiceId service,
                                                                 std::vector<Backend> backends,
                                                                 const BackendSetOptions& options);

// A 64-bit fingerprint of a Maglev table (FNV-1a over its entries): what a caller keeps instead
// of the table to tell whether two tables are the same.
[[nodiscard]] std::uint64_t maglevDigest(const std::vector<std::int32_t>& table) noexcept;

}  // namespace sluice::dataplane
