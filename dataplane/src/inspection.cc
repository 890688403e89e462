// Defaults of the Dataplane's inspection calls: a data plane that keeps no connection table (or
// whose flow hash is not known here) says so instead of guessing.
#include "sluice/dataplane/dataplane.h"

namespace sluice::dataplane {

std::optional<std::uint32_t> Dataplane::flowHash(const FlowTuple& /*flow*/) const {
  return std::nullopt;
}

base::Result<std::vector<ConntrackEntry>> Dataplane::conntrack(std::size_t /*limit*/) const {
  return base::fail(base::Errc::kUnavailable,
                    "the " + std::string(kind()) + " data plane keeps no connection table");
}

base::Result<std::optional<ConntrackEntry>> Dataplane::conntrackLookup(
    const FlowTuple& /*flow*/) const {
  return base::fail(base::Errc::kUnavailable,
                    "the " + std::string(kind()) + " data plane keeps no connection table");
}

}  // namespace sluice::dataplane
