// Socket-level load balancing (ebpf/bpf/sock.bpf.c) against the real kernel: the programs are
// attached to a cgroup of the test's own, clients run as processes inside that cgroup and inside
// a network namespace of the test's own, where real servers listen on the backend addresses
// (and "decoy" servers on the service addresses themselves, which only untranslated sockets can
// reach). Each test asserts what the application sees — which server answered, what
// getpeername()/recvfrom() say, the errno of a refused call — and what the counters say.
#include "sock_lb.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "client_process.h"
#include "clients.h"
#include "echo_servers.h"
#include "kernel_env.h"

namespace sluice::sock_test {
namespace {

#define ASSERT_OK(expr)                                           \
  do {                                                            \
    const auto& sock_test_result_ = (expr);                       \
    ASSERT_TRUE(sock_test_result_.has_value())                    \
        << #expr << ": " << sock_test_result_.error().toString(); \
  } while (false)

constexpr std::uint8_t kTcp = 6;
constexpr std::uint8_t kUdp = 17;
constexpr std::uint32_t kMaglevSize = 251;

// Services and backend ids. Backend ids belong to one service each, as in production.
constexpr std::uint32_t kWeb = 1;       // 10.96.0.10:80 → 10.244.1.{2,3,4}:8080 (ids 1-3)
constexpr std::uint32_t kWeb6 = 2;      // [fd00:96::10]:80 → [fd00:244:1::{2,3,4}]:8080 (11-13)
constexpr std::uint32_t kEmpty = 3;     // 10.96.0.20:80: a table with no backend
constexpr std::uint32_t kEmpty6 = 4;    // [fd00:96::20]:80: no table at all
constexpr std::uint32_t kSticky = 5;    // 10.96.0.30:80, ClientIP affinity (ids 21-23)
constexpr std::uint32_t kNodePort = 6;  // 192.168.50.1:30080, kind NodePort (id 31)

const std::vector<std::string> kBackendIps = {"10.244.1.2", "10.244.1.3", "10.244.1.4"};
const std::vector<std::string> kBackendIps6 = {"fd00:244:1::2", "fd00:244:1::3", "fd00:244:1::4"};
constexpr std::uint16_t kBackendPort = 8080;

std::vector<Endpoint> backendsOf(const std::vector<std::string>& ips) {
  std::vector<Endpoint> out;
  for (const auto& ip : ips) out.push_back({.ip = ip, .port = kBackendPort});
  return out;
}

std::set<std::string> namesOf(const std::vector<Endpoint>& endpoints) {
  std::set<std::string> out;
  for (const auto& e : endpoints) out.insert(e.toString());
  return out;
}

class SockLbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SOCK_TEST_REQUIRE_ROOT();
    auto fs = PrivateBpffs::create();
    ASSERT_OK(fs);
    bpffs_.emplace(std::move(*fs));

    auto netns = TestNetns::create();
    ASSERT_OK(netns);
    netns_.emplace(std::move(*netns));
    ASSERT_OK(netns_->exec({"ip", "link", "set", "lo", "up"}));
    for (const char* ip :
         {"10.244.1.2", "10.244.1.3", "10.244.1.4", "10.96.0.10", "192.168.50.1"}) {
      ASSERT_OK(netns_->exec({"ip", "addr", "add", std::string(ip) + "/32", "dev", "lo"}));
    }
    for (const char* ip : {"fd00:244:1::2", "fd00:244:1::3", "fd00:244:1::4", "fd00:96::10"}) {
      ASSERT_OK(netns_->exec(
          {"ip", "-6", "addr", "add", std::string(ip) + "/128", "dev", "lo", "nodad"}));
    }
    std::vector<Endpoint> listen = backendsOf(kBackendIps);
    for (const auto& e : backendsOf(kBackendIps6)) listen.push_back(e);
    for (const auto& decoy : decoys()) listen.push_back(decoy);
    auto servers = EchoServers::start(*netns_, listen);
    ASSERT_OK(servers);
    servers_ = std::move(*servers);

    auto lb = SockLb::load(bpffs_->path(), kMaglevSize);
    ASSERT_OK(lb);
    lb_ = std::move(*lb);
    programServices();
    if (HasFatalFailure()) return;

    auto cgroup = TestCgroup::create();
    ASSERT_OK(cgroup);
    cgroup_.emplace(std::move(*cgroup));
    ASSERT_OK(lb_->attach(cgroup_->fd().get()));
  }

