// sluice-lb: the DPDK data plane on a machine that owns a NIC (or, here, a virtual device).
// Serves the LoadBalancer / NodePort / externalIP frontends of a service list (the format of
// dataplane/include/sluice/dataplane/service_spec.h, as sluice-ebpf reads) by DSR or full NAT.
//
//   sluice-lb --port net_af_packet0 --services services.txt --snat-ipv4 192.168.50.5
//             --gateway-mac 02:00:00:00:00:01 [--neighbor 10.0.0.7=02:..]... [--dsr]
//             -- --no-huge -m 512 --no-pci --vdev=net_af_packet0,iface=veth0 -l 0,1
//
// VIPs and backends can also be changed at run time through the local gRPC API (--api-socket,
// sluice-lbctl); /metrics with --metrics-bind-address. Everything after "--" goes to DPDK's EAL.
// Prints "ready" once the port forwards, counters every
// --stats-interval seconds; SIGHUP re-reads the service list (prints "reloaded"; a list that does
// not parse is logged and changes nothing); stops on SIGINT/SIGTERM (or after --duration seconds).
// Exit codes: 0 ok, 1 failed, 2 usage.
#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "lcore_metrics.h"
#include "sluice/base/log.h"
#include "sluice/dataplane/lb_api.h"
#include "sluice/dataplane/lb_metrics.h"
#include "sluice/dataplane/service_spec.h"
#include "sluice/lb/eal.h"
#include "sluice/lb/lb_dataplane.h"
#include "sluice/lb/lb_runner.h"
#include "sluice/lb/port.h"
#include "sluice/lb/spec_sync.h"

namespace {

using sluice::base::Result;
using sluice::base::Status;

std::atomic<bool> g_stop{false};
std::atomic<bool> g_reload{false};

void onSignal(int signal) { (signal == SIGHUP ? g_reload : g_stop).store(true); }

struct Options {
  std::string port;
  std::string services;
  std::string snat_ipv4;
  std::string snat_ipv6;
  std::string gateway_mac;
  std::vector<std::string> neighbors;  // IP=MAC
  std::uint16_t workers = 1;
  std::size_t conntrack = 262144;
  std::uint32_t maglev_size = 16381;
  std::uint32_t max_services = 65536;
  bool dsr = false;
  bool rss_addresses_only = false;
  double duration_s = 0;
  double stats_interval_s = 0;
  std::string metrics_bind;  // IP:port for /metrics; empty: off
  std::string api_socket = sluice::dataplane::kDefaultLbSocketPath;  // empty: off
  std::string log_level = "info";
  std::vector<std::string> eal;
};

Result<sluice::lb::Mac> parseMac(const std::string& text) {
  sluice::lb::Mac mac{};
  unsigned parts[6] = {};
  char tail = 0;
  if (std::sscanf(text.c_str(), "%x:%x:%x:%x:%x:%x%c", &parts[0], &parts[1], &parts[2], &parts[3],
                  &parts[4], &parts[5], &tail) != 6) {
    return sluice::base::fail(sluice::base::Errc::kInvalidArgument,
                              "not a MAC address: \"" + text + "\" (want 02:00:00:00:00:01)");
  }
  for (std::size_t i = 0; i < 6; ++i) {
    if (parts[i] > 0xff) {
      return sluice::base::fail(sluice::base::Errc::kInvalidArgument,
                                "not a MAC address: \"" + text + "\"");
    }
    mac[i] = static_cast<std::uint8_t>(parts[i]);
  }
  return mac;
}

Result<sluice::dataplane::ServiceSpec> readServices(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return sluice::base::fail(sluice::base::Errc::kNotFound, "cannot read services file " + path);
  }
  std::stringstream text;
  text << in.rdbuf();
  auto spec = sluice::dataplane::parseServiceSpec(text.str());
  if (!spec) return sluice::base::fail(std::move(spec.error()).withContext(path));
  return spec;
}

Result<sluice::lb::LbOptions> lbOptions(const Options& o, const sluice::lb::Port& port) {
  sluice::lb::LbOptions out{.workers = o.workers,
                            .conntrack_per_worker = o.conntrack,
                            .max_services = o.max_services,
                            .mtu = port.mtu(),
                            .addressing = {.port_mac = port.mac()}};
  for (const auto& [text, field] : {std::pair{&o.snat_ipv4, &out.addressing.snat_ipv4},
                                    std::pair{&o.snat_ipv6, &out.addressing.snat_ipv6}}) {
    if (text->empty()) continue;
    auto address = sluice::base::parseIpAddress(*text);
    if (!address) return sluice::base::fail(std::move(address.error()));
    *field = *address;
  }
  return out;
}

