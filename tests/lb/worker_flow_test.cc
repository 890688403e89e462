// sluice-lb's packet path over several packets and programming changes: the backend a flow gets
// is the eBPF plane's Maglev choice, established flows keep theirs, a removed backend's flows
// choose again, full-NAT replies reach the worker that owns their port, and ARP / neighbour
// solicitations for VIPs are answered.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <set>

#include "lb_fixture.h"
#include "sluice/ebpf/flow_hash.h"
#include "sluice/packet/decode.h"
#include "sluice/packet/packet.h"
#include "sluice/packet/testing.h"

namespace sluice::testing {
namespace {

using dataplane::Backend;
using dataplane::Frontend;
using dataplane::FrontendKind;
using dataplane::Protocol;
using lb::Verdict;
using packet::Bytes;
using packet::Packet;
using packet::TcpFlags;

constexpr const char* kVip = "192.168.60.20";
constexpr dataplane::ServiceId kService = 7;

lb::LbOptions lbOptions(std::uint16_t workers) {
  return {.workers = workers,
          .conntrack_per_worker = 4096,
          .max_services = 64,
          .addressing = {.port_mac = macOf(kLbMac),
                         .snat_ipv4 = lbIp("192.168.50.5"),
                         .snat_ipv6 = lbIp("fd00:50::5")}};
}

std::vector<Backend> backends(int n) {
  std::vector<Backend> out;
  for (int i = 1; i <= n; ++i) {
    out.push_back({.address = lbIp(("10.244.3." + std::to_string(i)).c_str()), .port = 8080});
  }
  return out;
}

class LbWorkerFlowTest : public ::testing::Test {
 protected:
  void SetUp() override { setUp(1); }
  void setUp(std::uint16_t workers) {
    f_ = std::make_unique<LbFixture>(lbOptions(workers));
    f_->dataplane().setGateway(macOf(kRouterMac));
    ASSERT_TRUE(f_->dataplane().upsertFrontend(
        {.key = {.address = lbIp(kVip), .port = 80, .protocol = Protocol::kTcp},
         .service = kService,
         .kind = FrontendKind::kLoadBalancer}));
    ASSERT_TRUE(f_->setBackends(kService, backends(4)));
  }
  std::string backendOf(std::uint16_t client_port, TcpFlags flags = TcpFlags::kSyn,
                        std::size_t worker = 0) {
    const Bytes out = f_->transmit(
        Packet().ipv4("192.168.50.100", kVip).tcp(client_port, 80, flags).build(), worker);
    auto decoded = packet::decode(out);
    return decoded ? decoded->dst().to_string() : "undecodable";
  }

