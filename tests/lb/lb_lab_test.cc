// sluice-lb with real traffic in the lab: it runs in node n3's namespace on n3's fabric link
// (net_af_packet on the veth, no hugepages), owns LoadBalancer IP 192.168.60.20 (ext reaches it
// on-link: sluice-lb answers the ARP), and sends the external client's TCP and UDP to the pods
// p1a and p2a behind nodes n1 and n2 — by full NAT (the pods see the LB's address), and by DSR
// (IPIP to the pod's node, whose eBPF plane unwraps it and answers the client directly as the
// VIP). What is checked: which pod answered, and which client address it saw.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include "private_bpffs.h"
#include "sluice/lab/http_client.h"
#include "sluice/lab/lab_test.h"
#include "sluice/lab/tcp_client.h"
#include "sluice/lab/udp_client.h"

namespace sluice::testing {
namespace {

using lab::SocketAddress;

constexpr const char* kVip = "192.168.60.20";
constexpr const char* kLbAddress = "192.168.50.200";  // full-NAT source: the LB's own address
constexpr std::uint16_t kPodPort = 8080;

base::IpAddress ip(const char* text) { return base::parseIpAddress(text).value(); }

class LbLab : public lab::LabTest {
 protected:
  [[nodiscard]] lab::LabOptions labOptions() const override {
    return {.nodes = 3, .pods_per_node = 1};
  }

  void SetUp() override {
    LabTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    for (const char* pod : {"p1a", "p2a"}) {
      ASSERT_TRUE(lab().startEcho(lab().pod(pod), {.port = kPodPort}));
    }
    // n3 is the LB machine: its kernel sees copies of what af_packet receives and must not
    // route them (forwarding off); it has no address in the VIP's range.
    const std::string& lb_ns = lab().node("n3").netns;
    for (const char* sysctl : {"net.ipv4.ip_forward=0", "net.ipv6.conf.all.forwarding=0"}) {
      auto r = lab().run(lb_ns, {"sysctl", "-qw", sysctl});
      ASSERT_TRUE(r.has_value() && r->status.success()) << sysctl;
    }
    ASSERT_TRUE(lab().ip(lb_ns, "link set lo up"));  // for /metrics on 127.0.0.1
    // The VIP is on ext's link: ext asks for it by ARP, and sluice-lb answers.
    ASSERT_TRUE(lab().ip(lab().ext().netns, std::string("route add ") + kVip + "/32 dev eth0"));
    services_ = "/tmp/" + lab().prefix() + "lb-services.txt";  // and .nodes
    lab_prefix_ = lab().prefix();
  }
  void TearDown() override {
    if (lb_ != nullptr) {
      EXPECT_TRUE(lb_->stop().success()) << "sluice-lb stops cleanly on SIGTERM";
      // sluice-lb logs its counters when it stops: what a failing test needs to see.
      if (HasFailure()) std::fprintf(stderr, "%s", lb_->errorOutput().c_str());
    }
    if (!services_.empty()) {
      for (const std::string& file : {services_, services_ + ".nodes"}) std::remove(file.c_str());
      std::error_code ignored;
      std::filesystem::remove_all("/tmp/" + lab_prefix_ + "lb", ignored);
    }
    LabTest::TearDown();
  }

  std::string macOf(const std::string& netns) {
    auto r = lab().run(netns, {"ip", "-o", "link", "show", "eth0"});
    if (!r) return "";
    const auto at = r->stdout_text.find("link/ether ");
    return at == std::string::npos ? "" : r->stdout_text.substr(at + 11, 17);
  }

