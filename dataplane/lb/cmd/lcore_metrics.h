// sluice-lb's own metric families, added to the data plane's (dataplane/api's LbMetrics) at
// scrape time: per-lcore counters of the workers and their loops.
#pragma once

#include <prometheus/metric_family.h>

#include <vector>

#include "sluice/lb/lb_dataplane.h"
#include "sluice/lb/lb_runner.h"

namespace sluice::lb {

// sluice_lb_lcore_packets_total{worker,what=received|transmitted|passed|handed_off},
// sluice_lb_answers_total{worker,kind=arp|nd|echo}, sluice_lb_tx_full_total{worker}.
[[nodiscard]] std::vector<prometheus::MetricFamily> lcoreFamilies(const LbDataplane& dp,
                                                                  const LbRunner& runner);

}  // namespace sluice::lb
