// sluice-demo: what scripts/run.sh runs until sluice-agent exists. Builds the standard lab
// (LAB.md), starts an echo server in every pod, and shows
//   1. plain routing: TCP and UDP over IPv4 and IPv6 from the external client to each pod;
//   2. ClusterIP through Sluice's eBPF data plane (one per node, in a private bpffs): the service
//      10.96.0.10:80 / [fd00:96::10]:80 → every pod but the first, dialled from the first pod,
//      printing which backend answered and which source address it saw;
// then (unless --once) keeps everything up until Ctrl-C and tears it down. Exit code 1 when any
// probe failed, 2 when the lab or the data plane cannot be set up.
#include <signal.h>

#include <charconv>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "node_dataplanes.h"
#include "sluice/base/log.h"
#include "sluice/lab/environment.h"
#include "sluice/lab/lab.h"
#include "sluice/lab/tcp_client.h"
#include "sluice/lab/udp_client.h"

namespace {

using sluice::lab::IpFamily;
namespace base = sluice::base;
namespace dataplane = sluice::dataplane;

constexpr const char* kUsage =
    "usage: sluice-demo [--once] [--nodes N] [--pods-per-node N] [--port P]\n"
    "Builds a lab of network namespaces (2 nodes, 2 pods each by default), probes every pod from\n"
    "the external client and prints the results; then waits for Ctrl-C (or exits, with --once)\n"
    "and removes everything it made. Needs root.\n";

struct DemoOptions {
  bool once = false;
  sluice::lab::LabOptions lab;
  std::uint16_t port = 8080;
};

template <typename Number>
bool parseNumber(std::string_view text, Number& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

// false after printing why (usage errors) or the help text (*exit_code 0).
bool parseOptions(int argc, char** argv, DemoOptions& options, int* exit_code) {
  *exit_code = 2;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--once") {
      options.once = true;
    } else if (arg == "--nodes" && has_value && parseNumber(argv[i + 1], options.lab.nodes)) {
      ++i;
    } else if (arg == "--pods-per-node" && has_value &&
               parseNumber(argv[i + 1], options.lab.pods_per_node)) {
      ++i;
    } else if (arg == "--port" && has_value && parseNumber(argv[i + 1], options.port)) {
      ++i;
    } else if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      *exit_code = 0;
      return false;
    } else {
      std::fprintf(stderr, "sluice-demo: bad argument '%s'\n%s", argv[i], kUsage);
      return false;
    }
  }
  return true;
}

// One row per probe; returns false when the probe failed or reached the wrong pod / saw NAT.
bool probeAndPrint(const sluice::lab::Lab& lab, const sluice::lab::PodInfo& pod, bool tcp,
                   IpFamily family, std::uint16_t port) {
  const sluice::lab::SocketAddress target{.address = pod.address(family), .port = port};
  const sluice::lab::ProbeOptions options{.netns = lab.ext().netns, .message = "hello " + pod.name};
  auto reply = tcp ? sluice::lab::tcpEcho(target, options) : sluice::lab::udpEcho(target, options);
  std::string answered = "-";
  std::string source = "-";
  std::string result;
  bool ok = false;
  if (!reply) {
    result =
        "FAILED (" +
        std::string(sluice::lab::failureKindName(sluice::lab::classifyFailure(reply.error()))) +
        "): " + reply.error().message();
  } else {
    answered = reply->name;
    source = reply->peer.toString();
    ok = reply->name == pod.name && reply->peer.address == lab.ext().address(family);
    result = ok                        ? "ok"
             : reply->name != pod.name ? "WRONG POD (expected " + pod.name + ")"
                                       : "SOURCE CHANGED (NAT?)";
  }
  std::printf("%-5s %-5s %-5s %-24s %-11s %-26s %s\n", "ext", tcp ? "tcp" : "udp",
              std::string(sluice::lab::ipFamilyName(family)).c_str(), target.toString().c_str(),
              answered.c_str(), source.c_str(), result.c_str());
  return ok;
}

constexpr std::uint16_t kServicePort = 80;