  std::unique_ptr<LbFixture> f_;
};

TEST_F(LbWorkerFlowTest, NewFlowsTakeTheEbpfPlanesMaglevChoice) {
  const auto programmed = f_->dataplane().programmed();
  ASSERT_TRUE(programmed.has_value());
  const dataplane::ServiceBackends& set = programmed->services.at(0);
  std::set<std::string> seen;
  for (std::uint16_t port = 20000; port < 20200; ++port) {
    sl_addr src{};
    sl_addr dst{};
    const auto client = lbIp("192.168.50.100").to_v4().to_bytes();
    const auto vip = lbIp(kVip).to_v4().to_bytes();
    std::memcpy(src.bytes, client.data(), 4);
    std::memcpy(dst.bytes, vip.data(), 4);
    const std::uint32_t hash = lb_flow_hash(&src, &dst, htons(port), htons(80), 6);
    const auto index = set.maglev[hash % set.maglev.size()];
    ASSERT_GE(index, 0);
    const std::string expected = set.backends[static_cast<std::size_t>(index)].address.to_string();
    ASSERT_EQ(backendOf(port), expected) << port;
    seen.insert(expected);
  }
  EXPECT_EQ(seen.size(), 4U) << "200 flows spread over all four backends";
}

TEST_F(LbWorkerFlowTest, EstablishedFlowsKeepTheirBackendAndFlowsOfARemovedOneChooseAgain) {
  std::map<std::uint16_t, std::string> first;
  for (std::uint16_t port = 30000; port < 30100; ++port) first[port] = backendOf(port);
  // Two more backends: Maglev moves some slots, but established flows stay where they are.
  ASSERT_TRUE(f_->setBackends(kService, backends(6)));
  for (const auto& [port, backend] : first) {
    EXPECT_EQ(backendOf(port, TcpFlags::kAck), backend) << port;
  }
  // Backend .1 goes: its flows choose again (never to .1), the others stay.
  std::vector<Backend> without_first = backends(6);
  without_first.erase(without_first.begin());
  ASSERT_TRUE(f_->setBackends(kService, without_first));
  int moved = 0;
  for (const auto& [port, backend] : first) {
    const std::string now = backendOf(port, TcpFlags::kAck);
    EXPECT_NE(now, "10.244.3.1");
    if (backend == "10.244.3.1") {
      ++moved;
    } else {
      EXPECT_EQ(now, backend) << port;
    }
  }
  EXPECT_GT(moved, 0);
}

// ClientIP affinity (eBPF: lb_select): a client's new flows go to its backend while the entry is
// fresh and the backend takes new flows; Maglev otherwise, which records the new choice.
TEST_F(LbWorkerFlowTest, ClientIpAffinityKeepsAClientOnOneBackend) {
  ASSERT_TRUE(f_->dataplane().upsertFrontend(
      {.key = {.address = lbIp(kVip), .port = 443, .protocol = Protocol::kTcp},
       .service = kService,
       .kind = FrontendKind::kLoadBalancer,
       .affinity_timeout_s = 60}));
  const std::uint64_t start = lb::monotonicNs();
  auto backendAt = [&](std::uint16_t client_port, std::uint64_t now) {
    auto decoded = packet::decode(f_->transmit(
        Packet().ipv4("192.168.50.100", kVip).tcp(client_port, 443, TcpFlags::kSyn).build(), 0,
        now));
    return decoded ? decoded->dst().to_string() : "undecodable";
  };
  const std::string first = backendAt(10000, start);
  for (std::uint16_t port = 10001; port < 10030; ++port) {
    EXPECT_EQ(backendAt(port, start + port), first) << port;
  }
  // Its backend stops taking new flows: the client moves, and stays on the new one.
  std::vector<Backend> others;
  for (const Backend& b : backends(4)) {
    if (b.address.to_string() != first) others.push_back(b);
  }
  ASSERT_TRUE(f_->setBackends(kService, others));
  const std::string second = backendAt(10100, start + 1'000'000);
  EXPECT_NE(second, first);
  for (std::uint16_t port = 10101; port < 10110; ++port) {
    EXPECT_EQ(backendAt(port, start + 2'000'000), second) << port;
  }
  // Idle longer than the timeout: Maglev again (over 20 ports, not all on `second`).
  std::set<std::string> later;
  const std::uint64_t expired = start + 2'000'000 + 61'000'000'000ULL;
  for (std::uint16_t port = 10200; port < 10220; ++port) {
    later.insert(backendAt(port, expired + 70'000'000'000ULL * (port - 10200)));
  }
  EXPECT_GT(later.size(), 1U);
}

TEST_F(LbWorkerFlowTest, AClosedConnectionsPortReusedBySynChoosesAgain) {
  const std::string backend = backendOf(40000);
  (void)backendOf(40000, TcpFlags::kRst);
  auto entries = f_->dataplane().conntrack(0);
  ASSERT_TRUE(entries.has_value());
  ASSERT_EQ(entries->size(), 1U);
  EXPECT_EQ(entries->front().state, "closing");
  EXPECT_EQ(backendOf(40000), backend) << "same tuple, same Maglev slot";
  entries = f_->dataplane().conntrack(0);
  ASSERT_TRUE(entries.has_value());
  EXPECT_EQ(entries->front().state, "new");
}

TEST_F(LbWorkerFlowTest, FullNatRepliesGoToTheWorkerOwningTheirPort) {
  setUp(2);
  for (std::size_t worker = 0; worker < 2; ++worker) {
    const Bytes out =
        f_->transmit(Packet()
                         .ipv4("192.168.50.100", kVip)
                         .tcp(static_cast<std::uint16_t>(50000 + worker), 80, TcpFlags::kSyn)
                         .build(),
                     worker);
    auto decoded = packet::decode(out);
    ASSERT_TRUE(decoded.has_value());
    const std::uint16_t port = decoded->srcPort().value_or(0);
    EXPECT_EQ(f_->dataplane().worker(worker).snatPortOwner(port), worker);
    const Bytes reply = Packet()
                            .ipv4(decoded->dst(), lbIp("192.168.50.5"))
                            .tcp(8080, port, TcpFlags::kSyn | TcpFlags::kAck)
                            .build();
    const std::size_t other = 1 - worker;
    const LbRun wrong = f_->run(reply, other);
    EXPECT_EQ(wrong.outcome.verdict, Verdict::kHandOff);
    EXPECT_EQ(wrong.outcome.worker, worker);
    const Bytes back = f_->transmit(reply, worker);
    auto restored = packet::decode(back);
    ASSERT_TRUE(restored.has_value());
    EXPECT_EQ(restored->src().to_string(), kVip);
    EXPECT_EQ(restored->dstPort(), 50000 + worker);
  }
}

Bytes arpRequest(const char* sender_ip, const char* target_ip) {
  Bytes f = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};  // broadcast
  const auto& src = kRouterMac.bytes();
  f.insert(f.end(), src.begin(), src.end());
  f.insert(f.end(), {0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01});
  f.insert(f.end(), src.begin(), src.end());
  const auto s = lbIp(sender_ip).to_v4().to_bytes();
  f.insert(f.end(), s.begin(), s.end());
  f.insert(f.end(), 6, 0);
  const auto t = lbIp(target_ip).to_v4().to_bytes();
  f.insert(f.end(), t.begin(), t.end());
  f.resize(60, 0);  // Ethernet padding
  return f;
}

TEST_F(LbWorkerFlowTest, ArpRequestsForVipsAreAnswered) {
  const Bytes reply = f_->transmit(arpRequest("192.168.60.254", kVip));
  Bytes expected = Bytes(kRouterMac.bytes().begin(), kRouterMac.bytes().end());
  expected.insert(expected.end(), kLbMac.bytes().begin(), kLbMac.bytes().end());
  expected.insert(expected.end(), {0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x02});
  expected.insert(expected.end(), kLbMac.bytes().begin(), kLbMac.bytes().end());
  expected.insert(expected.end(), {192, 168, 60, 20});
  expected.insert(expected.end(), kRouterMac.bytes().begin(), kRouterMac.bytes().end());
  expected.insert(expected.end(), {192, 168, 60, 254});
  expected.resize(60, 0);
  EXPECT_EQ(reply, expected);
  // The LB's own (full-NAT) address too; anything else is not ours to answer.
  EXPECT_EQ(f_->run(arpRequest("192.168.50.254", "192.168.50.5")).outcome.verdict,
            Verdict::kTransmit);
  EXPECT_EQ(f_->run(arpRequest("192.168.50.254", "192.168.50.6")).outcome.verdict, Verdict::kPass);
  EXPECT_EQ(f_->dataplane().worker(0).counters().arp_replies.load(), 2U);
}

TEST_F(LbWorkerFlowTest, NeighbourSolicitationsForVipsAreAnswered) {
  ASSERT_TRUE(f_->dataplane().upsertFrontend(
      {.key = {.address = lbIp("fd00:60::20"), .port = 80, .protocol = Protocol::kTcp},
       .service = kService,
       .kind = FrontendKind::kLoadBalancer}));
  // NS: target fd00:60::20, with the source link-layer address option.
  Bytes body = {0, 0, 0, 0};
  const auto target = lbIp("fd00:60::20").to_v6().to_bytes();
  body.insert(body.end(), target.begin(), target.end());
  body.insert(body.end(), {1, 1});
  body.insert(body.end(), kRouterMac.bytes().begin(), kRouterMac.bytes().end());
  const Bytes solicitation = Packet()
                                 .eth(kRouterMac, packet::MacAddress("33:33:ff:00:00:20"))
                                 .ipv6("fd00:60::1", "ff02::1:ff00:20", {.hop_limit = 255})
                                 .icmpv6({.type = 135})
                                 .payload(Bytes(body.begin() + 4, body.end()))
                                 .build();
  const Bytes reply = f_->transmit(solicitation);
  Bytes na = Bytes(target.begin(), target.end());
  na.insert(na.end(), {2, 1});
  na.insert(na.end(), kLbMac.bytes().begin(), kLbMac.bytes().end());
  EXPECT_PACKET_EQ(reply, Packet()
                              .eth(kLbMac, kRouterMac)
                              .ipv6("fd00:60::20", "fd00:60::1", {.hop_limit = 255})
                              .icmpv6({.type = 136, .rest = 0x60000000})
                              .payload(na)
                              .build());
  EXPECT_CHECKSUMS_VALID(reply);
  // For an address that is not ours: passed.
  Bytes other = solicitation;
  other[14 + 40 + 8 + 15] ^= 1;  // last byte of the target
  EXPECT_EQ(f_->run(other).outcome.verdict, Verdict::kPass);
}

}  // namespace
}  // namespace sluice::testing
