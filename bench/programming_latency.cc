// programming_latency: how fast a source change reaches the eBPF data plane, and what a full sync
// costs, at N services × E endpoints — beside the rule-load time of kube-proxy's peers for the
// same content (iptables-restore and nft -f, loaded into a network namespace of this run).
//
//   full sync          N services from an empty data plane (model → rules → reconciler → maps)
//   one endpoint       one slice changes; until the pass that programs it returns (p50/p99)
//   one service        a new service with its slice (p50/p99)
//   1000 services      1000 slices change at once
//   memory             this process's RSS after the full sync (model + reconciler + handles; the
//                      kernel's map memory is not in it and is printed apart)
//
// The change is handed to the model as the Kubernetes watch sink hands it (decoded objects); the
// watch's own transport is not in these figures. Writes are synchronous, so when a pass returns
// the maps hold the change. Bars (issue 6): one endpoint ≤ 10 ms p99; full sync ≤ 2 s; agent
// memory ≤ 150 MB RSS at 10 000 services.
//
// Needs root. Usage: programming_latency [--services N] [--endpoints E] [--maglev-size M]
//                                         [--rounds R] [--csv FILE] [--no-peers]
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "kube_proxy_rules.h"
#include "sluice/base/log.h"
#include "sluice/controlplane/service_sync.h"
#include "sluice/ebpf/ebpf_dataplane.h"

namespace {

namespace discovery = sluice::discovery;
namespace controlplane = sluice::controlplane;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct Options {
  int services = 10000;
  int endpoints = 10;
  std::uint32_t maglev_size = 1021;
  int rounds = 200;
  std::string csv;
  bool peers = true;
};

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string serviceIp(int i) {
  return "10.96." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
}
std::string endpointIp(int service, int e) {
  const int n = service * 16 + e;  // distinct per service and endpoint
  return "10." + std::to_string(100 + n / 65536) + "." + std::to_string((n / 256) % 256) + "." +
         std::to_string(n % 256);
}

discovery::Service makeService(int i) {
  discovery::Service s;
  s.meta.name = {.namespace_ = "bench", .name = "svc-" + std::to_string(i)};
  s.cluster_ips = {serviceIp(i)};
  s.ports = {discovery::ServicePort{.name = "http", .protocol = "TCP", .port = 80}};
  return s;
}

discovery::EndpointSlice makeSlice(int i, int endpoints, int generation = 0) {
  discovery::EndpointSlice slice;
  slice.meta.name = {.namespace_ = "bench", .name = "svc-" + std::to_string(i) + "-abc"};
  slice.service_name = "svc-" + std::to_string(i);
  slice.address_type = "IPv4";
  slice.ports = {discovery::EndpointPort{.name = "http", .protocol = "TCP", .port = 8080}};
  // `generation` takes one endpoint out (odd) or puts it back (even): a real one-endpoint change.
  for (int e = 0; e < endpoints; ++e) {
    if (generation % 2 == 1 && e == 0) continue;
    slice.endpoints.push_back(discovery::Endpoint{
        .addresses = {endpointIp(i, e)}, .conditions = {}, .node_name = e % 2 == 0 ? "n1" : "n2"});
  }
  return slice;
}

long rssKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  }
  return -1;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto index =
      static_cast<std::size_t>(std::lround(p * static_cast<double>(values.size() - 1)));
  return values[std::min(index, values.size() - 1)];
}

template <typename Number>
bool parseNumber(std::string_view text, Number& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

bool parseOptions(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool value = i + 1 < argc;
    const bool number =
        value && ((arg == "--services" && parseNumber(argv[i + 1], o.services)) ||
                  (arg == "--endpoints" && parseNumber(argv[i + 1], o.endpoints)) ||
                  (arg == "--maglev-size" && parseNumber(argv[i + 1], o.maglev_size)) ||
                  (arg == "--rounds" && parseNumber(argv[i + 1], o.rounds)));
    if (number) {
      ++i;
    } else if (arg == "--csv" && value) {
      o.csv = argv[++i];
    } else if (arg == "--no-peers") {
      o.peers = false;
    } else {
      std::fprintf(stderr,
                   "usage: programming_latency [--services N] [--endpoints E] [--maglev-size M] "
                   "[--rounds R] [--csv FILE] [--no-peers]\n");
      return false;
    }
  }
  return o.services > 0 && o.endpoints > 0 && o.endpoints < 16 && o.rounds > 0;
}