// Makes the data plane hold exactly this list (at start, and on SIGHUP while forwarding).
Status reload(sluice::lb::LbDataplane& dp, const Options& o, sluice::dataplane::ServiceSpec spec) {
  if (o.dsr) {
    for (auto& frontend : spec.frontends) frontend.dsr = true;
  }
  auto counts = sluice::lb::syncServiceSpec(dp, spec, o.maglev_size);
  if (!counts) return sluice::base::fail(std::move(counts.error()));
  spdlog::info("services: {} written, {} deleted", counts->written, counts->deleted);
  return {};
}

Status program(sluice::lb::LbDataplane& dp, const Options& o, sluice::dataplane::ServiceSpec spec) {
  if (!o.gateway_mac.empty()) {
    auto mac = parseMac(o.gateway_mac);
    if (!mac) return sluice::base::fail(std::move(mac.error()));
    dp.setGateway(*mac);
  }
  for (const auto& entry : o.neighbors) {
    const auto eq = entry.find('=');
    auto address = sluice::base::parseIpAddress(entry.substr(0, eq));
    if (eq == std::string::npos || !address) {
      return sluice::base::fail(sluice::base::Errc::kInvalidArgument,
                                "--neighbor wants IP=MAC, got \"" + entry + "\"");
    }
    auto mac = parseMac(entry.substr(eq + 1));
    if (!mac) return sluice::base::fail(std::move(mac.error()));
    if (auto ok = dp.setNeighbor(*address, *mac); !ok) return ok;
  }
  return reload(dp, o, std::move(spec));
}

void logCounters(sluice::lb::LbDataplane& dp, const sluice::lb::LbRunner& runner) {
  for (std::size_t w = 0; w < dp.workers(); ++w) {
    const auto& c = dp.worker(w).counters();
    const auto& l = runner.loop(w).counters();
    std::uint64_t drops = 0;
    for (const auto& d : c.drops) drops += d.load();
    spdlog::info(
        "worker {}: rx {} tx {} passed {} dropped {} handed-off {} arp {} nd {} echo {} "
        "tx-full {}",
        w, c.received.load(), c.transmitted.load(), c.passed.load(), drops, c.handed_off.load(),
        c.arp_replies.load(), c.neighbor_advertisements.load(), c.echo_replies.load(),
        l.tx_full.load());
  }
  auto counters = dp.counters();
  if (!counters) return;
  for (int r = 1; r < SLUICE_DROP_MAX; ++r) {
    const auto n = counters->drops[static_cast<std::size_t>(r)];
    if (n > 0) spdlog::info("drops {}: {}", sluice::dataplane::dropReasonName(r), n);
  }
  for (const auto& [id, s] : counters->services) {
    spdlog::info("service {}: packets {} bytes {} new connections {}", id, s.packets, s.bytes,
                 s.new_connections);
  }
  spdlog::info("conntrack entries: {}", counters->conntrack_entries);
}

