// sluice-demo: Sluice's main job on the embedded default, what scripts/run.sh runs. It builds the
// lab cluster (LAB.md: nodes n1 and n2, pods p1a p1b p2a p2b with echo servers), starts
// sluice-agent on each node serving the example manifests (deploy/examples) into that node's
// eBPF data plane, then proves traffic flows — which pod answered each ClusterIP, NodePort and
// LoadBalancer connection and which source address it saw — and shows `sluice service list`.
// Unless --once it stays up until Ctrl-C, then tears everything down. Exit code 1 when any probe
// failed, 2 when the lab or an agent cannot be set up.
#include <signal.h>

#include <cstdio>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "../ebpf/private_bpffs.h"
#include "sluice/base/log.h"
#include "sluice/lab/environment.h"
#include "sluice/lab/http_client.h"
#include "sluice/lab/lab.h"
#include "sluice/lab/tcp_client.h"
#include "sluice/lab/udp_client.h"

namespace {

namespace base = sluice::base;
namespace lab = sluice::lab;
using lab::IpFamily;

constexpr const char* kUsage =
    "usage: sluice-demo [--once] [--manifests DIR]\n"
    "Builds a lab cluster of network namespaces (2 nodes, 2 pods each), runs sluice-agent on\n"
    "each node with the manifests in DIR (default: deploy/examples), shows traffic reaching the\n"
    "pods through every kind of service, then waits for Ctrl-C (or exits, with --once) and\n"
    "removes everything it made. Needs root.\n";

struct DemoOptions {
  bool once = false;
  std::string manifests = SLUICE_EXAMPLES_DIR;
};

bool parseOptions(int argc, char** argv, DemoOptions& options, int* exit_code) {
  *exit_code = 2;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--once") {
      options.once = true;
    } else if (arg == "--manifests" && i + 1 < argc) {
      options.manifests = argv[++i];
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

base::IpAddress ip(const char* text) { return base::parseIpAddress(text).value(); }

struct Expectation {
  std::set<std::string> pods;  // any of these may answer
  std::string peer;            // the source address the pod must see
  std::string snat_node;       // a pod on another node than this one sees this node's address
};

// One row per connection; false when it failed, reached another pod or saw another source.
class Prober {
 public:
  explicit Prober(const lab::Lab& lab) : lab_(lab) {}

  bool probe(const std::string& from, const lab::SocketAddress& target, bool tcp,
             const Expectation& expected) {
    const std::string netns = from == "ext" ? lab_.ext().netns : lab_.pod(from).netns;
    const lab::ProbeOptions options{.netns = netns, .reset_on_close = true};
    auto reply = tcp ? lab::tcpEcho(target, options) : lab::udpEcho(target, options);
    std::string result;
    bool ok = false;
    if (!reply) {
      result = "FAILED: " + reply.error().message();
    } else if (!expected.pods.contains(reply->name)) {
      result = "WRONG POD";
    } else if (const std::string peer = expectedPeer(expected, reply->name);
               reply->name != from && reply->peer.address.to_string() != peer) {
      result = "WRONG SOURCE (expected " + peer + ")";
    } else {
      ok = true;
      result = reply->name == from ? "ok (itself, via the hairpin address)" : "ok";
    }
    std::printf("  %-5s %-4s %-22s %-7s %-30s %s\n", from.c_str(), tcp ? "tcp" : "udp",
                target.toString().c_str(), reply ? reply->name.c_str() : "-",
                reply ? reply->peer.toString().c_str() : "-", result.c_str());
    ++total_;
    if (ok) ++passed_;
    return ok;
  }

  void header(const std::string& title) {
    std::printf("\n%s\n  %-5s %-4s %-22s %-7s %-30s %s\n", title.c_str(), "FROM", "PROTO", "TARGET",
                "POD", "SOURCE THE POD SAW", "RESULT");
  }
  [[nodiscard]] int total() const { return total_; }
  [[nodiscard]] std::string expectedPeer(const Expectation& expected,
                                         const std::string& pod) const {
    if (!expected.snat_node.empty() && lab_.pod(pod).node != expected.snat_node) {
      return lab_.node(expected.snat_node).ipv4.to_string();
    }
    return expected.peer;
  }
  [[nodiscard]] int passed() const { return passed_; }

 private:
  const lab::Lab& lab_;
  int total_ = 0;
  int passed_ = 0;
};

// Starts sluice-agent in every node and waits until each says it is synced (/healthz 200).
base::Status startAgents(lab::Lab& lab, const std::string& bpffs, const std::string& manifests,
                         const std::string& socket_prefix) {
  for (const auto& node : lab.nodes()) {
    std::vector<std::string> argv = {SLUICE_AGENT,
                                     "--manifests=" + manifests,
                                     "--hostname-override=" + node.name,
                                     "--bpffs=" + bpffs,
                                     "--pin-subdir=" + node.name,
                                     "--maglev-size=1021",
                                     "--pod-interfaces=p*",
                                     "--external-interfaces=" + node.external_interface,
                                     "--nodeport-addresses=192.168.50.0/24,fd00:50::/64",
                                     "--api-socket=" + socket_prefix + node.name + ".sock",
                                     "--metrics-bind-address=127.0.0.1:10249",
                                     "--healthz-bind-address=0.0.0.0:10256",
                                     "--log-level=warn"};
    auto process = lab.spawn(node.netns, argv, {.name = "sluice-agent-" + node.name});
    if (!process) return base::fail(process.error());
  }
  for (const auto& node : lab.nodes()) {
    auto healthy = lab::waitFor(
        "sluice-agent on " + node.name + " to report healthy",
        [&] {
          auto answer =
              lab::httpGet(lab.ext().netns, {.address = node.ipv4, .port = 10256}, "/healthz");
          return answer && answer->status_line == "HTTP/1.1 200 OK";
        },
        lab::deadlineAfter(std::chrono::seconds(20)));
    if (!healthy) return healthy;
  }
  return {};
}

void showHealthCheck(const lab::Lab& lab, const std::string& node) {
  auto answer = lab::httpGet(lab.ext().netns, {.address = lab.node(node).ipv4, .port = 32000});
  std::printf("  %s:32000  %s  %s\n", node.c_str(),
              answer ? answer->status_line.c_str() : answer.error().message().c_str(),
              answer ? answer->body.c_str() : "");
}

int runDemo(lab::Lab& lab, const DemoOptions& options, const std::string& bpffs) {
  if (auto ok = lab.startEchoInAllPods({.port = 8080}); !ok) {
    std::fprintf(stderr, "sluice-demo: %s\n", ok.error().toString().c_str());
    return 2;
  }
  // The load-balancer IP is routed to n1, as an ARP/BGP announcement would do.
  if (auto ok = lab.ip(lab.ext().netns,
                       "route add 192.168.60.10/32 via " + lab.node("n1").ipv4.to_string());
      !ok) {
    std::fprintf(stderr, "sluice-demo: %s\n", ok.error().toString().c_str());
    return 2;
  }
  const std::string sockets = bpffs + ".";
  std::printf("\nLab %s: nodes n1, n2; pods p1a p1b (n1), p2a p2b (n2); client ext %s\n",
              lab.prefix().c_str(), lab.ext().ipv4.to_string().c_str());
  std::printf("Starting sluice-agent on each node with the manifests in %s ...\n",
              options.manifests.c_str());
  if (auto ok = startAgents(lab, bpffs, options.manifests, sockets); !ok) {
    std::fprintf(stderr, "sluice-demo: %s\n", ok.error().toString().c_str());
    return 2;
  }

  Prober prober(lab);
  const std::set<std::string> all = {"p1a", "p1b", "p2a", "p2b"};
  prober.header("ClusterIP demo/web (10.96.0.10, fd00:96::10) from pod p1a: any pod, sees p1a");
  for (int i = 0; i < 6; ++i) {
    prober.probe("p1a", {.address = ip("10.96.0.10"), .port = 80}, true, {all, "10.244.1.2", ""});
  }
  for (int i = 0; i < 3; ++i) {
    prober.probe("p1a", {.address = ip("fd00:96::10"), .port = 80}, true,
                 {all, "fd00:244:1::2", ""});
    prober.probe("p1a", {.address = ip("10.96.0.10"), .port = 53}, false, {all, "10.244.1.2", ""});
  }
  prober.header("NodePort demo/web-nodeport (:30080) from ext: a remote pod sees the node");
  for (const char* node : {"n1", "n2"}) {
    for (int i = 0; i < 3; ++i) {
      // Pods on that node see ext itself; pods on the other node see the node (SNAT).
      prober.probe("ext", {.address = lab.node(node).ipv4, .port = 30080}, true,
                   {all, lab.ext().ipv4.to_string(), node});
    }
  }
  prober.header(
      "LoadBalancer demo/web-lb 192.168.60.10:80, externalTrafficPolicy=Local: "
      "n1's pods, see the client");
  for (int i = 0; i < 4; ++i) {
    prober.probe("ext", {.address = ip("192.168.60.10"), .port = 80}, true,
                 {{"p1a", "p1b"}, lab.ext().ipv4.to_string(), ""});
  }
  std::printf("\nHealth-check node port of demo/web-lb (a load balancer asks every node):\n");
  showHealthCheck(lab, "n1");
  showHealthCheck(lab, "n2");

  std::printf("\n$ sluice service list   (on n1)\n");
  std::fflush(stdout);
  auto list = lab.run(lab.node("n1").netns,
                      {SLUICE_CLI, "--socket", sockets + "n1.sock", "service", "list"});
  if (list) {
    std::fputs(list->stdout_text.c_str(), stdout);
    std::fputs(list->stderr_text.c_str(), stderr);
  }
  std::printf("\n%d of %d probes ok.\n", prober.passed(), prober.total());
  return prober.passed() == prober.total() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  DemoOptions options;
  int exit_code = 0;
  if (!parseOptions(argc, argv, options, &exit_code)) return exit_code;

  // Ctrl-C and SIGTERM are waited for below (sigwait): blocked before any thread exists, so
  // every thread inherits the mask, and one that arrives during set-up ends the demo normally.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  if (auto logging = sluice::base::setupLogging({.name = "sluice-demo"}); !logging) {
    std::fprintf(stderr, "%s\n", logging.error().toString().c_str());
    return 2;
  }
  if (const std::string problem = lab::labProblem(); !problem.empty()) {
    std::fprintf(stderr, "sluice-demo: %s\n", problem.c_str());
    return 2;
  }
  auto bpffs = sluice::testing::PrivateBpffs::create();
  if (!bpffs) {
    std::fprintf(stderr, "sluice-demo: %s\n", bpffs.error().toString().c_str());
    return 2;
  }
  auto created = lab::Lab::create({.nodes = 2, .pods_per_node = 2});
  if (!created) {
    std::fprintf(stderr, "sluice-demo: %s\n", created.error().toString().c_str());
    return 2;
  }
  const int result = runDemo(**created, options, bpffs->path());
  std::fflush(stdout);
  if (!options.once && result != 2) {
    std::printf(
        "\nThe cluster stays up. Try, e.g.:\n"
        "  ip netns exec %s %s --socket %s.n1.sock backend list demo/web\n"
        "  ip netns exec %s %s --socket %s.n1.sock explain tcp 10.244.1.2:40000 10.96.0.10:80\n"
        "  edit a file in %s and watch the agents apply it\n"
        "Press Ctrl-C to tear it down.\n",
        (*created)->node("n1").netns.c_str(), SLUICE_CLI, bpffs->path().c_str(),
        (*created)->node("n1").netns.c_str(), SLUICE_CLI, bpffs->path().c_str(),
        options.manifests.c_str());
    std::fflush(stdout);
    int received = 0;
    sigwait(&stop_signals, &received);
    std::printf("\nGot %s; tearing the cluster down.\n", received == SIGINT ? "Ctrl-C" : "SIGTERM");
  }
  created->reset();
  std::printf("Lab removed.\n");
  return result;
}