  // Servers on the service addresses themselves: whoever reaches one was not translated.
  static std::vector<Endpoint> decoys() {
    return {{.ip = "10.96.0.10", .port = 80},
            {.ip = "10.96.0.10", .port = 81},
            {.ip = "fd00:96::10", .port = 80},
            {.ip = "fd00:96::10", .port = 81},
            {.ip = "192.168.50.1", .port = 30080}};
  }

  void programServices() {
    for (const std::uint8_t proto : {kTcp, kUdp}) {
      ASSERT_OK(lb_->addFrontend(
          {.address = {.ip = "10.96.0.10", .port = 80}, .proto = proto, .service = kWeb}));
      ASSERT_OK(lb_->addFrontend(
          {.address = {.ip = "fd00:96::10", .port = 80}, .proto = proto, .service = kWeb6}));
      ASSERT_OK(lb_->addFrontend(
          {.address = {.ip = "10.96.0.20", .port = 80}, .proto = proto, .service = kEmpty}));
      ASSERT_OK(lb_->addFrontend(
          {.address = {.ip = "fd00:96::20", .port = 80}, .proto = proto, .service = kEmpty6}));
    }
    ASSERT_OK(lb_->addFrontend({.address = {.ip = "10.96.0.30", .port = 80},
                                .proto = kTcp,
                                .service = kSticky,
                                .flags = SL_FE_AFFINITY,
                                .affinity_timeout_s = 60}));
    ASSERT_OK(lb_->addFrontend({.address = {.ip = "192.168.50.1", .port = 30080},
                                .proto = kTcp,
                                .service = kNodePort,
                                .kind = SL_KIND_NODE_PORT}));
    const auto v4 = backendsOf(kBackendIps);
    const auto v6 = backendsOf(kBackendIps6);
    for (std::uint32_t i = 0; i < 3; ++i) {
      ASSERT_OK(lb_->setBackend(1 + i, v4[i], kWeb));
      ASSERT_OK(lb_->setBackend(11 + i, v6[i], kWeb6));
      ASSERT_OK(lb_->setBackend(21 + i, v4[i], kSticky));
    }
    ASSERT_OK(lb_->setBackend(31, v4[0], kNodePort));
    ASSERT_OK(lb_->setMaglev(kWeb, {1, 2, 3}));
    ASSERT_OK(lb_->setMaglev(kWeb6, {11, 12, 13}));
    ASSERT_OK(lb_->setMaglev(kSticky, {21, 22, 23}));
    ASSERT_OK(lb_->setMaglev(kNodePort, {31}));
    ASSERT_OK(lb_->fillMaglev(kEmpty, 0));
  }

  // Runs the scenario in a client process inside the test's cgroup (or outside it).
  [[nodiscard]] base::Result<std::vector<Outcome>> inCgroup(const ClientScenario& scenario) {
    return runClientProcess(&*cgroup_, *netns_, scenario);
  }
  [[nodiscard]] base::Result<std::vector<Outcome>> outsideCgroup(const ClientScenario& scenario) {
    return runClientProcess(nullptr, *netns_, scenario);
  }

  // Destroyed in reverse: programs detached, cgroup removed, servers stopped, namespace
  // released, bpffs unmounted — whatever failed.
  std::optional<PrivateBpffs> bpffs_;
  std::optional<TestNetns> netns_;
  std::unique_ptr<EchoServers> servers_;
  std::unique_ptr<SockLb> lb_;
  std::optional<TestCgroup> cgroup_;
};

// ---- the same behaviour for IPv4, IPv6 and IPv4-mapped IPv6 sockets ----

struct FamilyCase {
  std::string name;
  Endpoint service;                // what the client dials
  Endpoint other_port;             // the service address, a port that is no frontend
  Endpoint no_backend;             // a service without an eligible backend
  std::set<std::string> backends;  // what backend servers report
  std::string decoy;               // what the server on the service address itself reports
  std::string other_port_decoy;
};

void PrintTo(const FamilyCase& c, std::ostream* os) { *os << c.name; }

