// sluice-ebpf: programs the eBPF data plane of this node from a service list (service_spec.h),
// attaches it to pod interfaces, cgroups and the external interface, and shows what is
// programmed and counted; with --stay it also answers the list's health-check node ports. Until
// sluice-agent exists this is how the data plane is driven by hand; it is also the "agent" the
// restart tests kill and start again.
//
//   sluice-ebpf apply SERVICES [--attach-pod IFNAME]... [--cgroup DIR]... [--stay] [common]
//   sluice-ebpf show [common]
//   common: --bpffs DIR (/sys/fs/bpf)  --pin-subdir NAME (sluice)  --maglev-size M (16381)
//
// With --stay it prints "ready" once everything is applied and waits for SIGINT/SIGTERM; the
// data plane keeps forwarding after it exits either way. Exit codes: 0 ok, 1 failed, 2 usage.
#include <net/if.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "sluice/base/log.h"
#include "sluice/dataplane/service_spec.h"
#include "sluice/ebpf/ebpf_dataplane.h"
#include "sluice/nodeport/health_check_server.h"

namespace {

constexpr const char* kUsage =
    "usage: sluice-ebpf apply SERVICES [--attach-pod IFNAME]... [--cgroup DIR]...\n"
    "                         [--attach-external IFNAME] [--stay]\n"
    "       sluice-ebpf show\n"
    "options for both: --bpffs DIR (default /sys/fs/bpf)  --pin-subdir NAME (default sluice)\n"
    "                  --maglev-size PRIME (default 16381)\n"
    "                  --node-ipv4 ADDR --node-ipv6 ADDR (SNAT for external flows)\n";

struct Options {
  std::string command;
  std::string services;
  std::vector<std::string> pods;
  std::vector<std::string> cgroups;
  std::string external;
  bool stay = false;
  sluice::ebpf::EbpfOptions ebpf;
};

int usage(const std::string& why) {
  std::fprintf(stderr, "sluice-ebpf: %s\n%s", why.c_str(), kUsage);
  return 2;
}

bool parse(int argc, char** argv, Options& o, std::string& why) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty()) return why = "no command", false;
  o.command = args[0];
  if (o.command != "apply" && o.command != "show") return why = "unknown command", false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string_view a = args[i];
    const bool has_value = i + 1 < args.size();
    if (a == "--stay") {
      o.stay = true;
    } else if (a == "--attach-pod" && has_value) {
      o.pods.emplace_back(args[++i]);
    } else if (a == "--cgroup" && has_value) {
      o.cgroups.emplace_back(args[++i]);
    } else if (a == "--attach-external" && has_value) {
      o.external = args[++i];
    } else if ((a == "--node-ipv4" || a == "--node-ipv6") && has_value) {
      auto address = sluice::base::parseIpAddress(args[++i]);
      if (!address || address->is_v4() != (a == "--node-ipv4")) {
        return why = "bad " + std::string(a), false;
      }
      (a == "--node-ipv4" ? o.ebpf.node_ipv4 : o.ebpf.node_ipv6) = *address;
    } else if (a == "--bpffs" && has_value) {
      o.ebpf.bpffs = args[++i];
    } else if (a == "--pin-subdir" && has_value) {
      o.ebpf.pin_subdir = args[++i];
    } else if (a == "--maglev-size" && has_value) {
      const std::string_view v = args[++i];
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), o.ebpf.maglev_size);
      if (ec != std::errc() || end != v.data() + v.size()) return why = "bad --maglev-size", false;
    } else if (o.command == "apply" && o.services.empty() && !a.starts_with("--")) {
      o.services = a;
    } else {
      return why = "unexpected argument '" + std::string(a) + "'", false;
    }
  }
  if (o.command == "apply" && o.services.empty()) return why = "apply needs a SERVICES file", false;
  return true;
}

int fail(const std::string& what, const sluice::base::Error& error) {
  std::fprintf(stderr, "sluice-ebpf: %s: %s\n", what.c_str(), error.toString().c_str());
  return 1;
}

