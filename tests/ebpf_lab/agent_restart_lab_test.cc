// The process that programs the data plane (sluice-ebpf here, sluice-agent later) is killed with
// SIGKILL and started again while traffic flows: pinned maps and kernel-held attachments keep
// forwarding meanwhile, and the new process re-attaches without flushing. Not one connection
// may be reset or fail, established or new.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "../ebpf/private_bpffs.h"
#include "sluice/lab/http_client.h"
#include "sluice/lab/lab_test.h"
#include "sluice/lab/tcp_client.h"
#include "sluice/lab/udp_client.h"

namespace sluice::testing {
namespace {

using lab::SocketAddress;
using std::chrono::milliseconds;

const SocketAddress kWeb{.address = base::parseIpAddress("10.96.0.10").value(), .port = 80};
const SocketAddress kNodePort{.address = base::parseIpAddress("192.168.50.1").value(),
                              .port = 30080};

class AgentRestartLab : public lab::LabTest {
 protected:
  void SetUp() override {
    LabTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    for (const char* pod : {"p1b", "p2a", "p2b"}) {
      ASSERT_TRUE(lab().startEcho(lab().pod(pod), {.port = 8080}));
    }
    auto fs = PrivateBpffs::create();
    ASSERT_TRUE(fs.has_value()) << fs.error().toString();
    bpffs_.emplace(std::move(*fs));
    services_ = bpffs_->path() + ".services";
    std::ofstream(services_) << "frontend 10.96.0.10:80/tcp service=1\n"
                                "frontend 10.96.0.10:80/udp service=2\n"
                                "backend service=1 10.244.1.3:8080\n"
                                "backend service=1 10.244.2.2:8080\n"
                                "backend service=1 10.244.2.3:8080\n"
                                "backend service=2 10.244.1.3:8080\n"
                                "backend service=2 10.244.2.2:8080\n"
                                "backend service=2 10.244.2.3:8080\n"
                                "frontend 192.168.50.1:30080/tcp service=3 kind=nodeport\n"
                                "backend service=3 10.244.1.3:8080\n"
                                "backend service=3 10.244.2.2:8080\n";
  }
  void TearDown() override {
    if (!services_.empty()) std::remove(services_.c_str());
    LabTest::TearDown();
  }

  // Starts the programming process for a node and waits until it has applied everything.
  lab::Process* startAgent(const std::string& node) { return startAgent(node, services_); }
  lab::Process* startAgent(const std::string& node, const std::string& services) {
    std::vector<std::string> argv = {SLUICE_EBPF_TOOL, "apply",        services, "--bpffs",
                                     bpffs_->path(),   "--pin-subdir", node,     "--maglev-size",
                                     "1021",           "--stay"};
    for (const lab::PodInfo* pod : lab().podsOn(node)) {
      argv.insert(argv.end(), {"--attach-pod", pod->node_interface});
    }
    const lab::NodeInfo& info = lab().node(node);
    argv.insert(argv.end(), {"--attach-external", info.external_interface, "--node-ipv4",
                             info.ipv4.to_string()});
    auto process = lab().spawn(lab().node(node).netns, argv,
                               {.name = "sluice-ebpf-" + node, .capture_stderr = true});
    EXPECT_TRUE(process.has_value()) << process.error().toString();
    if (!process) return nullptr;
    auto ready = (*process)->waitForLine("ready", lab::deadlineAfter(std::chrono::seconds(20)));
    EXPECT_TRUE(ready.has_value()) << ready.error().toString() << (*process)->errorOutput();
    return ready ? *process : nullptr;
  }

