// The agent as a whole on the fake data plane (no root): flags, a manifest directory in, the
// Inspector views, explain and metrics out.
#include "sluice/controlplane/agent.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

#include "sluice/dataplane/backend_set.h"
#include "sluice/dataplane/fake_dataplane.h"
#include "sluice/dataplane/lb_api.h"

namespace sluice::controlplane {
namespace {

namespace fs = std::filesystem;

base::Result<ParsedOptions> parse(std::vector<std::string> args) {
  std::vector<const char*> argv{"sluice-agent"};
  for (const auto& a : args) argv.push_back(a.c_str());
  return parseAgentOptions(static_cast<int>(argv.size()), argv.data());
}

TEST(AgentOptionsTest, KubeProxyFlagsAndOurs) {
  auto parsed = parse({"--kubeconfig=/etc/k.conf", "--master", "https://10.0.0.1:6443",
                       "--hostname-override=n7", "--cluster-cidr=10.244.0.0/16,fd00:244::/56",
                       "--nodeport-addresses=192.168.0.0/16", "--metrics-bind-address=:10249",
                       "--healthz-bind-address=0.0.0.0:10256", "--lb-mode=dsr", "--sync-period=5s",
                       "--pod-interfaces=veth*,lxc*"});
  ASSERT_TRUE(parsed) << parsed.error().toString();
  const AgentOptions& o = parsed->options;
  EXPECT_EQ(o.kubeconfig, "/etc/k.conf");
  EXPECT_EQ(o.master, "https://10.0.0.1:6443");
  EXPECT_EQ(o.hostname, "n7");
  EXPECT_EQ(o.cluster_cidrs, (std::vector<std::string>{"10.244.0.0/16", "fd00:244::/56"}));
  EXPECT_TRUE(o.dsr);
  EXPECT_EQ(o.sync_period, std::chrono::seconds(5));
  EXPECT_EQ(o.pod_interfaces, (std::vector<std::string>{"veth*", "lxc*"}));
  EXPECT_TRUE(validateAgentOptions(o));
}

TEST(AgentOptionsTest, BadFlagsSayWhich) {
  auto unknown = parse({"--no-such-flag"});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message().find("--no-such-flag"), std::string::npos);
  auto duration = parse({"--sync-period=soon"});
  ASSERT_FALSE(duration);
  EXPECT_NE(duration.error().message().find("\"soon\" is not a"), std::string::npos);
  auto mode = parse({"--lb-mode=magic"});
  ASSERT_FALSE(mode);

  auto cidr = parse({"--manifests=/tmp", "--cluster-cidr=10.0.0.0/33"});
  ASSERT_TRUE(cidr);
  auto valid = validateAgentOptions(cidr->options);
  ASSERT_FALSE(valid);
  EXPECT_EQ(valid.error().message(), "--cluster-cidr: \"10.0.0.0/33\" is not a CIDR");
  auto two = parse({"--manifests=/tmp", "--kubeconfig=/k"});
  ASSERT_TRUE(two);
  EXPECT_FALSE(validateAgentOptions(two->options));
}

TEST(AgentOptionsTest, ConfigFileWithFlagsOverridingIt) {
  const fs::path file =
      fs::temp_directory_path() / ("sluice-agent-" + std::to_string(getpid()) + ".yaml");
  std::ofstream(file) << "apiVersion: kubeproxy.config.k8s.io/v1alpha1\n"
                         "kind: KubeProxyConfiguration\n"
                         "clientConnection: {kubeconfig: /var/lib/kube-proxy/kubeconfig}\n"
                         "hostnameOverride: from-file\n"
                         "nodePortAddresses: [primary]\n"
                         "metricsBindAddress: 127.0.0.1:9999\n"
                         "syncPeriod: 2m\n";
  auto parsed = parse({"--config", file.string(), "--hostname-override=from-flag"});
  fs::remove(file);
  ASSERT_TRUE(parsed) << parsed.error().toString();
  EXPECT_EQ(parsed->options.kubeconfig, "/var/lib/kube-proxy/kubeconfig");
  EXPECT_EQ(parsed->options.hostname, "from-flag");
  EXPECT_EQ(parsed->options.nodeport_addresses, (std::vector<std::string>{"primary"}));
  EXPECT_EQ(parsed->options.metrics_bind, "127.0.0.1:9999");
  EXPECT_EQ(parsed->options.sync_period, std::chrono::minutes(2));

  auto missing = parse({"--config", "/nonexistent/sluice.yaml"});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("/nonexistent/sluice.yaml"), std::string::npos);
}

