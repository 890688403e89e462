// sluice-agent end to end: one agent per lab node, serving deploy/examples from a manifest
// directory (a copy the test edits), programming the real eBPF data plane. Traffic is real TCP and
// UDP between lab namespaces; the assertions are what a user checks — which pod answered, which
// source address it saw, what /healthz, the health-check node port, /metrics and `sluice` say.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <thread>

#include "../ebpf/private_bpffs.h"
#include "sluice/ebpf/ebpf_dataplane.h"
#include "sluice/lab/http_client.h"
#include "sluice/lab/lab_test.h"
#include "sluice/lab/run_in_netns.h"
#include "sluice/lab/tcp_client.h"
#include "sluice/lab/udp_client.h"

namespace sluice::testing {
namespace {

namespace fs = std::filesystem;
using lab::SocketAddress;
using std::chrono::milliseconds;
using std::chrono::seconds;

base::IpAddress ip(const char* text) { return base::parseIpAddress(text).value(); }

// The value after "name " on its own line of Prometheus text; -1 when absent. (No std::regex:
// GCC 12 reports false positives inside it under the sanitizers.)
double metricValue(const std::string& text, const std::string& name) {
  const std::string key = "\n" + name + " ";
  const auto at = text.find(key);
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + key.size()));
}

// A table row (whitespace-separated cells) whose cells start with `prefixes`, in order.
bool hasRow(const std::string& table, const std::vector<std::string>& prefixes) {
  std::istringstream lines(table);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream cells(line);
    std::vector<std::string> row{std::istream_iterator<std::string>(cells), {}};
    if (row.size() < prefixes.size()) continue;
    bool match = true;
    for (std::size_t i = 0; i < prefixes.size(); ++i)
      match = match && row[i].starts_with(prefixes[i]);
    if (match) return true;
  }
  return false;
}

const SocketAddress kWeb{.address = ip("10.96.0.10"), .port = 80};
const SocketAddress kWebV6{.address = ip("fd00:96::10"), .port = 80};
const SocketAddress kDns{.address = ip("10.96.0.10"), .port = 53};
const SocketAddress kLoadBalancer{.address = ip("192.168.60.10"), .port = 80};

class AgentLab : public lab::LabTest {
 protected:
  void SetUp() override {
    LabTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(lab().startEchoInAllPods({.port = 8080}));
    auto bpffs = PrivateBpffs::create();
    ASSERT_TRUE(bpffs.has_value()) << bpffs.error().toString();
    bpffs_.emplace(std::move(*bpffs));
    manifests_ = bpffs_->path() + ".manifests";
    fs::create_directories(manifests_);
    for (const auto& entry : fs::directory_iterator(SLUICE_EXAMPLES_DIR)) {
      fs::copy_file(entry.path(), fs::path(manifests_) / entry.path().filename());
    }
    // The load-balancer IP is routed to n1, as an announcement would do.
    ASSERT_TRUE(lab().ip(lab().ext().netns,
                         "route add 192.168.60.10/32 via " + lab().node("n1").ipv4.to_string()));
  }
  void TearDown() override {
    agents_.clear();
    LabTest::TearDown();
    if (!manifests_.empty()) fs::remove_all(manifests_);
  }

  std::string socketOf(const std::string& node) const { return manifests_ + "." + node + ".sock"; }

  // Starts the agent of `node` and waits until its /healthz says it is synced.
  lab::Process* startAgent(const std::string& node) {
    const lab::NodeInfo& info = lab().node(node);
    std::vector<std::string> argv = {SLUICE_AGENT,
                                     "--manifests=" + manifests_,
                                     "--hostname-override=" + node,
                                     "--bpffs=" + bpffs_->path(),
                                     "--pin-subdir=" + node,
                                     "--maglev-size=1021",
                                     "--pod-interfaces=p*",
                                     "--external-interfaces=" + info.external_interface,
                                     "--nodeport-addresses=192.168.50.0/24,fd00:50::/64",
                                     "--api-socket=" + socketOf(node),
                                     "--metrics-bind-address=127.0.0.1:10249",
                                     "--healthz-bind-address=0.0.0.0:10256",
                                     "--sync-period=500ms"};
    auto process =
        lab().spawn(info.netns, argv, {.name = "sluice-agent-" + node, .capture_stderr = true});
    EXPECT_TRUE(process.has_value()) << process.error().toString();
    if (!process) return nullptr;
    agents_[node] = *process;
    const base::Status healthy = lab::waitFor(
        "the agent's /healthz to say 200",
        [&] {
          auto answer =
              lab::httpGet(lab().ext().netns, {.address = info.ipv4, .port = 10256}, "/healthz");
          return answer && answer->status_line == "HTTP/1.1 200 OK";
        },
        lab::deadlineAfter(seconds(20)));
    EXPECT_TRUE(healthy.has_value()) << healthy.error().toString() << "\n"
                                     << (*process)->errorOutput();
    return healthy ? *process : nullptr;
  }

