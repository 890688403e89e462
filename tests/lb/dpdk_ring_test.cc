// sluice-lb through the real DPDK path: EAL without hugepages or PCI, a net_ring port (frames go
// in through one rte_ring and come out of another, by rte_eth_rx_burst / rte_eth_tx_burst),
// mbufs from the port's pool, the lcore loop. The same cases and bytes as the core's fixture
// table (worker_fixture_test.cc), plus what only this path has: mbuf headroom for DSR, no mbuf
// leaked on any verdict, and the loop on its own lcore.
#include <gtest/gtest.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <thread>

#include "lb_fixture.h"
#include "sluice/lab/privileged.h"
#include "sluice/lb/eal.h"
#include "sluice/lb/lb_runner.h"
#include "sluice/lb/lcore_loop.h"
#include "sluice/lb/port.h"
#include "sluice/packet/decode.h"
#include "sluice/packet/packet.h"
#include "sluice/packet/testing.h"

namespace sluice::testing {
namespace {

using dataplane::FrontendKind;
using dataplane::Protocol;
using packet::Bytes;
using packet::Packet;
using packet::TcpFlags;

constexpr const char* kClient = "192.168.50.100";

// The EAL, once for the whole process: the main lcore and two for worker loops.
std::unique_ptr<lb::Eal>& eal() {
  static std::unique_ptr<lb::Eal> instance;
  return instance;
}
std::string& ealProblem() {
  static std::string problem;
  return problem;
}

class EalEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    // Lcores 1 and 2 share a CPU: two workers on a two-core machine, for the hand-off case.
    auto e = lb::Eal::init({"--no-huge", "-m", "256", "--no-pci", "--no-shconf",
                            "--file-prefix=sl_lb_test_" + std::to_string(::getpid()),
                            "--lcores=0@0,1@1,2@1", "--log-level=5", "--no-telemetry"});
    if (e) {
      eal() = std::move(*e);
    } else {
      ealProblem() = e.error().toString();
    }
  }
  void TearDown() override { eal().reset(); }
};
const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new EalEnvironment);

class LbDpdkRingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!eal()) SLUICE_SKIP_OR_FAIL("DPDK EAL did not start: " + ealProblem());
    static int serial = 0;
    const std::string suffix = std::to_string(serial++);
    rx_ = rte_ring_create(("sl_t_rx" + suffix).c_str(), 1024, SOCKET_ID_ANY,
                          RING_F_SP_ENQ | RING_F_SC_DEQ);
    tx_ = rte_ring_create(("sl_t_tx" + suffix).c_str(), 1024, SOCKET_ID_ANY,
                          RING_F_SP_ENQ | RING_F_SC_DEQ);
    ASSERT_NE(rx_, nullptr);
    ASSERT_NE(tx_, nullptr);
    const int id = rte_eth_from_rings(("sl_t_port" + suffix).c_str(), &rx_, 1, &tx_, 1, 0);
    ASSERT_GE(id, 0);
    auto port = lb::Port::open(std::to_string(id), {.queues = 1, .mbufs = 1023});
    ASSERT_TRUE(port.has_value()) << port.error().toString();
    port_ = std::move(*port);
    mac_ = packet::MacAddress(port_->mac());
    full_pool_ = rte_mempool_avail_count(port_->pool());

    dp_ = std::make_unique<lb::LbDataplane>(
        lb::LbOptions{.workers = 1,
                      .conntrack_per_worker = 4096,
                      .max_services = 64,
                      .addressing = {.port_mac = port_->mac(), .snat_ipv4 = lbIp("192.168.50.1")}});
    dp_->setGateway(macOf(kRouterMac));
    ASSERT_TRUE(dp_->setNeighbor(lbIp("10.244.2.3"), macOf(kBackend2Mac)));
    for (const auto& [address, dsr, service] :
         {std::tuple{"192.168.60.10", false, 1U}, std::tuple{"192.168.60.13", true, 2U}}) {
      ASSERT_TRUE(dp_->upsertFrontend(
          {.key = {.address = lbIp(address), .port = 80, .protocol = Protocol::kTcp},
           .service = service,
           .kind = FrontendKind::kLoadBalancer,
           .dsr = dsr}));
      auto set = dataplane::buildServiceBackends(
          service, {{.address = lbIp("10.244.2.3"), .port = 8080}}, {.maglev_size = 251});
      ASSERT_TRUE(set.has_value());
      ASSERT_TRUE(dp_->replaceBackends(*set));
    }
    loop_ = std::make_unique<lb::LcoreLoop>(*dp_, port_->id(), 0, 0, nullptr);
  }

  void TearDown() override {
    loop_.reset();
    dp_.reset();
    port_.reset();  // stops and closes the port; frees its pool
    rte_ring_free(rx_);
    rte_ring_free(tx_);
  }

  void inject(const Bytes& frame) {
    rte_mbuf* m = rte_pktmbuf_alloc(port_->pool());
    ASSERT_NE(m, nullptr);
    auto* data = reinterpret_cast<std::uint8_t*>(
        rte_pktmbuf_append(m, static_cast<std::uint16_t>(frame.size())));
    ASSERT_NE(data, nullptr);
    std::copy(frame.begin(), frame.end(), data);
    ASSERT_EQ(rte_ring_enqueue(rx_, m), 0);
  }
  std::vector<Bytes> collect() {
    std::vector<Bytes> out;
    void* m = nullptr;
    while (rte_ring_dequeue(tx_, &m) == 0) {
      auto* mbuf = static_cast<rte_mbuf*>(m);
      const auto* data = rte_pktmbuf_mtod(mbuf, const std::uint8_t*);
      out.emplace_back(data, data + rte_pktmbuf_data_len(mbuf));
      rte_pktmbuf_free(mbuf);
    }
    return out;
  }
  // One frame through rx burst → worker → tx burst; what left the port.
  std::vector<Bytes> through(const Bytes& frame) {
    inject(frame);
    EXPECT_EQ(loop_->pollOnce(), 1U);
    return collect();
  }

  rte_ring* rx_ = nullptr;
  rte_ring* tx_ = nullptr;
  std::unique_ptr<lb::Port> port_;
  packet::MacAddress mac_;
  unsigned full_pool_ = 0;
  std::unique_ptr<lb::LbDataplane> dp_;
  std::unique_ptr<lb::LcoreLoop> loop_;
};

TEST_F(LbDpdkRingTest, FullNatRoundTripThroughThePort) {
  auto out = through(Packet()
                         .eth(kRouterMac, mac_)
                         .ipv4(kClient, "192.168.60.10")
                         .tcp(41000, 80, TcpFlags::kSyn)
                         .build());
  ASSERT_EQ(out.size(), 1U);
  auto decoded = packet::decode(out[0]);
  ASSERT_TRUE(decoded.has_value());
  const std::uint16_t snat_port = decoded->srcPort().value_or(0);
  EXPECT_PACKET_EQ(out[0], Packet()
                               .eth(mac_, kBackend2Mac)
                               .ipv4("192.168.50.1", "10.244.2.3", {.ttl = 63})
                               .tcp(snat_port, 8080, TcpFlags::kSyn)
                               .build());
  out = through(Packet()
                    .eth(kBackend2Mac, mac_)
                    .ipv4("10.244.2.3", "192.168.50.1")
                    .tcp(8080, snat_port, TcpFlags::kSyn | TcpFlags::kAck)
                    .build());
  ASSERT_EQ(out.size(), 1U);
  EXPECT_PACKET_EQ(out[0], Packet()
                               .eth(mac_, kRouterMac)
                               .ipv4("192.168.60.10", kClient, {.ttl = 63})
                               .tcp(80, 41000, TcpFlags::kSyn | TcpFlags::kAck)
                               .build());
  EXPECT_CHECKSUMS_VALID(out[0]);
}

