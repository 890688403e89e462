// The agent against a local API server that speaks the list/watch protocol (tests/kube): objects
// listed and watched become data-plane state; deletions arrive; an unreachable API server
// flushes nothing, and the agent catches up when it returns. Fake data plane, no root.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <ctime>
#include <filesystem>
#include <thread>

#include "fake_apiserver.h"
#include "sluice/controlplane/agent.h"

namespace sluice::controlplane {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr const char* kServices = "/api/v1/services";
constexpr const char* kSlices = "/apis/discovery.k8s.io/v1/endpointslices";
constexpr const char* kNodes = "/api/v1/nodes";

boost::json::object json(const std::string& text) { return boost::json::parse(text).as_object(); }

boost::json::object service(const std::string& name, const std::string& ip) {
  return json(R"({"kind":"Service","apiVersion":"v1","metadata":{"name":")" + name +
              R"(","namespace":"shop"},"spec":{"type":"ClusterIP","clusterIP":")" + ip +
              R"(","ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":8080}]}})");
}

boost::json::object slice(const std::string& service_name, const std::vector<std::string>& ips) {
  std::string endpoints;
  for (const auto& ip : ips) {
    if (!endpoints.empty()) endpoints += ",";
    endpoints += R"({"addresses":[")" + ip + R"("],"conditions":{"ready":true},"nodeName":"n2"})";
  }
  return json(R"({"kind":"EndpointSlice","apiVersion":"discovery.k8s.io/v1","metadata":{"name":")" +
              service_name +
              R"(-abc","namespace":"shop","labels":{"kubernetes.io/service-name":")" +
              service_name + R"("}},"addressType":"IPv4","ports":[{"name":"http","port":8080,)" +
              R"("protocol":"TCP"}],"endpoints":[)" + endpoints + "]}");
}

bool waitFor(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return false;
}

// One GET to 127.0.0.1:port; the status line and body ("" when nothing answers).
std::pair<std::string, std::string> httpGet(std::uint16_t port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof(to)) == 0) {
    const std::string request = "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    (void)::send(fd, request.data(), request.size(), 0);
    char buffer[4096];
    ssize_t n = 0;
    while ((n = ::recv(fd, buffer, sizeof(buffer), 0)) > 0)
      response.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const auto line_end = response.find("\r\n");
  const auto body = response.find("\r\n\r\n");
  return {response.substr(0, line_end == std::string::npos ? 0 : line_end),
          body == std::string::npos ? "" : response.substr(body + 4)};
}

std::size_t backendCount(const Agent& agent, const std::string& name) {
  auto backends = agent.backends(name);
  return backends ? backends->size() : 0;
}