  // Which pods answer `count` new connections from `netns`, and the source addresses they saw.
  struct Answers {
    std::set<std::string> pods;
    std::set<std::string> peers;
    int failures = 0;
  };
  Answers ask(const std::string& netns, const SocketAddress& to, int count, bool udp = false) {
    Answers out;
    for (int i = 0; i < count; ++i) {
      auto reply = udp ? lab::udpEcho(to, {.netns = netns, .timeout = milliseconds(1000)})
                       : lab::tcpEcho(to, {.netns = netns, .timeout = milliseconds(1000)});
      if (!reply) {
        ++out.failures;
        continue;
      }
      out.pods.insert(reply->name);
      // A pod that reaches itself through the service sees the hairpin address instead.
      if (lab().findPod(reply->name) == nullptr || lab().findPod(reply->name)->netns != netns) {
        out.peers.insert(reply->peer.address.to_string());
      }
    }
    return out;
  }

  lab::CommandResult cli(const std::string& node, std::vector<std::string> args) {
    std::vector<std::string> argv = {SLUICE_CLI, "--socket", socketOf(node)};
    argv.insert(argv.end(), args.begin(), args.end());
    auto run = lab().run(lab().node(node).netns, argv);
    EXPECT_TRUE(run.has_value()) << run.error().toString();
    return run ? *run : lab::CommandResult{};
  }

  void writeManifest(const std::string& name, const std::string& text) {
    const fs::path tmp = fs::path(manifests_) / ("." + name + ".tmp");
    std::ofstream(tmp) << text;
    fs::rename(tmp, fs::path(manifests_) / name);
  }

  std::optional<PrivateBpffs> bpffs_;
  std::string manifests_;
  std::map<std::string, lab::Process*> agents_;
};

TEST_F(AgentLab, ServesEveryServiceTypeFromTheExamples) {
  ASSERT_NE(startAgent("n1"), nullptr);
  ASSERT_NE(startAgent("n2"), nullptr);
  const std::string p1a = lab().pod("p1a").netns;

  // ClusterIP, both families and UDP: every pod answers, and sees the client pod itself.
  const Answers web = ask(p1a, kWeb, 60);
  EXPECT_EQ(web.failures, 0);
  EXPECT_EQ(web.pods, (std::set<std::string>{"p1a", "p1b", "p2a", "p2b"}));
  EXPECT_EQ(web.peers, (std::set<std::string>{"10.244.1.2"}));
  const Answers web6 = ask(lab().pod("p2b").netns, kWebV6, 40);
  EXPECT_EQ(web6.failures, 0);
  EXPECT_EQ(web6.pods.size(), 4U);
  EXPECT_EQ(web6.peers, (std::set<std::string>{"fd00:244:2::3"}));
  const Answers dns = ask(p1a, kDns, 40, /*udp=*/true);
  EXPECT_EQ(dns.failures, 0);
  EXPECT_EQ(dns.pods.size(), 4U);

  // NodePort from outside, on both nodes.
  for (const char* node : {"n1", "n2"}) {
    const Answers nodeport =
        ask(lab().ext().netns, {.address = lab().node(node).ipv4, .port = 30080}, 40);
    EXPECT_EQ(nodeport.failures, 0) << node;
    EXPECT_EQ(nodeport.pods.size(), 4U) << node;
  }

  // LoadBalancer with externalTrafficPolicy=Local: n1's pods only, and they see the client.
  const Answers lb = ask(lab().ext().netns, kLoadBalancer, 40);
  EXPECT_EQ(lb.failures, 0);
  EXPECT_EQ(lb.pods, (std::set<std::string>{"p1a", "p1b"}));
  EXPECT_EQ(lb.peers, (std::set<std::string>{lab().ext().ipv4.to_string()}));

  // Its health-check node port: 200 with two local endpoints on n1.
  auto check = lab::httpGet(lab().ext().netns, {.address = lab().node("n1").ipv4, .port = 32000});
  ASSERT_TRUE(check.has_value()) << check.error().toString();
  EXPECT_EQ(check->status_line, "HTTP/1.1 200 OK");
  EXPECT_NE(check->body.find(R"("localEndpoints":2)"), std::string::npos) << check->body;

  // The CLI on n1's socket lists the services, and explains a flow to the ClusterIP.
  auto list = cli("n1", {"service", "list"});
  EXPECT_EQ(list.status.code, 0) << list.stderr_text;
  EXPECT_NE(list.stdout_text.find("demo/web:http/TCP/IPv4"), std::string::npos) << list.stdout_text;
  EXPECT_NE(list.stdout_text.find("demo/web-lb:http/TCP/IPv4/external"), std::string::npos);
  // The connections p1a made are tracked on its node, client side.
  auto ct = cli("n1", {"ct", "list"});
  EXPECT_EQ(ct.status.code, 0) << ct.stderr_text;
  EXPECT_TRUE(hasRow(ct.stdout_text, {"TCP", "10.244.1.2:", "10.96.0.10:80", "10.244."}))
      << ct.stdout_text;
  auto explain = cli("n1", {"explain", "tcp", "10.244.1.2:40000", "10.96.0.10:80"});
  EXPECT_EQ(explain.status.code, 0) << explain.stderr_text;
  EXPECT_NE(explain.stdout_text.find("Maglev slot"), std::string::npos) << explain.stdout_text;
}