  std::optional<PrivateBpffs> bpffs_;
  std::string services_;
};

TEST_F(AgentRestartLab, KillingAndRestartingTheAgentUnderTrafficResetsNothing) {
  lab::Process* n1 = startAgent("n1");
  ASSERT_NE(n1, nullptr);
  ASSERT_NE(startAgent("n2"), nullptr);

  const std::string client = lab().pod("p1a").netns;
  std::vector<lab::TcpConnection> established;
  for (int i = 0; i < 50; ++i) {
    auto c = lab::TcpConnection::connect(kWeb, {.netns = client});
    ASSERT_TRUE(c.has_value()) << c.error().toString();
    established.push_back(std::move(*c));
  }

  // New TCP connections and UDP round trips to the ClusterIP, and new connections from outside
  // to a NodePort, back to back, for the whole test.
  std::atomic<bool> stop = false;
  std::atomic<int> attempts = 0;
  std::vector<std::string> failures;
  std::thread traffic([&] {
    while (!stop) {
      auto tcp = lab::tcpEcho(
          kWeb, {.netns = client, .timeout = milliseconds(1000), .reset_on_close = true});
      auto udp = lab::udpEcho(kWeb, {.netns = client, .timeout = milliseconds(1000)});
      auto external = lab::tcpEcho(
          kNodePort,
          {.netns = lab().ext().netns, .timeout = milliseconds(1000), .reset_on_close = true});
      attempts += 3;
      if (!tcp) failures.push_back("new tcp: " + tcp.error().toString());
      if (!udp) failures.push_back("udp: " + udp.error().toString());
      if (!external) failures.push_back("nodeport: " + external.error().toString());
    }
  });
  auto exerciseEstablished = [&](const char* when) {
    for (std::size_t i = 0; i < established.size(); ++i) {
      auto reply = established[i].echo(when, milliseconds(2000));
      EXPECT_TRUE(reply.has_value())
          << when << ", connection " << i << ": " << reply.error().toString();
    }
  };

  exerciseEstablished("before the kill");
  ASSERT_TRUE(n1->signal(SIGKILL));
  ASSERT_TRUE(lab::waitFor(
      "the agent to die", [&] { return !n1->running(); },
      lab::deadlineAfter(std::chrono::seconds(5))));
  exerciseEstablished("while no agent runs");
  std::this_thread::sleep_for(milliseconds(300));  // let new-connection traffic run agent-less
  ASSERT_NE(startAgent("n1"), nullptr);
  exerciseEstablished("after the restart");
  std::this_thread::sleep_for(milliseconds(300));
  stop = true;
  traffic.join();

  EXPECT_GT(attempts.load(), 10);
  EXPECT_TRUE(failures.empty()) << failures.size() << " of " << attempts.load()
                                << " failed; first: " << failures.front();
}

TEST_F(AgentRestartLab, ABadServiceFileChangesNothingProgrammed) {
  ASSERT_NE(startAgent("n1"), nullptr);
  ASSERT_NE(startAgent("n2"), nullptr);
  const std::string bad = services_ + ".bad";
  std::ofstream(bad) << "frontend 10.96.0.10:80/tcp service=1\nbackend service=1 10.244.9.9\n";
  auto run =
      lab().run(lab().node("n1").netns, {SLUICE_EBPF_TOOL, "apply", bad, "--bpffs", bpffs_->path(),
                                         "--pin-subdir", "n1", "--maglev-size", "1021"});
  std::remove(bad.c_str());
  ASSERT_TRUE(run.has_value()) << run.error().toString();
  EXPECT_EQ(run->status.code, 1);
  EXPECT_NE(run->stderr_text.find("line 2: '10.244.9.9' is not ADDRESS:PORT"), std::string::npos)
      << run->stderr_text;
  auto reply = lab::tcpEcho(kWeb, {.netns = lab().pod("p1a").netns});
  EXPECT_TRUE(reply.has_value()) << reply.error().toString();
}

// Each node's process answers the health-check node port from its own view of the service: the
// node with a ready local backend says 200, the node without one 503 (kube-proxy's format).
TEST_F(AgentRestartLab, HealthCheckPortsSayWhetherTheNodeHasLocalEndpoints) {
  const std::string common =
      "frontend 192.168.60.10:80/tcp service=5 kind=loadbalancer local-only\n"
      "healthcheck 31000 service=5 name=shop/web\n";
  const std::string n1_file = services_ + ".n1";
  const std::string n2_file = services_ + ".n2";
  std::ofstream(n1_file) << common << "backend service=5 10.244.1.3:8080 local\n"
                         << "backend service=5 10.244.2.2:8080\n";
  std::ofstream(n2_file) << common << "backend service=5 10.244.1.3:8080\n"
                         << "backend service=5 10.244.2.2:8080 terminating local\n";
  ASSERT_NE(startAgent("n1", n1_file), nullptr);
  ASSERT_NE(startAgent("n2", n2_file), nullptr);
  std::remove(n1_file.c_str());
  std::remove(n2_file.c_str());
  const std::string ext = lab().ext().netns;
  auto n1 = lab::httpGet(ext, {.address = lab().node("n1").ipv4, .port = 31000});
  ASSERT_TRUE(n1.has_value()) << n1.error().toString();
  EXPECT_EQ(n1->status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(n1->body, R"({"service":{"namespace":"shop","name":"web"},"localEndpoints":1,)"
                      R"("serviceProxyHealthy":true})");
  auto n2 = lab::httpGet(ext, {.address = lab().node("n2").ipv4, .port = 31000});
  ASSERT_TRUE(n2.has_value()) << n2.error().toString();
  EXPECT_EQ(n2->status_line, "HTTP/1.1 503 Service Unavailable") << "terminating is not ready";
}

}  // namespace
}  // namespace sluice::testing
