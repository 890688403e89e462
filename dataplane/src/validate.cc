#include <string>

#include "sluice/base/prime.h"
#include "sluice/dataplane/dataplane.h"

namespace sluice::dataplane {

namespace {
base::Status invalid(std::string message) {
  return base::fail(base::Errc::kInvalidArgument, std::move(message));
}
}  // namespace

base::Status validateFrontend(const Frontend& f) {
  const std::string where = "frontend " + toString(f.key);
  if (f.service == 0) return invalid(where + ": service id 0 is reserved");
  if (f.key.port == 0) return invalid(where + ": port 0");
  if (f.key.address.is_unspecified()) return invalid(where + ": unspecified address");
  switch (f.key.protocol) {
    case Protocol::kTcp:
    case Protocol::kUdp:
    case Protocol::kSctp: break;
    default: return invalid(where + ": unknown protocol");
  }
  for (const auto& range : f.source_ranges) {
    if (range.address().is_v4() != f.key.address.is_v4()) {
      return invalid(where + ": source range " + range.toString() +
                     " is of the other address family");
    }
  }
  return {};
}

base::Status validateBackends(const ServiceBackends& s) {
  const std::string where = "service " + std::to_string(s.service);
  if (s.service == 0) return invalid(where + ": service id 0 is reserved");
  if (s.maglev.size() < 3 || !base::isPrime(s.maglev.size())) {
    return invalid(where + ": Maglev table of " + std::to_string(s.maglev.size()) +
                   " entries; the size must be a prime");
  }
  const auto count = static_cast<std::int64_t>(s.backends.size());
  for (std::int32_t e : s.maglev) {
    if (e < -1 || e >= count) {
      return invalid(where + ": Maglev entry " + std::to_string(e) + " names no backend of " +
                     std::to_string(count));
    }
  }
  for (const auto& b : s.backends) {
    if (b.port == 0) return invalid(where + ": backend " + b.address.to_string() + " has port 0");
    if (b.address.is_unspecified()) return invalid(where + ": backend with unspecified address");
  }
  return {};
}

}  // namespace sluice::dataplane