std::vector<FamilyCase> familyCases() {
  const auto v4 = namesOf(backendsOf(kBackendIps));
  return {
      {.name = "IPv4",
       .service = {.ip = "10.96.0.10", .port = 80},
       .other_port = {.ip = "10.96.0.10", .port = 81},
       .no_backend = {.ip = "10.96.0.20", .port = 80},
       .backends = v4,
       .decoy = "10.96.0.10:80",
       .other_port_decoy = "10.96.0.10:81"},
      {.name = "IPv6",
       .service = {.ip = "fd00:96::10", .port = 80},
       .other_port = {.ip = "fd00:96::10", .port = 81},
       .no_backend = {.ip = "fd00:96::20", .port = 80},
       .backends = namesOf(backendsOf(kBackendIps6)),
       .decoy = "[fd00:96::10]:80",
       .other_port_decoy = "[fd00:96::10]:81"},
      // A dual-stack IPv6 socket dialling the IPv4 service: translated like IPv4, and its peer
      // stays IPv4-mapped.
      {.name = "IPv4MappedOnIPv6Socket",
       .service = {.ip = "::ffff:10.96.0.10", .port = 80},
       .other_port = {.ip = "::ffff:10.96.0.10", .port = 81},
       .no_backend = {.ip = "::ffff:10.96.0.20", .port = 80},
       .backends = v4,
       .decoy = "10.96.0.10:80",
       .other_port_decoy = "10.96.0.10:81"},
  };
}

class SockLbFamilyTest : public SockLbTest, public ::testing::WithParamInterface<FamilyCase> {};

TEST_P(SockLbFamilyTest, TcpConnectLandsOnABackendAndThePeerIsTheService) {
  const FamilyCase& c = GetParam();
  auto outcomes = inCgroup([&] { return std::vector<Outcome>{tcpExchange(c.service)}; });
  ASSERT_OK(outcomes);
  ASSERT_EQ(outcomes->size(), 1U);
  const Outcome& o = outcomes->front();
  ASSERT_TRUE(o.ok()) << o.describe();
  EXPECT_TRUE(c.backends.contains(o.served_by)) << o.describe();
  EXPECT_EQ(o.peer, c.service) << "getpeername() must show the service: " << o.describe();
  auto stats = lb_->serviceStats(c.service.ip.find("fd00") == 0 ? kWeb6 : kWeb);
  ASSERT_OK(stats);
  EXPECT_EQ(stats->new_connections, 1U);
  EXPECT_EQ(stats->packets, 0U) << "the socket path sees no packets";
}

TEST_P(SockLbFamilyTest, UnconnectedUdpRepliesComeFromTheServiceAndStickToOneBackend) {
  const FamilyCase& c = GetParam();
  auto outcomes = inCgroup([&] {
    UdpClient client(c.service.family());
    std::vector<Outcome> out;
    for (int i = 0; i < 5; ++i) out.push_back(client.sendTo(c.service));
    return out;
  });
  ASSERT_OK(outcomes);
  ASSERT_EQ(outcomes->size(), 5U);
  for (const Outcome& o : *outcomes) {
    ASSERT_TRUE(o.ok()) << o.describe();
    EXPECT_TRUE(c.backends.contains(o.served_by)) << o.describe();
    EXPECT_EQ(o.peer, c.service) << "recvfrom() must show the service: " << o.describe();
    EXPECT_EQ(o.served_by, outcomes->front().served_by) << "one socket, one backend";
  }
}

TEST_P(SockLbFamilyTest, ConnectedUdpTalksToABackendAndSeesTheService) {
  const FamilyCase& c = GetParam();
  auto outcomes = inCgroup([&] {
    UdpClient client(c.service.family());
    std::vector<Outcome> out{client.connect(c.service)};
    if (out.front().ok()) {
      out.push_back(client.send());
      out.push_back(client.send());
    }
    return out;
  });
  ASSERT_OK(outcomes);
  ASSERT_EQ(outcomes->size(), 3U) << (*outcomes)[0].describe();
  EXPECT_EQ((*outcomes)[0].peer, c.service) << "getpeername() after connect()";
  for (std::size_t i = 1; i < outcomes->size(); ++i) {
    const Outcome& o = (*outcomes)[i];
    ASSERT_TRUE(o.ok()) << o.describe();
    EXPECT_TRUE(c.backends.contains(o.served_by)) << o.describe();
    EXPECT_EQ(o.peer, c.service) << "recvfrom() must show the service: " << o.describe();
  }
  EXPECT_EQ((*outcomes)[1].served_by, (*outcomes)[2].served_by);
}

