#include "sluice/dataplane/service_spec.h"

#include <gtest/gtest.h>

#include "sluice/dataplane/fake_dataplane.h"

namespace sluice::dataplane {
namespace {

constexpr std::string_view kSpec = R"(
# web: dual-stack is one service per family
frontend 10.96.0.10:80/tcp service=1 affinity=600   # sticky
frontend [fd00:96::10]:80/udp service=2 kind=clusterip
frontend 192.168.50.1:30080/tcp service=1 kind=nodeport local-only dsr allow=10.0.0.0/8 allow=192.168.0.0/16
backend service=1 10.244.1.3:8080
backend service=1 10.244.2.3:8080 weight=3 terminating local
backend service=2 [fd00:244:1::3]:8080 draining
healthcheck 31000 service=1 name=shop/web
)";

TEST(ServiceSpec, ParsesFrontendsAndBackends) {
  auto spec = parseServiceSpec(kSpec);
  ASSERT_TRUE(spec.has_value()) << spec.error().toString();
  ASSERT_EQ(spec->frontends.size(), 3U);
  EXPECT_EQ(toString(spec->frontends[0].key), "10.96.0.10:80/TCP");
  EXPECT_EQ(spec->frontends[0].affinity_timeout_s, 600U);
  EXPECT_EQ(toString(spec->frontends[1].key), "[fd00:96::10]:80/UDP");
  EXPECT_EQ(spec->frontends[2].kind, FrontendKind::kNodePort);
  EXPECT_TRUE(spec->frontends[2].local_only);
  EXPECT_TRUE(spec->frontends[2].dsr);
  ASSERT_EQ(spec->frontends[2].source_ranges.size(), 2U);
  EXPECT_EQ(spec->frontends[2].source_ranges[1].toString(), "192.168.0.0/16");
  ASSERT_EQ(spec->backends.at(1).size(), 2U);
  const Backend& b = spec->backends.at(1)[1];
  EXPECT_EQ(b.weight, 3U);
  EXPECT_EQ(b.state, BackendState::kTerminating);
  EXPECT_TRUE(b.node_local);
  EXPECT_EQ(spec->backends.at(2)[0].state, BackendState::kDraining);
  ASSERT_EQ(spec->health_checks.size(), 1U);
  EXPECT_EQ(spec->health_checks[0].port, 31000);
  EXPECT_EQ(spec->health_checks[0].service_namespace, "shop");
  EXPECT_EQ(spec->health_checks[0].service_name, "web");
  // The local backend of service 1 is terminating: not ready, so none to report.
  EXPECT_EQ(readyLocalBackends(*spec, 1), 0U);
}

TEST(ServiceSpec, AppliesToADataplane) {
  auto spec = parseServiceSpec(kSpec);
  ASSERT_TRUE(spec.has_value());
  FakeDataplane fake;
  ASSERT_TRUE(applyServiceSpec(fake, *spec, 251));
  const std::string dump = fake.dump();
  EXPECT_NE(dump.find("frontend 10.96.0.10:80/TCP -> service 1 ClusterIP affinity=600s"),
            std::string::npos)
      << dump;
  EXPECT_NE(dump.find("backend 10.244.2.3:8080 terminating weight=3 local share=0"),
            std::string::npos)
      << dump;
}

TEST(ServiceSpec, BadLinesAreErrorsNamingTheLine) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"frontend 10.96.0.10:80/tcp", "line 1: frontend without service=<id>"},
      {"frontend 10.96.0.10/tcp service=1", "line 1: '10.96.0.10' is not ADDRESS:PORT"},
      {"frontend 10.96.0.10:80/icmp service=1", "line 1: protocol 'icmp' is not tcp, udp or sctp"},
      {"frontend 10.96.0.10:99999/tcp service=1", "line 1: port '99999' is not a number in range"},
      {"frontend 10.96.0.10:0/tcp service=1", "line 1: port 0 in '10.96.0.10:0'"},
      {"frontend 10.96.0.10:80/tcp service=1 kind=magic", "line 1: kind 'magic' is unknown"},
      {"\n\nfrontend 10.96.0.10:80/tcp service=1 color=red",
       "line 3: unknown frontend option 'color=red'"},
      {"frontend 10.96.0.10:80/tcp service=1\nfrontend 10.96.0.10:80/tcp service=2",
       "line 2: frontend listed twice"},
      {"backend 10.244.1.3:8080", "line 1: backend without service=<id>"},
      {"frontend 10.96.0.10:80/tcp service=1\nbackend service=1 weight=2 10.244.1.3:8080",
       "line 2: weight= before the address"},
      {"backend service=7 10.244.1.3:8080", "backends of service 7 but no frontend"},
      {"service 1", "line 1: unknown statement 'service' (frontend, backend or healthcheck)"},
      {"healthcheck 0 service=1", "line 1: health-check port 0"},
      {"healthcheck 31000", "line 1: healthcheck without service=<id>"},
      {"healthcheck 31000 service=1 name=web", "line 1: name 'web' is not NAMESPACE/NAME"},
  };
  for (const auto& [text, message] : cases) {
    auto spec = parseServiceSpec(text);
    ASSERT_FALSE(spec.has_value()) << text;
    EXPECT_EQ(spec.error().message(), message) << text;
  }
}

TEST(ServiceSpec, ABadBackendSetChangesNothingAlreadyProgrammed) {
  FakeDataplane fake;
  auto good =
      parseServiceSpec("frontend 10.96.0.10:80/tcp service=1\nbackend service=1 10.0.0.1:80");
  ASSERT_TRUE(good.has_value());
  ASSERT_TRUE(applyServiceSpec(fake, *good, 251));
  const std::string before = fake.dump();
  auto duplicate = parseServiceSpec(
      "frontend 10.96.0.10:80/tcp service=1\nbackend service=1 10.0.0.2:80\n"
      "backend service=1 10.0.0.2:80");
  ASSERT_TRUE(duplicate.has_value());
  EXPECT_FALSE(applyServiceSpec(fake, *duplicate, 251));
  EXPECT_EQ(fake.dump(), before);
}

}  // namespace
}  // namespace sluice::dataplane