int run(const Options& o) {
  auto spec = readServices(o.services);
  if (!spec) {
    spdlog::error("{}", spec.error().toString());
    return 1;
  }
  auto eal = sluice::lb::Eal::init(o.eal);
  if (!eal) {
    spdlog::error("{}", eal.error().toString());
    return 1;
  }
  auto port = sluice::lb::Port::open(
      o.port, {.queues = o.workers, .rss_addresses_only = o.rss_addresses_only});
  if (!port) {
    spdlog::error("{}", port.error().toString());
    return 1;
  }
  auto options = lbOptions(o, **port);
  if (!options) {
    spdlog::error("{}", options.error().toString());
    return 1;
  }
  sluice::lb::LbDataplane dp(*options);
  std::mutex control;  // every Dataplane call of this process holds it (the Dataplane contract)
  std::unique_lock hold(control);
  if (auto ok = program(dp, o, std::move(*spec)); !ok) {
    spdlog::error("{}", ok.error().toString());
    return 1;
  }
  hold.unlock();
  auto runner = sluice::lb::LbRunner::start(dp, **port);
  if (!runner) {
    spdlog::error("{}", runner.error().toString());
    return 1;
  }
  // The local API and /metrics call the data plane holding `control`, as the reload does.
  std::unique_ptr<sluice::dataplane::LbMetrics> metrics;
  if (!o.metrics_bind.empty()) {
    auto started = sluice::dataplane::LbMetrics::start(
        o.metrics_bind, dp, control,
        [&dp, lb = runner->get()] { return sluice::lb::lcoreFamilies(dp, *lb); });
    if (!started) {
      spdlog::error("--metrics-bind-address: {}", started.error().toString());
      return 1;
    }
    metrics = std::move(*started);
  }
  std::unique_ptr<sluice::dataplane::LbApiServer> api;
  if (!o.api_socket.empty()) {
    auto started = sluice::dataplane::LbApiServer::start(o.api_socket, dp, control,
                                                         {.maglev_size = o.maglev_size});
    if (!started) {
      spdlog::error("--api-socket: {}", started.error().toString());
      return 1;
    }
    api = std::move(*started);
  }
  spdlog::info("port {} ({} queue{}, rss {}, mtu {}), {} worker{}", o.port, (*port)->queues(),
               (*port)->queues() == 1 ? "" : "s", (*port)->rss() ? "on" : "off", (*port)->mtu(),
               dp.workers(), dp.workers() == 1 ? "" : "s");
  std::puts("ready");
  std::fflush(stdout);

  const auto started = std::chrono::steady_clock::now();
  auto last_stats = started;
  while (!g_stop.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    (void)dp.reclaimSnapshots();
    if (g_reload.exchange(false)) {
      auto next = readServices(o.services);
      std::unique_lock reloading(control);
      auto ok = next ? reload(dp, o, std::move(*next)) : Status(std::unexpected(next.error()));
      reloading.unlock();
      if (ok) {
        std::puts("reloaded");
        std::fflush(stdout);
      } else {
        spdlog::error("reload of {} failed, the rest keeps forwarding: {}", o.services,
                      ok.error().toString());
      }
    }
    const auto now = std::chrono::steady_clock::now();
    if (o.duration_s > 0 && now - started >= std::chrono::duration<double>(o.duration_s)) break;
    if (o.stats_interval_s > 0 &&
        now - last_stats >= std::chrono::duration<double>(o.stats_interval_s)) {
      std::lock_guard reading(control);
      logCounters(dp, **runner);
      last_stats = now;
    }
  }
  if (api) api->stop();
  (*runner)->stop();
  metrics.reset();  // may take civetweb's poll quantum (up to 2 s)
  std::lock_guard reading(control);
  logCounters(dp, **runner);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  int ours = argc;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--") {
      ours = i;
      for (int j = i + 1; j < argc; ++j) o.eal.emplace_back(argv[j]);
      break;
    }
  }
  CLI::App app(
      "sluice-lb: the DPDK load balancer (LoadBalancer / NodePort / externalIP "
      "frontends by DSR or full NAT). EAL arguments follow \"--\".",
      "sluice-lb");
  app.add_option("--port", o.port, "DPDK port: ethdev name (net_af_packet0) or number")->required();
  app.add_option("--services", o.services, "service list (service_spec format)")->required();
  app.add_option("--snat-ipv4", o.snat_ipv4, "this LB's IPv4 address: full-NAT source");
  app.add_option("--snat-ipv6", o.snat_ipv6, "this LB's IPv6 address: full-NAT source");
  app.add_option("--gateway-mac", o.gateway_mac,
                 "MAC of the router for addresses without "
                 "a --neighbor entry");
  app.add_option("--neighbor", o.neighbors, "IP=MAC of a directly reachable host (repeatable)");
  app.add_option("--workers", o.workers, "worker lcores (one rx/tx queue each)");
  app.add_option("--conntrack", o.conntrack, "connection-table entries per worker");
  app.add_option("--maglev-size", o.maglev_size, "Maglev table size per service (a prime)");
  app.add_option("--max-services", o.max_services, "service ids are 1 .. this-1");
  app.add_flag("--dsr", o.dsr, "send every frontend's traffic by DSR (IPIP) instead of full NAT");
  app.add_flag("--rss-addresses-only", o.rss_addresses_only,
               "spread flows over workers by IP addresses only, so ClientIP affinity (kept per "
               "worker) holds for all of a client's flows");
  app.add_option("--duration", o.duration_s, "stop after this many seconds (0: on a signal)");
  app.add_option("--stats-interval", o.stats_interval_s, "log counters every N seconds");
  app.add_option("--metrics-bind-address", o.metrics_bind,
                 "IP:port for /metrics (Prometheus); empty: off");
  app.add_option("--api-socket", o.api_socket,
                 "unix socket of the local gRPC API (sluice-lbctl; root only); empty: off")
      ->capture_default_str();
  app.add_option("--log-level", o.log_level, "trace, debug, info, warn or error");
  try {
    app.parse(ours, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (auto ok = sluice::base::setupLogging({.level = o.log_level, .name = "sluice-lb"}); !ok) {
    std::fprintf(stderr, "%s\n", ok.error().toString().c_str());
    return 2;
  }
  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);
  std::signal(SIGHUP, onSignal);
  return run(o);
}
