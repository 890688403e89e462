// LbMetrics: data-plane counters as Prometheus families at scrape time (see lb_metrics.h).
#include "sluice/dataplane/lb_metrics.h"

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>
#include <prometheus/text_serializer.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <exception>
#include <string>
#include <utility>

namespace sluice::dataplane {
namespace {

prometheus::MetricFamily family(std::string name, std::string help, prometheus::MetricType type) {
  return prometheus::MetricFamily{std::move(name), std::move(help), type, {}};
}

void add(prometheus::MetricFamily& f, double value,
         std::vector<prometheus::ClientMetric::Label> labels = {}) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  if (f.type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  f.metric.push_back(std::move(metric));
}

class CountersCollectable final : public prometheus::Collectable {
 public:
  CountersCollectable(Dataplane& dataplane, std::mutex& mutex, MetricFamilies extra)
      : dataplane_(dataplane), mutex_(mutex), extra_(std::move(extra)) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    using prometheus::MetricType;
    auto packets = family("sluice_service_packets_total", "Packets to a service's frontends",
                          MetricType::Counter);
    auto bytes =
        family("sluice_service_bytes_total", "Bytes to a service's frontends", MetricType::Counter);
    auto connections = family("sluice_service_connections_total", "New connections a service took",
                              MetricType::Counter);
    auto drops = family("sluice_drops_total", "Packets dropped by the data plane, by reason",
                        MetricType::Counter);
    auto conntrack =
        family("sluice_conntrack_entries", "Entries in the connection table", MetricType::Gauge);
    auto errors =
        family("sluice_counter_read_errors_total",
               "Scrapes that could not read the data plane's counters", MetricType::Counter);
    {
      const std::scoped_lock lock(mutex_);
      auto counters = dataplane_.counters();
      if (!counters) {
        ++read_errors_;
        spdlog::warn("metrics: reading the data plane's counters: {}", counters.error().toString());
      } else {
        for (const auto& [id, c] : counters->services) {
          const std::vector<prometheus::ClientMetric::Label> service{
              {"service_id", std::to_string(id)}};
          add(packets, static_cast<double>(c.packets), service);
          add(bytes, static_cast<double>(c.bytes), service);
          add(connections, static_cast<double>(c.new_connections), service);
        }
        for (std::size_t reason = 1; reason < counters->drops.size(); ++reason) {
          add(drops, static_cast<double>(counters->drops[reason]),
              {{"reason", std::string(dropReasonName(static_cast<int>(reason)))}});
        }
        add(conntrack, static_cast<double>(counters->conntrack_entries));
      }
    }
    add(errors, static_cast<double>(read_errors_.load()));
    std::vector<prometheus::MetricFamily> out{std::move(packets),     std::move(bytes),
                                              std::move(connections), std::move(drops),
                                              std::move(conntrack),   std::move(errors)};
    if (extra_) {
      for (auto& f : extra_()) out.push_back(std::move(f));
    }
    return out;
  }

 private:
  Dataplane& dataplane_;
  std::mutex& mutex_;
  MetricFamilies extra_;
  mutable std::atomic<std::uint64_t> read_errors_{0};  // scrapes and text() may overlap
};

}  // namespace

struct LbMetrics::Impl {
  std::shared_ptr<CountersCollectable> collectable;
  std::unique_ptr<prometheus::Exposer> exposer;
};

LbMetrics::LbMetrics(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

LbMetrics::~LbMetrics() = default;

base::Result<std::unique_ptr<LbMetrics>> LbMetrics::start(const std::string& bind_address,
                                                          Dataplane& dataplane, std::mutex& mutex,
                                                          MetricFamilies extra) {
  auto impl = std::make_unique<Impl>();
  impl->collectable = std::make_shared<CountersCollectable>(dataplane, mutex, std::move(extra));
  try {
    impl->exposer = std::make_unique<prometheus::Exposer>(bind_address, /*num_threads=*/1);
  } catch (const std::exception& e) {
    return base::fail(base::Errc::kUnavailable,
                      "metrics: cannot listen on " + bind_address + ": " + e.what());
  }
  impl->exposer->RegisterCollectable(impl->collectable);
  return std::unique_ptr<LbMetrics>(new LbMetrics(std::move(impl)));
}

std::uint16_t LbMetrics::port() const {
  const auto ports = impl_->exposer->GetListeningPorts();
  return ports.empty() ? 0 : static_cast<std::uint16_t>(ports.front());
}

std::string LbMetrics::text() const {
  return prometheus::TextSerializer().Serialize(impl_->collectable->Collect());
}

}  // namespace sluice::dataplane
