#include "sluice/lb/spec_sync.h"

#include <map>
#include <set>

#include "sluice/dataplane/backend_set.h"

namespace sluice::lb {

base::Result<SyncCounts> syncServiceSpec(dataplane::Dataplane& dataplane,
                                         const dataplane::ServiceSpec& spec,
                                         std::uint32_t maglev_size) {
  auto before = dataplane.programmed();
  if (!before) return base::fail(std::move(before.error()));
  std::map<dataplane::FrontendKey, const dataplane::Frontend*> programmed_frontends;
  for (const auto& f : before->frontends) programmed_frontends[f.key] = &f;
  std::map<dataplane::ServiceId, const dataplane::ServiceBackends*> programmed_services;
  for (const auto& s : before->services) programmed_services[s.service] = &s;

  SyncCounts counts;
  std::set<dataplane::FrontendKey> wanted_frontends;
  std::set<dataplane::ServiceId> wanted_services;
  for (const auto& [id, backends] : spec.backends) {
    auto set = dataplane::buildServiceBackends(id, backends, {.maglev_size = maglev_size});
    if (!set) return base::fail(std::move(set.error()));
    wanted_services.insert(id);
    const auto it = programmed_services.find(id);
    if (it != programmed_services.end() && *it->second == *set) continue;
    if (auto ok = dataplane.replaceBackends(*set); !ok) return base::fail(std::move(ok.error()));
    ++counts.written;
  }
  for (const auto& frontend : spec.frontends) {
    wanted_frontends.insert(frontend.key);
    const auto it = programmed_frontends.find(frontend.key);
    if (it != programmed_frontends.end() && *it->second == frontend) continue;
    if (auto ok = dataplane.upsertFrontend(frontend); !ok) {
      return base::fail(std::move(ok.error()));
    }
    ++counts.written;
  }
  for (const auto& [key, frontend] : programmed_frontends) {
    if (wanted_frontends.contains(key)) continue;
    if (auto ok = dataplane.deleteFrontend(key); !ok) return base::fail(std::move(ok.error()));
    ++counts.deleted;
  }
  for (const auto& [id, service] : programmed_services) {
    if (wanted_services.contains(id)) continue;
    if (auto ok = dataplane.deleteBackends(id); !ok) return base::fail(std::move(ok.error()));
    ++counts.deleted;
  }
  return counts;
}

}  // namespace sluice::lb
