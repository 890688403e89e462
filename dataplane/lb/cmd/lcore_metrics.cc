#include "lcore_metrics.h"

#include <string>
#include <utility>

namespace sluice::lb {
namespace {

using Labels = std::vector<prometheus::ClientMetric::Label>;

prometheus::MetricFamily counterFamily(std::string name, std::string help) {
  return prometheus::MetricFamily{
      std::move(name), std::move(help), prometheus::MetricType::Counter, {}};
}

void add(prometheus::MetricFamily& family, const std::atomic<std::uint64_t>& cell, Labels labels) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  metric.counter.value = static_cast<double>(cell.load(std::memory_order_relaxed));
  family.metric.push_back(std::move(metric));
}

}  // namespace

std::vector<prometheus::MetricFamily> lcoreFamilies(const LbDataplane& dp, const LbRunner& runner) {
  auto packets =
      counterFamily("sluice_lb_lcore_packets_total",
                    "Frames a worker lcore received, sent, passed over or handed to another");
  auto answers = counterFamily(
      "sluice_lb_answers_total",
      "ARP replies, neighbour advertisements and echo replies a worker sent for VIPs");
  auto tx_full = counterFamily("sluice_lb_tx_full_total",
                               "Frames dropped because a tx queue or hand-off ring was full");
  for (std::size_t w = 0; w < dp.workers(); ++w) {
    const WorkerCounters& c = dp.worker(w).counters();
    const std::string worker = std::to_string(w);
    for (const auto& [what, cell] :
         {std::pair{"received", &c.received}, std::pair{"transmitted", &c.transmitted},
          std::pair{"passed", &c.passed}, std::pair{"handed_off", &c.handed_off}}) {
      add(packets, *cell, {{"worker", worker}, {"what", what}});
    }
    for (const auto& [kind, cell] :
         {std::pair{"arp", &c.arp_replies}, std::pair{"nd", &c.neighbor_advertisements},
          std::pair{"echo", &c.echo_replies}}) {
      add(answers, *cell, {{"worker", worker}, {"kind", kind}});
    }
    const LoopCounters& loop = runner.loop(w).counters();
    add(tx_full, loop.tx_full, {{"worker", worker}, {"queue", "tx"}});
    add(tx_full, loop.hand_off_full, {{"worker", worker}, {"queue", "hand_off"}});
  }
  return {packets, answers, tx_full};
}

}  // namespace sluice::lb