// DSR grows the frame at the front: into the mbuf's headroom.
TEST_F(LbDpdkRingTest, DsrEncapsulatesIntoTheMbufHeadroom) {
  auto out = through(Packet()
                         .eth(kRouterMac, mac_)
                         .ipv4(kClient, "192.168.60.13")
                         .tcp(40000, 80, TcpFlags::kSyn)
                         .build());
  ASSERT_EQ(out.size(), 1U);
  const Bytes inner =
      Packet().noEth().ipv4(kClient, "10.244.2.3").tcp(40000, 8080, TcpFlags::kSyn).build();
  EXPECT_PACKET_EQ(out[0], Packet()
                               .eth(mac_, kBackend2Mac)
                               .ipv4("192.168.60.13", "10.244.2.3", {.id = 80})
                               .rawL4(4)
                               .payload(inner)
                               .build());
}

TEST_F(LbDpdkRingTest, PingIsAnsweredAndNothingElseLeaves) {
  const Bytes request =
      Packet().ipv4(kClient, "192.168.60.10", {.ttl = 61}).icmpv4EchoRequest(7, 3).build();
  auto out = through(request);
  ASSERT_EQ(out.size(), 1U);
  EXPECT_PACKET_EQ(out[0], Packet()
                               .eth(packet::kDefaultDstMac, packet::kDefaultSrcMac)
                               .ipv4("192.168.60.10", kClient, {.ttl = 64})
                               .icmpv4EchoReply(7, 3)
                               .build());
  EXPECT_TRUE(through(Packet().ipv4(kClient, "192.168.60.99").udp(1, 2).build()).empty());
  EXPECT_TRUE(through(Bytes{1, 2, 3}).empty());
  EXPECT_TRUE(
      through(Packet().ipv4("8.8.8.8", "192.168.60.10", {.ttl = 1}).tcp(1, 80).build()).empty());
  auto counters = dp_->counters();
  ASSERT_TRUE(counters.has_value());
  EXPECT_EQ(counters->drops[SLUICE_DROP_MALFORMED_L2], 1U);
  EXPECT_EQ(counters->drops[SLUICE_DROP_TTL_EXCEEDED], 1U);
  EXPECT_EQ(rte_mempool_avail_count(port_->pool()), full_pool_) << "an mbuf was leaked";
}