// The agent's explain names the backend the data plane then really picks: same hash, same table.
TEST_F(AgentLab, ExplainPredictsTheBackendThatAnswers) {
  ASSERT_NE(startAgent("n1"), nullptr);
  ASSERT_NE(startAgent("n2"), nullptr);
  const lab::PodInfo& client = lab().pod("p1b");
  for (std::uint16_t port = 41000; port < 41010; ++port) {
    auto explain =
        cli("n1", {"-o", "json", "explain", "tcp",
                   client.ipv4.to_string() + ":" + std::to_string(port), "10.96.0.10:80"});
    ASSERT_EQ(explain.status.code, 0) << explain.stderr_text;
    const std::string backend(boost::json::parse(explain.stdout_text).at("backend").as_string());
    ASSERT_TRUE(backend.ends_with(":8080")) << explain.stdout_text;
    const std::string predicted = backend.substr(0, backend.size() - 5);
    auto reply = lab::tcpEcho(kWeb, {.netns = client.netns, .source_port = port});
    ASSERT_TRUE(reply.has_value()) << reply.error().toString();
    const lab::PodInfo* answered = lab().findPod(reply->name);
    ASSERT_NE(answered, nullptr);
    EXPECT_EQ(answered->ipv4.to_string(), predicted) << "source port " << port;
  }
}

TEST_F(AgentLab, EndpointChangesApplyAndBadFilesChangeNothing) {
  ASSERT_NE(startAgent("n1"), nullptr);
  const std::string p1a = lab().pod("p1a").netns;

  // p2b leaves the ClusterIP: new connections stop reaching it within a second.
  std::string clusterip;
  {
    std::ifstream in(fs::path(manifests_) / "clusterip.yaml");
    std::stringstream text;
    text << in.rdbuf();
    clusterip = text.str();
  }
  const std::string p2b_line =
      "  - {addresses: [10.244.2.3], nodeName: n2, zone: zone-b, conditions: {ready: true}}\n";
  ASSERT_NE(clusterip.find(p2b_line), std::string::npos);
  std::string without = clusterip;
  without.erase(without.find(p2b_line), p2b_line.size());
  const auto changed = std::chrono::steady_clock::now();
  writeManifest("clusterip.yaml", without);
  ASSERT_TRUE(lab::waitFor(
      "p2b to leave the ClusterIP",
      [&] {
        const Answers a = ask(p1a, kWeb, 20);
        return a.failures == 0 && !a.pods.contains("p2b") && a.pods.size() == 3;
      },
      lab::deadlineAfter(seconds(5))));
  EXPECT_LT(std::chrono::steady_clock::now() - changed, seconds(2));

  // A broken file: reported, and everything keeps working as it was.
  writeManifest("broken.yaml",
                "kind: Service\nmetadata: {name: x}\nspec:\n  ports: [{port: -1}]\n");
  ASSERT_TRUE(lab::waitFor(
      "the agent to report the bad file",
      [&] { return agents_["n1"]->errorOutput().find("broken.yaml:4") != std::string::npos; },
      lab::deadlineAfter(seconds(5))));
  const Answers after = ask(p1a, kWeb, 20);
  EXPECT_EQ(after.failures, 0);
  EXPECT_EQ(after.pods.size(), 3U);
  auto healthz = lab::httpGet(lab().ext().netns, {.address = lab().node("n1").ipv4, .port = 10256},
                              "/healthz");
  ASSERT_TRUE(healthz.has_value());
  EXPECT_EQ(healthz->status_line, "HTTP/1.1 200 OK");
}

