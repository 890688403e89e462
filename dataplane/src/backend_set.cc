#include "sluice/dataplane/backend_set.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace sluice::dataplane {

namespace {

bool takesNewFlows(const Backend& b, BackendState wanted, bool local_only) {
  return b.state == wanted && b.weight > 0 && (!local_only || b.node_local);
}

}  // namespace

base::Result<ServiceBackends> buildServiceBackends(ServiceId service, std::vector<Backend> backends,
                                                   const BackendSetOptions& options) {
  // A stable order, so the same endpoints always give the same programmed state.
  std::ranges::sort(backends, [](const Backend& a, const Backend& b) {
    return a.address != b.address ? a.address < b.address : a.port < b.port;
  });
  for (std::size_t i = 0; i < backends.size(); ++i) {
    if (backends[i].port == 0) {
      return base::fail(base::Errc::kInvalidArgument,
                        "service " + std::to_string(service) + ": backend " +
                            backends[i].address.to_string() + " has port 0");
    }
    if (i > 0 && backends[i].address == backends[i - 1].address &&
        backends[i].port == backends[i - 1].port) {
      return base::fail(base::Errc::kInvalidArgument,
                        "service " + std::to_string(service) + ": backend " +
                            base::formatEndpoint(backends[i].address, backends[i].port) +
                            " is listed twice");
    }
  }

  BackendState wanted = BackendState::kReady;
  if (std::ranges::none_of(backends, [&](const Backend& b) {
        return takesNewFlows(b, BackendState::kReady, options.local_only);
      })) {
    wanted = BackendState::kTerminating;
  }
  std::vector<base::MaglevBackend> eligible;
  std::vector<std::int32_t> index_of;  // eligible position → index in backends
  for (std::size_t i = 0; i < backends.size(); ++i) {
    if (!takesNewFlows(backends[i], wanted, options.local_only)) continue;
    eligible.push_back({.key = base::formatEndpoint(backends[i].address, backends[i].port),
                        .weight = backends[i].weight});
    index_of.push_back(static_cast<std::int32_t>(i));
  }

  auto table = base::MaglevTable::build(eligible, options.maglev_size);
  if (!table) {
    return base::fail(std::move(table.error()).withContext("service " + std::to_string(service)));
  }
  // The table indexes its key-sorted copy of `eligible`; map back to positions in `backends`.
  std::unordered_map<std::string_view, std::int32_t> position_of_key;
  for (std::size_t e = 0; e < eligible.size(); ++e) position_of_key[eligible[e].key] = index_of[e];
  std::vector<std::int32_t> by_table_index;
  by_table_index.reserve(table->backends().size());
  for (const auto& b : table->backends()) by_table_index.push_back(position_of_key.at(b.key));
  ServiceBackends out{.service = service, .backends = std::move(backends), .maglev = {}};
  out.maglev.reserve(table->size());
  for (std::int32_t e : table->entries()) {
    out.maglev.push_back(
        e == base::MaglevTable::kNoBackend ? -1 : by_table_index[static_cast<std::size_t>(e)]);
  }
  return out;
}

std::uint64_t maglevDigest(const std::vector<std::int32_t>& table) noexcept {
  std::uint64_t hash = 14695981039346656037ULL;
  for (std::int32_t entry : table) {
    auto bits = static_cast<std::uint32_t>(entry);
    for (int byte = 0; byte < 4; ++byte, bits >>= 8) {
      hash ^= bits & 0xffU;
      hash *= 1099511628211ULL;
    }
  }
  return hash ^ table.size();
}

}  // namespace sluice::dataplane