TEST(AgentKubeTest, ListsWatchesAndSurvivesAnApiServerOutage) {
  sluice::testing::FakeApiServer api;
  api.upsert(kServices, service("web", "10.96.0.10"));
  api.upsert(kSlices, slice("web", {"10.244.2.2", "10.244.2.3"}));
  api.upsert(kNodes, json(R"({"kind":"Node","metadata":{"name":"n1","labels":)"
                          R"({"topology.kubernetes.io/zone":"a"}}})"));
  const fs::path dir = fs::temp_directory_path() / ("sluice-kube-" + std::to_string(getpid()));
  const auto healthz_port = static_cast<std::uint16_t>(20000 + getpid() % 20000);
  fs::create_directories(dir);

  std::vector<std::string> args = {
      "sluice-agent",
      "--master=" + api.url(),
      "--dataplane=fake",
      "--hostname-override=n1",
      "--metrics-bind-address=127.0.0.1:0",
      "--healthz-bind-address=127.0.0.1:" + std::to_string(healthz_port),
      "--api-socket=" + (dir / "agent.sock").string()};
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  auto parsed = parseAgentOptions(static_cast<int>(argv.size()), argv.data());
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
    fs::path dir;
    ~Joiner() {
      agent.requestStop();
      if (thread.joinable()) thread.join();
      fs::remove_all(dir);
    }
  } joiner{**agent, loop, dir};

  // Listed: the service and both endpoints, and the source reports synced; /healthz says 200.
  ASSERT_TRUE(waitFor([&] { return backendCount(**agent, "shop/web") == 2; }));
  EXPECT_TRUE((*agent)->status().synced);
  ASSERT_TRUE(
      waitFor([&] { return httpGet(healthz_port, "/healthz").first == "HTTP/1.1 200 OK"; }));
  EXPECT_NE(httpGet(healthz_port, "/healthz").second.find(R"("nodeEligible":true)"),
            std::string::npos);
  EXPECT_EQ((*agent)->status().source, "kubernetes " + api.url());

  // Watched: an endpoint leaves (the endpoints controller stamped when it saw the change; the
  // time from that stamp to the data plane is kube-proxy's network programming latency).
  auto shrunk = slice("web", {"10.244.2.2"});
  const auto stamp = std::chrono::system_clock::now() - std::chrono::milliseconds(250);
  const std::time_t stamp_s = std::chrono::system_clock::to_time_t(stamp);
  char text[32];
  std::tm utc{};
  gmtime_r(&stamp_s, &utc);
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  shrunk["metadata"].as_object()["annotations"] =
      boost::json::object{{"endpoints.kubernetes.io/last-change-trigger-time", text}};
  api.upsert(kSlices, shrunk);
  ASSERT_TRUE(waitFor([&] { return backendCount(**agent, "shop/web") == 1; }));
  const std::string metrics = (*agent)->metricsText();
  EXPECT_NE(metrics.find("kubeproxy_network_programming_duration_seconds_count 1\n"),
            std::string::npos)
      << metrics;
  api.upsert(kServices, service("db", "10.96.0.20"));
  api.upsert(kSlices, slice("db", {"10.244.2.9"}));
  ASSERT_TRUE(waitFor([&] { return backendCount(**agent, "shop/db") == 1; }));

  // The API server goes away: nothing is flushed while it is gone.
  api.setDown(true);
  std::this_thread::sleep_for(milliseconds(1500));
  EXPECT_EQ((*agent)->services().size(), 2U);
  // Meanwhile "web" is deleted and history compacted; the agent catches up when it returns.
  api.remove(kServices, "shop", "web");
  api.remove(kSlices, "shop", "web-abc");
  api.compact();
  api.setDown(false);
  ASSERT_TRUE(waitFor([&] { return (*agent)->services().size() == 1; }))
      << (*agent)->services().size() << " services";
  EXPECT_EQ((*agent)->services().front().name, "shop/db:http/TCP/IPv4");
  EXPECT_GT((*agent)->status().watch_restarts, 0U);

  // An object that does not decode is reported and ignored; the rest keeps working.
  auto bad = service("odd", "10.96.0.30");
  bad["spec"].as_object()["ports"].as_array()[0].as_object()["port"] = 70000;
  api.upsert(kServices, bad);
  api.upsert(kServices, service("late", "10.96.0.40"));
  ASSERT_TRUE(waitFor([&] { return (*agent)->services().size() == 2; }));
  EXPECT_FALSE((*agent)->backends("shop/odd"));

  // The node is being deleted: /healthz turns 503 so load balancers drain it; /livez stays 200.
  api.upsert(kNodes,
             json(R"({"kind":"Node","metadata":{"name":"n1","deletionTimestamp":)"
                  R"("2026-11-22T10:00:00Z","labels":{"topology.kubernetes.io/zone":"a"}}})"));
  ASSERT_TRUE(waitFor([&] {
    return httpGet(healthz_port, "/healthz").first == "HTTP/1.1 503 Service Unavailable";
  }));
  EXPECT_NE(httpGet(healthz_port, "/healthz").second.find(R"("nodeEligible":false)"),
            std::string::npos);
  EXPECT_EQ(httpGet(healthz_port, "/livez").first, "HTTP/1.1 200 OK");
}

}  // namespace
}  // namespace sluice::controlplane