TEST(AgentOptionsTest, HelpNamesEveryFlag) {
  testing::internal::CaptureStdout();
  auto parsed = parse({"--help"});
  const std::string help = testing::internal::GetCapturedStdout();
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->outcome, ParseOutcome::kExit);
  for (const char* flag :
       {"--kubeconfig", "--master", "--hostname-override", "--cluster-cidr", "--nodeport-addresses",
        "--metrics-bind-address", "--healthz-bind-address", "--config", "--manifests",
        "--api-socket", "--dataplane", "--pod-interfaces", "--external-interfaces", "--cgroup",
        "--lb-mode", "--sync-period", "--maglev-size", "--node-ip"}) {
    EXPECT_NE(help.find(flag), std::string::npos) << flag << " missing from --help";
  }
}

class AgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sluice-agent-test-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "manifests");
    std::ofstream(dir_ / "manifests" / "web.yaml")
        << "kind: Service\nmetadata: {name: web}\n"
           "spec: {clusterIP: 10.96.0.10, ports: [{name: http, port: 80}]}\n"
           "---\nkind: EndpointSlice\napiVersion: discovery.k8s.io/v1\n"
           "metadata: {name: web-1, labels: {kubernetes.io/service-name: web}}\n"
           "addressType: IPv4\nports: [{name: http, port: 8080}]\n"
           "endpoints: [{addresses: [10.244.1.2], nodeName: n1}, {addresses: [10.244.2.2]}]\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
};

TEST_F(AgentTest, ServesManifestsIntoTheDataPlaneAndExplains) {
  auto parsed = parse({"--manifests=" + (dir_ / "manifests").string(), "--dataplane=fake",
                       "--hostname-override=n1", "--metrics-bind-address=127.0.0.1:0",
                       "--healthz-bind-address=127.0.0.1:0",
                       "--api-socket=" + (dir_ / "agent.sock").string()});
  ASSERT_TRUE(parsed) << parsed.error().toString();
  auto agent = Agent::create(parsed->options);
  ASSERT_TRUE(agent) << agent.error().toString();
  std::thread loop([&] {
    auto ran = (*agent)->run();
    EXPECT_TRUE(ran) << ran.error().toString();
  });
  struct Joiner {
    Agent& agent;
    std::thread& thread;
    ~Joiner() {
      agent.requestStop();
      if (thread.joinable()) thread.join();
    }
  } joiner{**agent, loop};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline && (*agent)->services().empty()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const StatusView status = (*agent)->status();
  EXPECT_TRUE(status.synced);
  EXPECT_EQ(status.dataplane, "fake");
  EXPECT_EQ(status.services, 1U);
  const auto services = (*agent)->services();
  ASSERT_EQ(services.size(), 1U);
  EXPECT_EQ(services[0].name, "default/web:http/TCP/IPv4");
  EXPECT_EQ(services[0].backends_ready, 2U);
  auto backends = (*agent)->backends("default/web");
  ASSERT_TRUE(backends);
  ASSERT_EQ(backends->size(), 2U);
  EXPECT_EQ((*backends)[0].node, "n1");
  EXPECT_TRUE((*backends)[0].node_local);
  EXPECT_FALSE((*agent)->backends("default/nope"));

  auto explained = (*agent)->explain(
      {.protocol = "tcp", .source = "10.244.1.7:40000", .destination = "10.96.0.10:80"});
  ASSERT_TRUE(explained) << explained.error().toString();
  EXPECT_TRUE(explained->matched);
  EXPECT_EQ(explained->verdict, "forward");
  EXPECT_TRUE(explained->backend == "10.244.1.2:8080" || explained->backend == "10.244.2.2:8080");
  auto elsewhere = (*agent)->explain(
      {.protocol = "udp", .source = "10.244.1.7:40000", .destination = "10.1.1.1:53"});
  ASSERT_TRUE(elsewhere);
  EXPECT_FALSE(elsewhere->matched);
  EXPECT_FALSE(
      (*agent)->explain({.protocol = "icmp", .source = "1.1.1.1:1", .destination = "2.2.2.2:2"}));
  EXPECT_FALSE(
      (*agent)->explain({.protocol = "tcp", .source = "1.1.1.1", .destination = "2.2.2.2:2"}));

  const std::string metrics = (*agent)->metricsText();
  for (const char* name :
       {"kubeproxy_sync_proxy_rules_duration_seconds_count",
        "kubeproxy_sync_proxy_rules_last_timestamp_seconds",
        "kubeproxy_network_programming_duration_seconds", "sluice_programming_errors_total",
        "sluice_drift_repairs_total", "sluice_services 1"}) {
    EXPECT_NE(metrics.find(name), std::string::npos) << name << " in:\n" << metrics;
  }
  EXPECT_FALSE((*agent)->conntrack(10).value().size() > 0);
}