const base::IpAddress& serviceAddress(IpFamily family) {
  static const auto v4 = base::parseIpAddress("10.96.0.10").value();
  static const auto v6 = base::parseIpAddress("fd00:96::10").value();
  return family == IpFamily::kIpv4 ? v4 : v6;
}

// Programs the ClusterIP on every node: backends are all pods but the first (the client).
base::Status programClusterIp(sluice::testing::NodeDataplanes& dps, const sluice::lab::Lab& lab,
                              std::uint16_t port) {
  for (const IpFamily family : {IpFamily::kIpv4, IpFamily::kIpv6}) {
    const dataplane::ServiceId id = family == IpFamily::kIpv4 ? 1 : 2;
    std::vector<dataplane::Backend> backends;
    for (std::size_t i = 1; i < lab.pods().size(); ++i) {
      backends.push_back({.address = lab.pods()[i].address(family), .port = port});
    }
    if (auto ok = dps.setBackends(id, backends); !ok) return ok;
    for (const auto protocol : {dataplane::Protocol::kTcp, dataplane::Protocol::kUdp}) {
      if (auto ok = dps.upsertFrontend({.key = {.address = serviceAddress(family),
                                                .port = kServicePort,
                                                .protocol = protocol},
                                        .service = id});
          !ok) {
        return ok;
      }
    }
  }
  return {};
}

// Four connections per protocol and family from the client pod to the ClusterIP.
int probeClusterIp(const sluice::lab::Lab& lab) {
  const sluice::lab::PodInfo& client = lab.pods().front();
  int failures = 0;
  for (const bool tcp : {true, false}) {
    for (const IpFamily family : {IpFamily::kIpv4, IpFamily::kIpv6}) {
      for (int n = 0; n < 4; ++n) {
        const sluice::lab::SocketAddress target{.address = serviceAddress(family),
                                                .port = kServicePort};
        const sluice::lab::ProbeOptions options{.netns = client.netns, .reset_on_close = true};
        auto reply =
            tcp ? sluice::lab::tcpEcho(target, options) : sluice::lab::udpEcho(target, options);
        const bool ok =
            reply && reply->name != client.name && reply->peer.address == client.address(family);
        if (!ok) ++failures;
        std::printf("%-5s %-5s %-5s %-24s %-11s %-26s %s\n", client.name.c_str(),
                    tcp ? "tcp" : "udp", std::string(sluice::lab::ipFamilyName(family)).c_str(),
                    target.toString().c_str(), reply ? reply->name.c_str() : "-",
                    reply ? reply->peer.toString().c_str() : "-",
                    ok      ? "ok"
                    : reply ? "WRONG"
                            : ("FAILED: " + reply.error().message()).c_str());
      }
    }
  }
  return failures;
}

}  // namespace