  // sluice-lb on n3's eth0, serving the VIP (TCP and UDP) with pods p1a and p2a as backends
  // (with `empty`, nothing: a control plane programs it through the API).
  void startLb(bool dsr, bool empty = false) {
    if (empty) {
      std::ofstream(services_) << "";
    } else {
      std::ofstream(services_) << "frontend " << kVip << ":80/tcp service=1 kind=loadbalancer\n"
                               << "frontend " << kVip << ":80/udp service=2 kind=loadbalancer\n"
                               << "backend service=1 10.244.1.2:8080\n"
                               << "backend service=1 10.244.2.2:8080\n"
                               << "backend service=2 10.244.1.2:8080\n"
                               << "backend service=2 10.244.2.2:8080\n";
    }
    const std::string n1 = macOf(lab().node("n1").netns);
    const std::string n2 = macOf(lab().node("n2").netns);
    const std::string ext = macOf(lab().ext().netns);
    ASSERT_FALSE(n1.empty() || n2.empty() || ext.empty());
    std::vector<std::string> argv = {SLUICE_LB_BINARY,
                                     "--port",
                                     "net_af_packet0",
                                     "--services",
                                     services_,
                                     "--snat-ipv4",
                                     kLbAddress,
                                     "--neighbor",
                                     "10.244.1.2=" + n1,
                                     "--neighbor",
                                     "10.244.2.2=" + n2,
                                     "--neighbor",
                                     lab().ext().ipv4.to_string() + "=" + ext,
                                     "--maglev-size",
                                     "1021",
                                     "--metrics-bind-address",
                                     "127.0.0.1:9101",
                                     "--api-socket",
                                     apiSocket()};
    if (dsr) argv.emplace_back("--dsr");
    argv.insert(argv.end(), {"--", "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
                             "--no-telemetry", "--file-prefix=" + lab().prefix() + "lb",
                             "--vdev=net_af_packet0,iface=eth0", "-l", "0,1", "--log-level=4"});
    auto process = lab().spawn(lab().node("n3").netns, argv,
                               // Its metrics server may take 2 s to stop (civetweb's poll quantum).
                               {.name = "sluice-lb",
                                .capture_stderr = true,
                                .stop_grace = std::chrono::milliseconds(6000)});
    ASSERT_TRUE(process.has_value()) << process.error().toString();
    lb_ = *process;
    auto ready = lb_->waitForLine("ready", lab::deadlineAfter(std::chrono::seconds(20)));
    ASSERT_TRUE(ready.has_value()) << ready.error().toString() << lb_->errorOutput();
  }

  // Round trips from ext to the VIP from `count` source ports; the names of the pods that
  // answered. Every reply must show `expected_peer` as the client address the pod saw.
  std::set<std::string> probe(bool tcp, int count, const base::IpAddress& expected_peer,
                              int first_port_offset = 0) {
    std::set<std::string> answered;
    const SocketAddress vip{.address = ip(kVip), .port = 80};
    for (int i = 0; i < count; ++i) {
      const lab::ProbeOptions options{
          .netns = lab().ext().netns,
          .source_port = static_cast<std::uint16_t>(42000 + first_port_offset + i),
          .reset_on_close = true};
      auto reply = tcp ? lab::tcpEcho(vip, options) : lab::udpEcho(vip, options);
      EXPECT_TRUE(reply.has_value()) << (tcp ? "tcp: " : "udp: ") << reply.error().toString();
      if (!reply) break;
      EXPECT_EQ(reply->peer.address, expected_peer);
      answered.insert(reply->name);
    }
    return answered;
  }

  [[nodiscard]] std::string apiSocket() const { return "/tmp/" + lab_prefix_ + "lb/api.sock"; }