// `--dataplane lb:SOCKET`: the agent reconciles into a load balancer's data plane through the
// LB's local API (here LbApiServer with the fake data plane behind it, as sluice-lb serves its
// DPDK one). The tables arrive as the agent built them, and a restarted agent adopts them.
TEST_F(AgentTest, ProgramsALoadBalancerThroughItsApi) {
  dataplane::FakeDataplane lb;
  std::mutex lb_mutex;
  const std::string socket = (dir_ / "lb.sock").string();
  auto server = dataplane::LbApiServer::start(socket, lb, lb_mutex, {.maglev_size = 1021});
  ASSERT_TRUE(server) << server.error().toString();

  const auto runAgent = [&](const std::function<void(Agent&)>& check) {
    auto parsed = parse({"--manifests=" + (dir_ / "manifests").string(), "--dataplane=lb:" + socket,
                         "--maglev-size=1021", "--hostname-override=n1",
                         "--metrics-bind-address=127.0.0.1:0", "--healthz-bind-address=127.0.0.1:0",
                         "--api-socket=" + (dir_ / "agent.sock").string()});
    ASSERT_TRUE(parsed) << parsed.error().toString();
    auto agent = Agent::create(parsed->options);
    ASSERT_TRUE(agent) << agent.error().toString();
    std::thread loop([&] { (void)(*agent)->run(); });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline && !(*agent)->status().synced) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    check(**agent);
    (*agent)->requestStop();
    loop.join();
  };

  runAgent([&](Agent& agent) {
    const StatusView status = agent.status();
    EXPECT_TRUE(status.synced);
    EXPECT_EQ(status.dataplane, "fake via " + socket);
    EXPECT_EQ(status.services, 1U);
  });
  auto state = lb.programmed();
  ASSERT_TRUE(state);
  ASSERT_EQ(state->frontends.size(), 1U);
  EXPECT_EQ(dataplane::toString(state->frontends[0].key), "10.96.0.10:80/TCP");
  ASSERT_EQ(state->services.size(), 1U);
  EXPECT_EQ(state->services[0].backends.size(), 2U);
  EXPECT_EQ(state->services[0].maglev.size(), 1021U);
  // The table is the agent's own: the same one its rules give for these endpoints.
  auto expected = dataplane::buildServiceBackends(
      state->services[0].service, state->services[0].backends, {.maglev_size = 1021});
  ASSERT_TRUE(expected);
  EXPECT_EQ(state->services[0].maglev, expected->maglev);

  // A restarted agent reads the LB back and rewrites nothing that did not change.
  const auto before = *state;
  const std::size_t writes = lb.mutations();
  runAgent([&](Agent& agent) { EXPECT_EQ(agent.status().services, 1U); });
  EXPECT_EQ(lb.mutations(), writes);
  EXPECT_EQ(lb.programmed()->services, before.services);
  EXPECT_EQ(lb.programmed()->frontends, before.frontends);

  // Tables of another size would not mean the same thing: refused, with what to do.
  auto mismatched =
      parse({"--manifests=" + (dir_ / "manifests").string(), "--dataplane=lb:" + socket,
             "--maglev-size=16381", "--hostname-override=n1"});
  ASSERT_TRUE(mismatched);
  auto refused = Agent::create(mismatched->options);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("--maglev-size"), std::string::npos)
      << refused.error().toString();
  auto nobody =
      parse({"--manifests=" + (dir_ / "manifests").string(),
             "--dataplane=lb:" + (dir_ / "nobody.sock").string(), "--hostname-override=n1"});
  ASSERT_TRUE(nobody);
  auto unreachable = Agent::create(nobody->options);
  ASSERT_FALSE(unreachable);
  EXPECT_NE(unreachable.error().message().find("no load balancer answers"), std::string::npos);
}

TEST_F(AgentTest, RefusesToStartWithoutASource) {
  auto parsed = parse({"--dataplane=fake", "--hostname-override=n1"});
  ASSERT_TRUE(parsed);
  ::unsetenv("KUBERNETES_SERVICE_HOST");
  auto agent = Agent::create(parsed->options);
  ASSERT_FALSE(agent);
  EXPECT_NE(agent.error().message().find("no source of services"), std::string::npos);
}

}  // namespace
}  // namespace sluice::controlplane