int main(int argc, char** argv) {
  DemoOptions options;
  int exit_code = 0;
  if (!parseOptions(argc, argv, options, &exit_code)) return exit_code;

  // Ctrl-C and SIGTERM are waited for below (sigwait), not handled asynchronously: blocked here,
  // before any thread exists, so every thread inherits the mask. One that arrives while the lab
  // is being built waits its turn and then ends the demo through the normal teardown.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  if (auto logging = sluice::base::setupLogging({.name = "sluice-demo"}); !logging) {
    std::fprintf(stderr, "%s\n", logging.error().toString().c_str());
    return 2;
  }
  if (const std::string problem = sluice::lab::labProblem(); !problem.empty()) {
    std::fprintf(stderr, "sluice-demo: %s\n", problem.c_str());
    return 2;
  }
  auto lab = sluice::lab::Lab::create(options.lab);
  if (!lab) {
    std::fprintf(stderr, "sluice-demo: %s\n", lab.error().toString().c_str());
    return 2;
  }
  if (auto started = (*lab)->startEchoInAllPods({.port = options.port}); !started) {
    std::fprintf(stderr, "sluice-demo: %s\n", started.error().toString().c_str());
    return 2;
  }

  const auto& ext = (*lab)->ext();
  std::printf("\nLab %s: %zu nodes, %zu pods; external client %s / %s (netns %s)\n\n",
              (*lab)->prefix().c_str(), (*lab)->nodes().size(), (*lab)->pods().size(),
              ext.ipv4.to_string().c_str(), ext.ipv6.to_string().c_str(), ext.netns.c_str());
  std::printf("%-5s %-5s %-5s %-24s %-11s %-26s %s\n", "FROM", "PROTO", "IP", "TARGET",
              "ANSWERED BY", "SOURCE SEEN BY THE POD", "RESULT");
  int failures = 0;
  for (const auto& pod : (*lab)->pods()) {
    for (const bool tcp : {true, false}) {
      for (const IpFamily family : {IpFamily::kIpv4, IpFamily::kIpv6}) {
        if (!probeAndPrint(**lab, pod, tcp, family, options.port)) ++failures;
      }
    }
  }
  const std::size_t probes = (*lab)->pods().size() * 4;
  std::printf("\n%zu of %zu probes ok: each pod answered itself and saw ext's own address.\n",
              probes - static_cast<std::size_t>(failures), probes);

  std::unique_ptr<sluice::testing::NodeDataplanes> dataplanes;
  if ((*lab)->pods().size() >= 2) {
    auto dps = sluice::testing::NodeDataplanes::create(**lab);
    if (!dps) {
      std::fprintf(stderr, "sluice-demo: eBPF data plane: %s\n", dps.error().toString().c_str());
      return 2;
    }
    dataplanes = std::move(*dps);
    if (auto ok = programClusterIp(*dataplanes, **lab, options.port); !ok) {
      std::fprintf(stderr, "sluice-demo: programming the ClusterIP: %s\n",
                   ok.error().toString().c_str());
      return 2;
    }
    std::printf(
        "\nClusterIP 10.96.0.10:80 and [fd00:96::10]:80 (TCP and UDP) -> port %u of every "
        "pod but %s, through Sluice's eBPF data plane on each node:\n\n",
        options.port, (*lab)->pods().front().name.c_str());
    std::printf("%-5s %-5s %-5s %-24s %-11s %-26s %s\n", "FROM", "PROTO", "IP", "SERVICE",
                "ANSWERED BY", "SOURCE SEEN BY THE POD", "RESULT");
    const int service_failures = probeClusterIp(**lab);
    std::printf(
        "\n%d of 16 ClusterIP probes ok: a backend answered and saw the client pod's own "
        "address.\n",
        16 - service_failures);
    failures += service_failures;
    auto counters = dataplanes->node((*lab)->pods().front().node).counters();
    if (counters) {
      std::uint64_t connections = 0;
      for (const auto& [id, c] : counters->services) connections += c.new_connections;
      std::printf("Data plane of %s: %llu new connections, %llu conntrack entries.\n",
                  (*lab)->pods().front().node.c_str(), static_cast<unsigned long long>(connections),
                  static_cast<unsigned long long>(counters->conntrack_entries));
    }
  }
  std::fflush(stdout);

  if (!options.once) {
    std::printf(
        "\nThe lab stays up; look around, e.g.:\n"
        "  ip netns list | grep %s\n"
        "  ip -n %s route\n"
        "  ip netns exec %s %s client --tcp --to %s\n"
        "Press Ctrl-C to tear it down.\n",
        (*lab)->prefix().c_str(), (*lab)->nodes().front().netns.c_str(), ext.netns.c_str(),
        sluice::lab::echoBinaryPath().value_or("sluice-echo").c_str(),
        (*lab)->pods().empty()
            ? "ADDRESS:PORT"
            : sluice::lab::SocketAddress{(*lab)->pods().front().ipv4, options.port}
                  .toString()
                  .c_str());
    std::fflush(stdout);
    int received = 0;
    sigwait(&stop_signals, &received);
    std::printf("\nGot %s; tearing the lab down.\n", received == SIGINT ? "Ctrl-C" : "SIGTERM");
  }
  dataplanes.reset();
  lab->reset();
  std::printf("Lab removed.\n");
  return failures == 0 ? 0 : 1;
}