  std::string services_;
  std::string lab_prefix_;
  lab::Process* lb_ = nullptr;
};

// Full NAT: the pods see the LB's address (and a port of its range), their answers come back
// to the LB, which restores the VIP as source for the client.
TEST_F(LbLab, FullNatTcpAndUdpFromTheExternalClient) {
  startLb(/*dsr=*/false);
  if (HasFatalFailure()) return;
  for (const bool tcp : {true, false}) {
    SCOPED_TRACE(tcp ? "tcp" : "udp");
    EXPECT_EQ(probe(tcp, 16, ip(kLbAddress)), (std::set<std::string>{"p1a", "p2a"}));
  }
  // What sluice-lb counted, as Prometheus scrapes it.
  auto metrics =
      lab::httpGet(lab().node("n3").netns, {.address = ip("127.0.0.1"), .port = 9101}, "/metrics");
  ASSERT_TRUE(metrics.has_value()) << metrics.error().toString();
  for (const char* line : {"sluice_service_connections_total{service_id=\"1\"} 16",
                           "sluice_service_connections_total{service_id=\"2\"} 16",
                           "sluice_drops_total{reason=\"no_backend\"} 0",
                           "sluice_lb_answers_total{worker=\"0\",kind=\"arp\"}"}) {
    EXPECT_NE(metrics->body.find(line), std::string::npos) << line << "\n" << metrics->body;
  }

  // The list re-read on SIGHUP while the lcores forward: p2a and the UDP frontend are gone; new
  // flows go to p1a.
  std::ofstream(services_) << "frontend " << kVip << ":80/tcp service=1 kind=loadbalancer\n"
                           << "backend service=1 10.244.1.2:8080\n";
  ASSERT_TRUE(lb_->signal(SIGHUP));
  ASSERT_TRUE(lb_->waitForLine("reloaded", lab::deadlineAfter(std::chrono::seconds(10))));
  EXPECT_EQ(probe(true, 8, ip(kLbAddress), 100), (std::set<std::string>{"p1a"}));
  // The local gRPC API (sluice-lbctl) changes the backends while the lcores forward.
  auto set = lab().run(lab().node("n3").netns, {SLUICE_LBCTL, "--socket", apiSocket(), "backends",
                                                "set", "1", "10.244.2.2:8080"});
  ASSERT_TRUE(set.has_value()) << set.error().toString();
  ASSERT_TRUE(set->status.success()) << set->stdout_text << set->stderr_text;
  EXPECT_EQ(probe(true, 8, ip(kLbAddress), 200), (std::set<std::string>{"p2a"}));
  // The UDP frontend left the list: nothing answers it any more.
  EXPECT_FALSE(
      lab::udpEcho({.address = ip(kVip), .port = 80}, {.netns = lab().ext().netns,
                                                       .source_port = 42200,
                                                       .timeout = std::chrono::milliseconds(500)}));
}

// DSR: the pods see the client itself; the LB sees only the client's half of each flow.
TEST_F(LbLab, DsrTcpAndUdpFromTheExternalClient) {
  auto fs = PrivateBpffs::create();
  ASSERT_TRUE(fs.has_value()) << fs.error().toString();
  PrivateBpffs bpffs = std::move(*fs);
  // The pods' nodes run Sluice's eBPF plane with the same DSR frontend: it unwraps the LB's
  // IPIP and gives the pods' answers the VIP as source.
  const std::string node_services = services_ + ".nodes";
  std::ofstream(node_services) << "frontend " << kVip << ":80/tcp service=1 kind=loadbalancer dsr\n"
                               << "frontend " << kVip << ":80/udp service=2 kind=loadbalancer dsr\n"
                               << "backend service=1 10.244.1.2:8080\n"
                               << "backend service=1 10.244.2.2:8080\n"
                               << "backend service=2 10.244.1.2:8080\n"
                               << "backend service=2 10.244.2.2:8080\n";
  for (const char* node : {"n1", "n2"}) {
    const lab::NodeInfo& info = lab().node(node);
    auto process = lab().spawn(
        info.netns,
        {SLUICE_EBPF_TOOL, "apply", node_services, "--bpffs", bpffs.path(), "--pin-subdir", node,
         "--maglev-size", "1021", "--attach-pod",
         lab().pod(std::string("p") + node[1] + "a").node_interface, "--attach-external",
         info.external_interface, "--node-ipv4", info.ipv4.to_string(), "--stay"},
        {.name = std::string("sluice-ebpf-") + node, .capture_stderr = true});
    ASSERT_TRUE(process.has_value()) << process.error().toString();
    auto ready = (*process)->waitForLine("ready", lab::deadlineAfter(std::chrono::seconds(20)));
    ASSERT_TRUE(ready.has_value()) << ready.error().toString() << (*process)->errorOutput();
  }
  startLb(/*dsr=*/true);
  if (HasFatalFailure()) return;
  for (const bool tcp : {true, false}) {
    SCOPED_TRACE(tcp ? "tcp" : "udp");
    EXPECT_EQ(probe(tcp, 16, lab().ext().ipv4), (std::set<std::string>{"p1a", "p2a"}));
  }
}

// sluice-agent drives sluice-lb (--dataplane lb:SOCKET): the LB starts empty; the agent reads a
// LoadBalancer Service and its EndpointSlice from a manifest directory and programs them through
// the LB's local API; ext's TCP and UDP then reach both pods through the LB (full NAT).
TEST_F(LbLab, TheAgentProgramsTheLoadBalancerFromManifests) {
  startLb(/*dsr=*/false, /*empty=*/true);
  if (HasFatalFailure()) return;
  const std::filesystem::path dir = "/tmp/" + lab_prefix_ + "lb/manifests";
  std::filesystem::create_directories(dir);
  const auto writeManifest = [&](bool both_pods) {
    std::ofstream(dir / "web.yaml")
        << "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: demo}\n"
        << "spec:\n  type: LoadBalancer\n  clusterIP: 10.96.0.40\n  ports:\n"
        << "    - {name: http, protocol: TCP, port: 80, targetPort: 8080, nodePort: 30100}\n"
        << "    - {name: dns, protocol: UDP, port: 80, targetPort: 8080, nodePort: 30100}\n"
        << "status: {loadBalancer: {ingress: [{ip: " << kVip << "}]}}\n---\n"
        << "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
        << "metadata: {name: web-1, namespace: demo, labels: {kubernetes.io/service-name: web}}\n"
        << "addressType: IPv4\nports: [{name: http, protocol: TCP, port: 8080}, "
        << "{name: dns, protocol: UDP, port: 8080}]\nendpoints: ["
        << (both_pods ? "{addresses: [10.244.1.2], nodeName: n1}, " : "")
        << "{addresses: [10.244.2.2], nodeName: n2}]\n";
  };
  writeManifest(/*both_pods=*/true);
  auto agent = lab().spawn(lab().node("n3").netns,
                           {SLUICE_AGENT_BINARY, "--manifests", dir.string(), "--dataplane",
                            "lb:" + apiSocket(), "--maglev-size", "1021", "--hostname-override",
                            "lb", "--metrics-bind-address", "127.0.0.1:0", "--healthz-bind-address",
                            "127.0.0.1:0", "--api-socket", "/tmp/" + lab_prefix_ + "lb/agent.sock"},
                           {.name = "sluice-agent", .capture_stderr = true});
  ASSERT_TRUE(agent.has_value()) << agent.error().toString();
  // Programmed once the LB lists the VIP (what the agent wrote, read back with sluice-lbctl).
  bool programmed = false;
  for (int i = 0; i < 100 && !programmed; ++i) {
    auto vips =
        lab().run(lab().node("n3").netns, {SLUICE_LBCTL, "--socket", apiSocket(), "vip", "list"});
    programmed = vips.has_value() &&
                 vips->stdout_text.find(std::string(kVip) + ":80/UDP") != std::string::npos;
    if (!programmed) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(programmed) << (*agent)->errorOutput();
  for (const bool tcp : {true, false}) {
    SCOPED_TRACE(tcp ? "tcp" : "udp");
    EXPECT_EQ(probe(tcp, 16, ip(kLbAddress), 300), (std::set<std::string>{"p1a", "p2a"}));
  }
  // An endpoint leaves the slice: the agent takes it out of the LB's table; new flows go to p2a.
  writeManifest(/*both_pods=*/false);
  std::set<std::string> last;
  for (int round = 0; round < 50; ++round) {
    last = probe(true, 4, ip(kLbAddress), 400 + 4 * round);
    if (last == std::set<std::string>{"p2a"}) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(last, (std::set<std::string>{"p2a"}));
  if (HasFailure()) std::fprintf(stderr, "%s", (*agent)->errorOutput().c_str());
}

}  // namespace
}  // namespace sluice::testing