struct Row {
  std::string what;
  double value = 0;
  std::string unit;
  std::string note;
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parseOptions(argc, argv, o)) return 2;
  (void)sluice::base::setupLogging({.level = "warn", .name = "programming_latency"});

  // A private bpffs, removed at the end: nothing of the machine's own is touched.
  const std::string dir = "/tmp/sluice-bench-bpffs-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  if (::mount("bpf", dir.c_str(), "bpf", 0, "mode=0700") != 0) {
    std::perror("mounting a private bpffs (root needed)");
    return 2;
  }
  struct Unmount {
    std::string dir;
    ~Unmount() {
      ::umount2(dir.c_str(), MNT_DETACH);
      std::filesystem::remove(dir);
    }
  } unmount{dir};

  auto dp = sluice::ebpf::EbpfDataplane::open(
      {.bpffs = dir,
       .pin_subdir = "bench",
       .maglev_size = o.maglev_size,
       .max_services = static_cast<std::uint32_t>(o.services + o.rounds + 16)});
  if (!dp) {
    std::fprintf(stderr, "%s\n", dp.error().toString().c_str());
    return 2;
  }
  discovery::ServiceModel model;
  controlplane::ServiceSync sync(**dp, controlplane::NodeContext{.node_name = "n1"},
                                 controlplane::ReconcilerOptions{.maglev_size = o.maglev_size});
  const long rss_before = rssKiB();

  // Full sync from an empty data plane.
  std::vector<discovery::Service> services;
  std::vector<discovery::EndpointSlice> slices;
  for (int i = 0; i < o.services; ++i) {
    services.push_back(makeService(i));
    slices.push_back(makeSlice(i, o.endpoints));
  }
  auto start = Clock::now();
  model.replaceServices(std::move(services));
  model.replaceSlices(std::move(slices));
  model.markSynced();
  auto pass = sync.pass(model, model.takeChanges(milliseconds(0)));
  const double full_sync_s = secondsSince(start);
  const long rss_after = rssKiB();
  if (pass.stats.errors > 0) {
    std::fprintf(stderr, "full sync: %llu errors\n",
                 static_cast<unsigned long long>(pass.stats.errors));
    return 1;
  }

  // One endpoint changes, `rounds` times, on services spread over the range.
  std::vector<double> one_endpoint_ms;
  for (int r = 0; r < o.rounds; ++r) {
    const int i = (r * 7919) % o.services;
    model.upsertSlice(makeSlice(i, o.endpoints, r % 2 == 0 ? 1 : 0));
    start = Clock::now();
    (void)sync.pass(model, model.takeChanges(milliseconds(0)));
    one_endpoint_ms.push_back(secondsSince(start) * 1000);
    model.upsertSlice(makeSlice(i, o.endpoints, 0));
    (void)sync.pass(model, model.takeChanges(milliseconds(0)));
  }
  // One new service (with its slice), `rounds / 4` times.
  std::vector<double> one_service_ms;
  for (int r = 0; r < std::max(1, o.rounds / 4); ++r) {
    const int i = o.services + r;
    model.upsertService(makeService(i));
    model.upsertSlice(makeSlice(i, o.endpoints));
    start = Clock::now();
    (void)sync.pass(model, model.takeChanges(milliseconds(0)));
    one_service_ms.push_back(secondsSince(start) * 1000);
  }
  // 1000 services change at once.
  const int batch = std::min(1000, o.services);
  for (int i = 0; i < batch; ++i) model.upsertSlice(makeSlice(i, o.endpoints, 1));
  start = Clock::now();
  (void)sync.pass(model, model.takeChanges(milliseconds(0)));
  const double batch_ms = secondsSince(start) * 1000;

  std::vector<Row> rows = {
      {"full sync", full_sync_s, "s",
       std::to_string(o.services) + " services × " + std::to_string(o.endpoints) + " endpoints"},
      {"one endpoint p50", percentile(one_endpoint_ms, 0.5), "ms", ""},
      {"one endpoint p99", percentile(one_endpoint_ms, 0.99), "ms",
       std::to_string(one_endpoint_ms.size()) + " changes"},
      {"one service p50", percentile(one_service_ms, 0.5), "ms", ""},
      {"one service p99", percentile(one_service_ms, 0.99), "ms",
       std::to_string(one_service_ms.size()) + " new services"},
      {"1000 services", batch_ms, "ms", std::to_string(batch) + " slices changed at once"},
      {"control-plane RSS", static_cast<double>(rss_after) / 1024.0, "MiB",
       "before the sync: " + std::to_string(rss_before / 1024) + " MiB"},
  };
  if (o.peers) {
    auto peers = sluice::bench::measurePeerRuleLoads(o.services, o.endpoints);
    if (!peers) {
      std::fprintf(stderr, "peers: %s\n", peers.error().toString().c_str());
    } else {
      rows.push_back(
          {"iptables-restore (peer)", peers->iptables_s, "s",
           std::to_string(peers->iptables_rules) + " rules, kube-proxy iptables layout"});
      rows.push_back(
          {"nft -f (peer)", peers->nftables_s, "s",
           std::to_string(peers->nftables_lines) + " lines, kube-proxy nftables layout"});
      rows.push_back({"full sync / iptables-restore", full_sync_s / peers->iptables_s, "×", ""});
      rows.push_back({"full sync / nft -f", full_sync_s / peers->nftables_s, "×", ""});
    }
  }

  std::printf("Programming latency: %d services × %d endpoints, Maglev M = %u\n\n", o.services,
              o.endpoints, o.maglev_size);
  std::printf("%-30s %12s  %s\n", "measure", "value", "note");
  for (const auto& row : rows) {
    std::printf("%-30s %9.3f %-3s %s\n", row.what.c_str(), row.value, row.unit.c_str(),
                row.note.c_str());
  }
  const double p99 = percentile(one_endpoint_ms, 0.99);
  std::printf(
      "\nBars: one endpoint p99 %.2f ms (≤ 10: %s); full sync %.2f s (≤ 2: %s); "
      "RSS %.0f MiB (≤ 150: %s)\n",
      p99, p99 <= 10 ? "met" : "NOT met", full_sync_s, full_sync_s <= 2 ? "met" : "NOT met",
      static_cast<double>(rss_after) / 1024.0, rss_after / 1024 <= 150 ? "met" : "NOT met");
  if (!o.csv.empty()) {
    std::ofstream csv(o.csv);
    csv << "benchmark,measure,value,unit,services,endpoints\n";
    for (const auto& row : rows) {
      csv << "programming," << row.what << "," << row.value << "," << row.unit << "," << o.services
          << "," << o.endpoints << "\n";
    }
  }
  return 0;
}
