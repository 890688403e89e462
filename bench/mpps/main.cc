// mpps_bench: packets per second through veth (issue 6, benchmark 2). Sluice's external path
// beside a ceiling (XDP MAC swap) and two peers (kube-proxy's iptables and nftables layouts),
// every configuration measured in the same run, in turns, each round; the median of the rounds
// is reported. See mpps.h for the topology and bench/RESULTS.md for figures.
//
// Bars (issue 6): Sluice >= 85% of the ceiling and >= 3x the iptables peer.
// Needs root. Usage:
//   mpps_bench [--seconds S] [--rounds N] [--services N] [--flows N] [--traffic
//   udp,tcp-syn,tcp-est]
//              [--cpu N] [--maglev-size M] [--csv FILE]
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "mpps.h"
#include "sluice/base/log.h"

namespace {

using sluice::bench::mpps::Config;
using sluice::bench::mpps::Traffic;
namespace mpps = sluice::bench::mpps;

struct Options {
  double seconds = 1.0;
  int rounds = 5;
  int services = 1000;
  std::uint32_t flows = 1024;
  std::uint32_t maglev_size = 16381;
  int cpu = -1;
  std::string csv;
  std::vector<Traffic> traffic = {std::begin(mpps::kTraffics), std::end(mpps::kTraffics)};
  std::vector<Config> configs = {std::begin(mpps::kConfigs), std::end(mpps::kConfigs)};
};

bool parseNumber(std::string_view text, auto& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

// "a,b,c" → the values whose names are listed, in the order given.
template <typename T, std::size_t N>
bool parseList(std::string_view text, const T (&all)[N], std::string_view (*name_of)(T) noexcept,
               std::vector<T>& out) {
  out.clear();
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view name = text.substr(0, comma);
    bool found = false;
    for (const T value : all) {
      if (name_of(value) == name) {
        out.push_back(value);
        found = true;
      }
    }
    if (!found) return false;
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  }
  return !out.empty();
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

extern "C" void onSignal(int) { mpps::requestStop(); }

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    const std::string_view value = argv[i + 1];
    bool ok = false;
    if (flag == "--seconds") {
      ok = parseNumber(value, o.seconds) && o.seconds > 0 && o.seconds <= 60;
    } else if (flag == "--rounds") {
      ok = parseNumber(value, o.rounds) && o.rounds >= 1 && o.rounds <= 100;
    } else if (flag == "--services") {
      ok = parseNumber(value, o.services);
    } else if (flag == "--flows") {
      ok = parseNumber(value, o.flows);
    } else if (flag == "--maglev-size") {
      ok = parseNumber(value, o.maglev_size);
    } else if (flag == "--cpu") {
      ok = parseNumber(value, o.cpu);
    } else if (flag == "--traffic") {
      ok = parseList(value, mpps::kTraffics, mpps::trafficName, o.traffic);
    } else if (flag == "--configs") {
      ok = parseList(value, mpps::kConfigs, mpps::configName, o.configs);
    } else if (flag == "--csv") {
      o.csv = value;
      ok = true;
    }
    if (!ok) {
      std::fprintf(stderr, "mpps_bench: bad option %s %s\n", argv[i], argv[i + 1]);
      argc = 0;  // print the usage
      break;
    }
  }
  if (argc % 2 == 0) {
    std::fprintf(stderr,
                 "usage: mpps_bench [--seconds S] [--rounds N] [--services N] [--flows N]\n"
                 "                  [--traffic udp,tcp-syn,tcp-est]\n"
                 "                  [--configs ceiling,sluice,iptables,nftables] [--cpu N]\n"
                 "                  [--maglev-size M] [--csv FILE]\n");
    return 2;
  }
  if (::geteuid() != 0) {
    std::fprintf(stderr, "mpps_bench: needs root (network namespaces, BPF)\n");
    return 2;
  }
  (void)sluice::base::setupLogging({.level = "warn", .name = "mpps_bench"});
  // Ctrl-C stops the load at the next generator call; the lab tears itself down on the way out.
  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);

  std::fprintf(stderr, "mpps_bench: building the lab and loading %d services per configuration\n",
               o.services);
  auto bench = mpps::Bench::create(
      {.services = o.services, .flows = o.flows, .maglev_size = o.maglev_size, .cpu = o.cpu});
  if (!bench) {
    std::fprintf(stderr, "mpps_bench: %s\n", bench.error().toString().c_str());
    return 1;
  }
  const mpps::MeasureOptions measure{.duration = std::chrono::duration<double>(o.seconds)};

  // results[traffic][config]: one Mpps figure per round. Configurations take turns within a
  // round, starting one later each round, so none is always measured first or last.
  std::map<Traffic, std::map<Config, std::vector<double>>> mpps_of;
  std::map<Traffic, std::map<Config, std::vector<double>>> ns_of;
  std::map<Traffic, std::map<Config, std::vector<double>>> loss_of;
  std::map<Traffic, std::map<Config, mpps::SinkCounts>> totals;
  const std::size_t config_count = o.configs.size();
  for (int r = 0; r < o.rounds; ++r) {
    for (const Traffic t : o.traffic) {
      for (std::size_t k = 0; k < config_count; ++k) {
        const Config c = o.configs[(k + static_cast<std::size_t>(r)) % config_count];
        auto m = (*bench)->measure(c, t, measure);
        if (!m) {
          std::fprintf(stderr, "mpps_bench: %s\n", m.error().toString().c_str());
          return 1;
        }
        mpps_of[t][c].push_back(m->mpps());
        ns_of[t][c].push_back(m->ns_per_frame);
        loss_of[t][c].push_back(m->lossRatio());
        auto& total = totals[t][c];
        total.frames += m->delivered.frames;
        total.to_backend += m->delivered.to_backend;
        total.from_node += m->delivered.from_node;
        std::fprintf(stderr,
                     "  round %d %-8s %-9s %7.3f Mpps  %6.0f ns/frame  loss %5.1f%%  %.2f s\n",
                     r + 1, std::string(mpps::trafficName(t)).c_str(),
                     std::string(mpps::configName(c)).c_str(), m->mpps(), m->ns_per_frame,
                     100 * m->lossRatio(), m->seconds);
      }
    }
  }

  std::FILE* csv = nullptr;
  if (!o.csv.empty()) {
    csv = std::fopen(o.csv.c_str(), "w");
    if (csv == nullptr) {
      std::perror(o.csv.c_str());
      return 1;
    }
    std::fprintf(csv, "benchmark,config,traffic,services,mpps,ratio_to_ceiling\n");
  }
  std::printf(
      "mpps_bench: %d services (%d service ports), %u established flows, %.1f s x %d "
      "rounds, median; generator pinned to CPU %d\n",
      o.services, 2 * o.services, o.flows, o.seconds, o.rounds, (*bench)->options().cpu);
  int missed = 0;
  for (const Traffic t : o.traffic) {
    std::printf("\n%s\n", std::string(mpps::trafficDescription(t)).c_str());
    std::printf("  %-9s %8s %8s %8s %10s %7s %7s\n", "config", "Mpps", "ceiling", "loss",
                "ns/frame", "DNATed", "SNATed");
    const double ceiling = median(mpps_of[t][Config::kCeiling]);
    for (const Config c : o.configs) {
      const double v = median(mpps_of[t][c]);
      const auto& total = totals[t][c];
      const auto share = [&](std::uint64_t part) {
        return total.frames ? 100.0 * static_cast<double>(part) / static_cast<double>(total.frames)
                            : 0.0;
      };
      std::printf("  %-9s %8.3f %7.0f%% %7.1f%% %10.0f %6.0f%% %6.0f%%\n",
                  std::string(mpps::configName(c)).c_str(), v,
                  ceiling > 0 ? 100.0 * v / ceiling : 0.0, 100 * median(loss_of[t][c]),
                  median(ns_of[t][c]), share(total.to_backend), share(total.from_node));
      if (csv != nullptr) {
        std::fprintf(csv, "mpps_veth,%s,%s,%d,%.4f,%.4f\n",
                     std::string(mpps::configName(c)).c_str(),
                     std::string(mpps::trafficName(t)).c_str(), o.services, v,
                     ceiling > 0 ? v / ceiling : 0.0);
      }
    }
    const double sluice = median(mpps_of[t][Config::kSluice]);
    const double ipt = median(mpps_of[t][Config::kIptables]);
    const double nft = median(mpps_of[t][Config::kNftables]);
    if (sluice <= 0) continue;
    if (ceiling > 0) {
      const bool met = sluice >= 0.85 * ceiling;
      missed += !met;
      std::printf("  sluice/ceiling  %.2f   (bar >= 0.85: %s)\n", sluice / ceiling,
                  met ? "met" : "MISSED");
    }
    if (ipt > 0) {
      const bool met = sluice >= 3.0 * ipt;
      missed += !met;
      std::printf("  sluice/iptables %.2fx  (bar >= 3x: %s)\n", sluice / ipt,
                  met ? "met" : "MISSED");
    }
    if (nft > 0) std::printf("  sluice/nftables %.2fx\n", sluice / nft);
  }
  std::printf("\nSluice drops (whole run): %s\n", (*bench)->sluiceDrops().c_str());
  if (csv != nullptr) std::fclose(csv);
  return missed == 0 ? 0 : 1;
}