// Someone deletes a frontend and detaches a program behind the agent's back: the self-check puts
// both back and counts them.
TEST_F(AgentLab, DriftIsRepairedAndCounted) {
  ASSERT_NE(startAgent("n1"), nullptr);
  // The deletion needs no namespace (maps are pinned in the bpffs); open the pins and delete.
  auto deleted = lab::runInNetns(lab().node("n1").netns, [&]() -> base::Status {
    auto dp = ebpf::EbpfDataplane::open(
        {.bpffs = bpffs_->path(), .pin_subdir = "n1", .maglev_size = 1021});
    if (!dp) return base::fail(dp.error());
    return (*dp)->deleteFrontend(
        {.address = ip("10.96.0.10"), .port = 80, .protocol = dataplane::Protocol::kTcp});
  });
  ASSERT_TRUE(deleted.has_value()) << deleted.error().toString();
  // And someone removes the tc filters from p1b's veth.
  auto removed =
      lab().run(lab().node("n1").netns, {"tc", "filter", "del", "dev", "p1b", "ingress"});
  ASSERT_TRUE(removed.has_value() && removed->status.code == 0)
      << (removed ? removed->stderr_text : removed.error().toString());
  ASSERT_TRUE(lab::waitFor(
      "the ClusterIP to answer again",
      [&] {
        return ask(lab().pod("p1a").netns, kWeb, 3).failures == 0 &&
               ask(lab().pod("p1b").netns, kWeb, 3).failures == 0;
      },
      lab::deadlineAfter(seconds(5))));
  auto metrics = cli("n1", {"metrics"});
  EXPECT_GE(metricValue(metrics.stdout_text, "sluice_drift_repairs_total"), 2.0)
      << "the frontend and the attachment:\n"
      << metrics.stdout_text;
  EXPECT_NE(metrics.stdout_text.find("kubeproxy_sync_proxy_rules_duration_seconds_count"),
            std::string::npos);
}

// SIGKILL the agent under traffic and start it again: nothing fails, nothing is rewritten.
TEST_F(AgentLab, RestartUnderTrafficLosesNothing) {
  lab::Process* n1 = startAgent("n1");
  ASSERT_NE(n1, nullptr);
  const std::string client = lab().pod("p1a").netns;
  std::atomic<bool> stop = false;
  std::atomic<int> attempts = 0;
  std::vector<std::string> failures;
  std::thread traffic([&] {
    while (!stop) {
      auto tcp = lab::tcpEcho(kWeb, {.netns = client, .timeout = milliseconds(1000)});
      auto nodeport = lab::tcpEcho({.address = lab().node("n1").ipv4, .port = 30080},
                                   {.netns = lab().ext().netns, .timeout = milliseconds(1000)});
      attempts += 2;
      if (!tcp) failures.push_back("clusterip: " + tcp.error().toString());
      if (!nodeport) failures.push_back("nodeport: " + nodeport.error().toString());
    }
  });
  ASSERT_TRUE(n1->signal(SIGKILL));
  ASSERT_TRUE(lab::waitFor(
      "the agent to die", [&] { return !n1->running(); }, lab::deadlineAfter(seconds(5))));
  std::this_thread::sleep_for(milliseconds(300));
  lab::Process* again = startAgent("n1");
  std::this_thread::sleep_for(milliseconds(300));
  stop = true;
  traffic.join();
  ASSERT_NE(again, nullptr);
  EXPECT_GT(attempts.load(), 10);
  EXPECT_TRUE(failures.empty()) << failures.size() << " of " << attempts.load()
                                << " failed; first: " << failures.front();
  // The restarted agent found everything as it wanted it: it adopted, and wrote nothing.
  auto status = cli("n1", {"-o", "json", "status"});
  EXPECT_EQ(boost::json::parse(status.stdout_text).at("sync_errors").to_number<int>(), 0)
      << status.stdout_text;
  auto metrics = cli("n1", {"metrics"});
  EXPECT_NE(metrics.stdout_text.find("sluice_dataplane_writes_total 0\n"), std::string::npos)
      << metrics.stdout_text;
}

}  // namespace
}  // namespace sluice::testing
