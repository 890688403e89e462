// Prometheus metrics of a load balancer's data plane, read at scrape time from
// Dataplane::counters() (one source of truth for each number) under the daemon's control mutex,
// with the names sluice-agent uses: sluice_service_packets_total / _bytes_total /
// _connections_total {service_id}, sluice_drops_total {reason}, sluice_conntrack_entries. The
// daemon adds its own families (per-lcore counters of sluice-lb) through `extra`.
//
//   auto metrics = LbMetrics::start("127.0.0.1:9101", dataplane, control, lcoreFamilies);
#pragma once

#include <prometheus/metric_family.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sluice/base/error.h"
#include "sluice/dataplane/dataplane.h"

namespace sluice::dataplane {

using MetricFamilies = std::function<std::vector<prometheus::MetricFamily>()>;

class LbMetrics {
 public:
  // Serves /metrics on `bind_address` (HOST:PORT; port 0 picks a free one, see port()).
  // kUnavailable when it cannot listen there. `dataplane` and `mutex` must outlive it.
  [[nodiscard]] static base::Result<std::unique_ptr<LbMetrics>> start(
      const std::string& bind_address, Dataplane& dataplane, std::mutex& mutex,
      MetricFamilies extra = {});

  LbMetrics(const LbMetrics&) = delete;
  LbMetrics& operator=(const LbMetrics&) = delete;
  ~LbMetrics();

  [[nodiscard]] std::uint16_t port() const;
  // What a scrape returns now, in the Prometheus text format.
  [[nodiscard]] std::string text() const;

 private:
  struct Impl;
  explicit LbMetrics(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::dataplane