// The loop on its own lcore, as sluice-lb runs it: frames in, frames out, conntrack read through
// the lcore while it polls, and a table change picked up without stopping it.
TEST_F(LbDpdkRingTest, TheRunnerForwardsOnAWorkerLcore) {
  auto runner = lb::LbRunner::start(*dp_, *port_);
  ASSERT_TRUE(runner.has_value()) << runner.error().toString();
  auto waitFor = [&](std::size_t n) {
    std::vector<Bytes> got;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (got.size() < n && std::chrono::steady_clock::now() < deadline) {
      for (auto& b : collect()) got.push_back(std::move(b));
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return got;
  };
  for (std::uint16_t port = 1000; port < 1010; ++port) {
    inject(Packet().ipv4(kClient, "192.168.60.10").tcp(port, 80, TcpFlags::kSyn).build());
  }
  EXPECT_EQ(waitFor(10).size(), 10U);
  auto entries = dp_->conntrack(0);
  ASSERT_TRUE(entries.has_value()) << entries.error().toString();
  EXPECT_EQ(entries->size(), 10U);

  ASSERT_TRUE(dp_->deleteBackends(1));  // published while the lcore polls
  inject(Packet().ipv4(kClient, "192.168.60.10").tcp(2000, 80, TcpFlags::kSyn).build());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (dp_->counters()->drops[SLUICE_DROP_NO_BACKEND] == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(dp_->counters()->drops[SLUICE_DROP_NO_BACKEND], 1U);
  (*runner)->stop();
  EXPECT_EQ(dp_->reclaimSnapshots(), 0U) << "stopped lcores hold no snapshot";
}

// Two workers, two queue pairs: a full-NAT reply that arrives on the other worker's queue (RSS
// hashes the backend's packets, not the client's) is handed to the worker that owns its port
// and leaves from there.
TEST_F(LbDpdkRingTest, RepliesArrivingAtAnotherWorkerAreHandedToThePortsOwner) {
  rte_ring* rx[2] = {};
  rte_ring* tx[2] = {};
  for (int q = 0; q < 2; ++q) {
    const std::string n = std::to_string(q);
    rx[q] = rte_ring_create(("sl_t2_rx" + n).c_str(), 256, SOCKET_ID_ANY,
                            RING_F_SP_ENQ | RING_F_SC_DEQ);
    tx[q] = rte_ring_create(("sl_t2_tx" + n).c_str(), 256, SOCKET_ID_ANY,
                            RING_F_SP_ENQ | RING_F_SC_DEQ);
    ASSERT_NE(rx[q], nullptr);
    ASSERT_NE(tx[q], nullptr);
  }
  const int id = rte_eth_from_rings("sl_t2_port", rx, 2, tx, 2, 0);
  ASSERT_GE(id, 0);
  {
    auto port = lb::Port::open(std::to_string(id), {.queues = 2, .mbufs = 1023});
    ASSERT_TRUE(port.has_value()) << port.error().toString();
    lb::LbDataplane dp(lb::LbOptions{
        .workers = 2,
        .conntrack_per_worker = 1024,
        .max_services = 64,
        .addressing = {.port_mac = (*port)->mac(), .snat_ipv4 = lbIp("192.168.50.1")}});
    dp.setGateway(macOf(kRouterMac));
    ASSERT_TRUE(dp.upsertFrontend(
        {.key = {.address = lbIp("192.168.60.10"), .port = 80, .protocol = Protocol::kTcp},
         .service = 1,
         .kind = FrontendKind::kLoadBalancer}));
    auto set = dataplane::buildServiceBackends(1, {{.address = lbIp("10.244.2.3"), .port = 8080}},
                                               {.maglev_size = 251});
    ASSERT_TRUE(set.has_value());
    ASSERT_TRUE(dp.replaceBackends(*set));
    auto runner = lb::LbRunner::start(dp, **port);
    ASSERT_TRUE(runner.has_value()) << runner.error().toString();

    auto send = [&](int queue, const Bytes& frame) {
      rte_mbuf* m = rte_pktmbuf_alloc((*port)->pool());
      ASSERT_NE(m, nullptr);
      auto* data = reinterpret_cast<std::uint8_t*>(
          rte_pktmbuf_append(m, static_cast<std::uint16_t>(frame.size())));
      std::copy(frame.begin(), frame.end(), data);
      ASSERT_EQ(rte_ring_enqueue(rx[queue], m), 0);
    };
    auto receive = [&](int queue) {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      void* m = nullptr;
      while (rte_ring_dequeue(tx[queue], &m) != 0) {
        if (std::chrono::steady_clock::now() > deadline) return Bytes{};
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      auto* mbuf = static_cast<rte_mbuf*>(m);
      const auto* data = rte_pktmbuf_mtod(mbuf, const std::uint8_t*);
      Bytes out(data, data + rte_pktmbuf_data_len(mbuf));
      rte_pktmbuf_free(mbuf);
      return out;
    };

    send(0, Packet().ipv4(kClient, "192.168.60.10").tcp(41000, 80, TcpFlags::kSyn).build());
    auto out = packet::decode(receive(0));
    ASSERT_TRUE(out.has_value());
    const std::uint16_t snat_port = out->srcPort().value_or(0);
    EXPECT_EQ((snat_port - 32768) % 2, 0) << "worker 0 takes a port of its own share";

    send(1, Packet()
                .ipv4("10.244.2.3", "192.168.50.1")
                .tcp(8080, snat_port, TcpFlags::kSyn | TcpFlags::kAck)
                .build());
    const Bytes back = receive(0);
    EXPECT_PACKET_EQ(back, Packet()
                               .eth(packet::MacAddress((*port)->mac()), kRouterMac)
                               .ipv4("192.168.60.10", kClient, {.ttl = 63})
                               .tcp(80, 41000, TcpFlags::kSyn | TcpFlags::kAck)
                               .build());
    EXPECT_EQ(dp.worker(1).counters().handed_off.load(), 1U);
    (*runner)->stop();
  }
  for (int q = 0; q < 2; ++q) {
    rte_ring_free(rx[q]);
    rte_ring_free(tx[q]);
  }
}

}  // namespace
}  // namespace sluice::testing
