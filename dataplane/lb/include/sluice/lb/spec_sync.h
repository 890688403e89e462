// Making a data plane hold exactly a service list: what sluice-lb does at start and again on
// SIGHUP (the list re-read), while the lcores keep forwarding. Frontends and backend sets of the
// list are written (an unchanged one is left alone), and whatever the data plane holds beyond the
// list is deleted afterwards — so a flow's frontend never disappears before its replacement.
#pragma once

#include <cstddef>
#include <cstdint>

#include "sluice/base/error.h"
#include "sluice/dataplane/dataplane.h"
#include "sluice/dataplane/service_spec.h"

namespace sluice::lb {

struct SyncCounts {
  std::size_t written = 0;  // frontends upserted and backend sets replaced
  std::size_t deleted = 0;  // frontends and backend sets removed
};

// Stops at the first error (which names the object); what was written until then stays.
[[nodiscard]] base::Result<SyncCounts> syncServiceSpec(dataplane::Dataplane& dataplane,
                                                       const dataplane::ServiceSpec& spec,
                                                       std::uint32_t maglev_size);

}  // namespace sluice::lb