int apply(const Options& o, sluice::ebpf::EbpfDataplane& dp,
          sluice::dataplane::ServiceSpec& applied) {
  std::ifstream file(o.services);
  if (!file) {
    std::fprintf(stderr, "sluice-ebpf: cannot read %s\n", o.services.c_str());
    return 1;
  }
  std::stringstream text;
  text << file.rdbuf();
  // Parsed whole before anything is programmed: a bad file changes nothing.
  auto spec = sluice::dataplane::parseServiceSpec(text.str());
  if (!spec) return fail(o.services, spec.error());
  if (auto ok = sluice::dataplane::applyServiceSpec(dp, *spec, o.ebpf.maglev_size); !ok) {
    return fail("programming " + o.services, ok.error());
  }
  for (const std::string& pod : o.pods) {
    const unsigned ifindex = if_nametoindex(pod.c_str());
    if (ifindex == 0) {
      std::fprintf(stderr, "sluice-ebpf: no interface %s here\n", pod.c_str());
      return 1;
    }
    if (auto ok = dp.attachPodInterface(static_cast<int>(ifindex)); !ok) {
      return fail("attaching to " + pod, ok.error());
    }
  }
  if (!o.external.empty()) {
    const unsigned ifindex = if_nametoindex(o.external.c_str());
    if (ifindex == 0) {
      std::fprintf(stderr, "sluice-ebpf: no interface %s here\n", o.external.c_str());
      return 1;
    }
    if (auto ok = dp.attachExternalInterface(static_cast<int>(ifindex)); !ok) {
      return fail("attaching to " + o.external, ok.error());
    }
  }
  for (const std::string& cgroup : o.cgroups) {
    if (auto ok = dp.attachCgroup(cgroup); !ok) return fail("attaching to " + cgroup, ok.error());
  }
  std::printf("applied %zu frontends, %zu services from %s\n", spec->frontends.size(),
              spec->backends.size(), o.services.c_str());
  applied = std::move(*spec);
  return 0;
}

int show(sluice::ebpf::EbpfDataplane& dp) {
  auto state = dp.programmed();
  if (!state) return fail("reading the maps", state.error());
  auto counters = dp.counters();
  if (!counters) return fail("reading counters", counters.error());
  for (const auto& f : state->frontends) {
    std::printf("frontend %s -> service %u\n", sluice::dataplane::toString(f.key).c_str(),
                f.service);
  }
  for (const auto& s : state->services) {
    const auto c = counters->services.contains(s.service) ? counters->services.at(s.service)
                                                          : sluice::dataplane::ServiceCounters{};
    std::printf("service %u: %zu backends, %llu packets, %llu bytes, %llu connections\n", s.service,
                s.backends.size(), static_cast<unsigned long long>(c.packets),
                static_cast<unsigned long long>(c.bytes),
                static_cast<unsigned long long>(c.new_connections));
    for (const auto& b : s.backends) {
      std::printf("  backend %s %s\n", sluice::base::formatEndpoint(b.address, b.port).c_str(),
                  std::string(sluice::dataplane::backendStateName(b.state)).c_str());
    }
  }
  for (std::size_t r = 1; r < counters->drops.size(); ++r) {
    if (counters->drops[r] == 0) continue;
    std::printf("drop %s: %llu\n",
                std::string(sluice::dataplane::dropReasonName(static_cast<int>(r))).c_str(),
                static_cast<unsigned long long>(counters->drops[r]));
  }
  std::printf("conntrack entries: %llu\n",
              static_cast<unsigned long long>(counters->conntrack_entries));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (std::string why; !parse(argc, argv, o, why)) return usage(why);
  (void)sluice::base::setupLogging({.level = "warn", .name = "sluice-ebpf"});
  // Signals are taken before loading, so a stop request during set-up is not lost.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  if (o.stay) pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto dp = sluice::ebpf::EbpfDataplane::open(o.ebpf);
  if (!dp) return fail("opening the data plane", dp.error());
  sluice::dataplane::ServiceSpec applied;
  const int rc = o.command == "apply" ? apply(o, **dp, applied) : show(**dp);
  if (rc != 0 || !o.stay) return rc;

  // Health-check node ports are answered while this process runs.
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  sluice::nodeport::HealthCheckServer health(io);
  for (const auto& check : applied.health_checks) {
    const std::uint32_t local = sluice::dataplane::readyLocalBackends(applied, check.service);
    if (auto ok = health.set(check.port, {.service_namespace = check.service_namespace,
                                          .service_name = check.service_name,
                                          .local_endpoints = local});
        !ok) {
      return fail("health-check port " + std::to_string(check.port), ok.error());
    }
  }
  std::thread server([&io] { io.run(); });
  std::printf("ready\n");
  std::fflush(stdout);
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  work.reset();
  io.stop();
  server.join();
  return 0;
}