TEST_P(SockLbFamilyTest, NoEligibleBackendRefusesAtOnceAndIsCounted) {
  const FamilyCase& c = GetParam();
  auto before = lb_->drops(SLUICE_DROP_NO_BACKEND);
  ASSERT_OK(before);
  auto outcomes = inCgroup([&] {
    UdpClient connected(c.no_backend.family());
    return std::vector<Outcome>{tcpExchange(c.no_backend), udpExchange(c.no_backend),
                                connected.connect(c.no_backend)};
  });
  ASSERT_OK(outcomes);
  ASSERT_EQ(outcomes->size(), 3U);
  const char* const calls[] = {"connect", "sendto", "connect"};
  for (std::size_t i = 0; i < 3; ++i) {
    const Outcome& o = (*outcomes)[i];
    EXPECT_EQ(o.error, ECONNREFUSED) << o.describe();
    EXPECT_EQ(o.failed_call, calls[i]) << o.describe();
    EXPECT_LT(o.elapsed_us, 100'000) << "refused, not timed out: " << o.describe();
  }
  auto after = lb_->drops(SLUICE_DROP_NO_BACKEND);
  ASSERT_OK(after);
  EXPECT_EQ(*after - *before, 3U);
}

TEST_P(SockLbFamilyTest, AnotherPortOfTheServiceAddressIsNotTranslated) {
  const FamilyCase& c = GetParam();
  auto outcomes = inCgroup([&] {
    return std::vector<Outcome>{tcpExchange(c.other_port), udpExchange(c.other_port)};
  });
  ASSERT_OK(outcomes);
  ASSERT_EQ(outcomes->size(), 2U);
  for (const Outcome& o : *outcomes) {
    ASSERT_TRUE(o.ok()) << o.describe();
    EXPECT_EQ(o.served_by, c.other_port_decoy);
    EXPECT_EQ(o.peer, c.other_port);
  }
}

TEST_P(SockLbFamilyTest, SocketsOutsideTheCgroupAreNotTranslated) {
  const FamilyCase& c = GetParam();
  auto outcomes = outsideCgroup([&] {
    return std::vector<Outcome>{tcpExchange(c.service), udpExchange(c.service),
                                tcpExchange(c.no_backend)};
  });
  ASSERT_OK(outcomes);
  ASSERT_EQ(outcomes->size(), 3U);
  for (std::size_t i = 0; i < 2; ++i) {
    const Outcome& o = (*outcomes)[i];
    ASSERT_TRUE(o.ok()) << o.describe();
    EXPECT_EQ(o.served_by, c.decoy) << "reached the service address itself";
    EXPECT_EQ(o.peer, c.service);
  }
  // Nothing listens on the empty service's address and nothing refused on our behalf: the
  // kernel's own answer (no route in this namespace) comes back, not ECONNREFUSED.
  EXPECT_NE((*outcomes)[2].error, 0);
  EXPECT_NE((*outcomes)[2].error, ECONNREFUSED) << (*outcomes)[2].describe();
}

INSTANTIATE_TEST_SUITE_P(Families, SockLbFamilyTest, ::testing::ValuesIn(familyCases()),
                         [](const auto& test_info) { return test_info.param.name; });

// ---- backend choice ----

TEST_F(SockLbTest, ConnectsSpreadEvenlyOverThreeBackends) {
  constexpr int kConnects = 300;
  auto outcomes = inCgroup([] {
    std::vector<Outcome> out;
    for (int i = 0; i < kConnects; ++i)
      out.push_back(tcpExchange({.ip = "10.96.0.10", .port = 80}));
    return out;
  });
  ASSERT_OK(outcomes);
  ASSERT_EQ(outcomes->size(), static_cast<std::size_t>(kConnects));
  std::map<std::string, int> per_backend;
  for (const Outcome& o : *outcomes) {
    ASSERT_TRUE(o.ok()) << o.describe();
    ++per_backend[o.served_by];
  }
  ASSERT_EQ(per_backend.size(), 3U);
  for (const auto& [backend, count] : per_backend) {
    // Expected 100 each; ±40 is more than 4 standard deviations.
    EXPECT_GT(count, 60) << backend;
    EXPECT_LT(count, 140) << backend;
  }
  auto stats = lb_->serviceStats(kWeb);
  ASSERT_OK(stats);
  EXPECT_EQ(stats->new_connections, static_cast<std::uint64_t>(kConnects));
}

TEST_F(SockLbTest, ClientIpAffinityPinsTheClientAcrossSocketsAndProcesses) {
  std::set<std::string> served;
  for (int process = 0; process < 3; ++process) {
    auto outcomes = inCgroup([] {
      std::vector<Outcome> out;
      for (int i = 0; i < 10; ++i) out.push_back(tcpExchange({.ip = "10.96.0.30", .port = 80}));
      return out;
    });
    ASSERT_OK(outcomes);
    for (const Outcome& o : *outcomes) {
      ASSERT_TRUE(o.ok()) << o.describe();
      served.insert(o.served_by);
      EXPECT_EQ(o.peer, (Endpoint{.ip = "10.96.0.30", .port = 80}));
    }
  }
  EXPECT_EQ(served.size(), 1U) << "30 connections from one namespace, one backend";
  auto entries = lb_->affinityEntries();
  ASSERT_OK(entries);
  EXPECT_EQ(*entries, 1U);
}

TEST_F(SockLbTest, NonClusterIpFrontendsAreLeftToThePacketPath) {
  auto outcomes = inCgroup(
      [] { return std::vector<Outcome>{tcpExchange({.ip = "192.168.50.1", .port = 30080})}; });
  ASSERT_OK(outcomes);
  ASSERT_TRUE(outcomes->front().ok()) << outcomes->front().describe();
  EXPECT_EQ(outcomes->front().served_by, "192.168.50.1:30080");
}

TEST_F(SockLbTest, ABackendDialledDirectlyIsUntouchedAndReverseTranslationIsPerSocket) {
  const Endpoint service{.ip = "10.96.0.10", .port = 80};
  auto outcomes = inCgroup([&] {
    UdpClient via_service(AF_INET);
    UdpClient direct(AF_INET);
    std::vector<Outcome> out{via_service.sendTo(service)};
    if (!out.front().ok()) return out;
    // The backend the first socket reached, dialled by another socket on its own.
    const std::string served = out.front().served_by;
    const Endpoint backend{.ip = served.substr(0, served.find(':')), .port = kBackendPort};
    out.push_back(direct.sendTo(backend));
    out.push_back(tcpExchange(backend));
    return out;
  });
  ASSERT_OK(outcomes);
  ASSERT_EQ(outcomes->size(), 3U) << outcomes->front().describe();
  const std::string backend = outcomes->front().served_by;
  for (std::size_t i = 1; i < 3; ++i) {
    const Outcome& o = (*outcomes)[i];
    ASSERT_TRUE(o.ok()) << o.describe();
    EXPECT_EQ(o.served_by, backend);
    EXPECT_EQ(o.peer.toString(), backend) << "not the service: this socket dialled the backend";
  }
}

// An unconnected UDP socket keeps its backend while that backend exists — also when the Maglev
// table no longer names it — and moves on when it is gone. The client process reprograms the
// maps itself between datagrams (the map fds are inherited), so the steps happen in order.
TEST_F(SockLbTest, UnconnectedUdpKeepsItsBackendWhileItExistsAndMovesWhenItIsGone) {
  const Endpoint service{.ip = "10.96.0.10", .port = 80};
  const auto v4 = backendsOf(kBackendIps);
  SockLb* lb = lb_.get();
  auto outcomes = inCgroup([&] {
    UdpClient client(AF_INET);
    std::vector<Outcome> out{client.sendTo(service)};
    if (!out.front().ok()) return out;
    std::uint32_t first = 0;
    for (std::uint32_t i = 0; i < 3; ++i) {
      if (out.front().served_by == v4[i].toString()) first = 1 + i;
    }
    const std::uint32_t other = first == 1 ? 2 : 1;
    // The table now sends every new choice to `other`; `first` stops taking new flows.
    if (!lb->fillMaglev(kWeb, other) || !lb->setBackend(first, v4[first - 1], kWeb, false)) {
      return out;
    }
    out.push_back(client.sendTo(service));  // still `first`
    UdpClient fresh(AF_INET);
    out.push_back(fresh.sendTo(service));  // a new socket follows the table: `other`
    if (!lb->deleteBackend(first)) return out;
    out.push_back(client.sendTo(service));  // `first` is gone: re-chosen, `other`
    out.push_back(client.sendTo(service));  // and stays there
    return out;
  });
  ASSERT_OK(outcomes);
  ASSERT_EQ(outcomes->size(), 5U) << "a step failed: " << outcomes->back().describe();
  for (const Outcome& o : *outcomes) {
    ASSERT_TRUE(o.ok()) << o.describe();
    EXPECT_EQ(o.peer, service) << o.describe();
  }
  const std::string first = (*outcomes)[0].served_by;
  const std::string other = (*outcomes)[2].served_by;
  EXPECT_NE(first, other);
  EXPECT_EQ((*outcomes)[1].served_by, first) << "kept its backend after the table changed";
  EXPECT_EQ((*outcomes)[3].served_by, other) << "re-chosen once its backend was deleted";
  EXPECT_EQ((*outcomes)[4].served_by, other);
  auto stats = lb_->serviceStats(kWeb);
  ASSERT_OK(stats);
  EXPECT_EQ(stats->new_connections, 3U) << "first choice, the fresh socket, the re-choice";
}

}  // namespace
}  // namespace sluice::sock_test
