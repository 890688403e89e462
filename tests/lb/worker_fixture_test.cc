// sluice-lb's packet path held to the eBPF plane's external-path table (tests/ebpf/
// ext_flow_test.cc): the same inputs, and the same output bytes wherever both planes do the same
// thing. Where the roles differ the case says so: the LB owns its NIC, so it sets MACs and the
// TTL itself (as the eBPF plane's XDP_TX path does) and drops what the eBPF plane would leave to
// a kernel that is not there.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "lb_fixture.h"
#include "sluice/packet/decode.h"
#include "sluice/packet/describe.h"
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

constexpr TcpFlags kSynAck = TcpFlags::kSyn | TcpFlags::kAck;
constexpr const char* kClient = "192.168.50.100";
constexpr std::uint8_t kIpip = 4;

namespace ext {
inline constexpr dataplane::ServiceId kRemote = 21;   // 192.168.50.1:30081 → 10.244.2.3 (NAT)
inline constexpr dataplane::ServiceId kLb = 22;       // 192.168.60.10:80 LB → 10.244.1.3
inline constexpr dataplane::ServiceId kNoLocal = 23;  // 192.168.60.11:80 LB, ETP=Local, none
inline constexpr dataplane::ServiceId kRanges = 24;   // 192.168.60.12:80 LB, 192.168.50.0/25
inline constexpr dataplane::ServiceId kRemote6 = 25;  // [fd00:50::1]:30080 → fd00:244:1::3
inline constexpr dataplane::ServiceId kDsr = 26;      // 192.168.60.13:80 LB, DSR → 10.244.2.3
}  // namespace ext

Backend backendAt(const char* address, std::uint16_t port) {
  return {.address = lbIp(address), .port = port};
}

Frontend fe(const char* address, std::uint16_t port, Protocol protocol, dataplane::ServiceId id,
            FrontendKind kind) {
  return Frontend{.key = {.address = lbIp(address), .port = port, .protocol = protocol},
                  .service = id,
                  .kind = kind};
}

lb::LbOptions lbOptions(std::uint16_t workers = 1) {
  return {.workers = workers,
          .conntrack_per_worker = 4096,
          .max_services = 1024,
          .addressing = {.port_mac = macOf(kLbMac),
                         .snat_ipv4 = lbIp("192.168.50.1"),
                         .snat_ipv6 = lbIp("fd00:50::1")}};
}

class LbWorkerFixtureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& dp = f_.dataplane();
    dp.setGateway(macOf(kRouterMac));
    ASSERT_TRUE(dp.setNeighbor(lbIp("10.244.1.3"), macOf(kBackend1Mac)));
    ASSERT_TRUE(dp.setNeighbor(lbIp("10.244.2.3"), macOf(kBackend2Mac)));
    ASSERT_TRUE(dp.setNeighbor(lbIp("fd00:244:1::3"), macOf(kBackend6Mac)));
    for (const Protocol p : {Protocol::kTcp, Protocol::kUdp}) {
      ASSERT_TRUE(
          dp.upsertFrontend(fe("192.168.50.1", 30081, p, ext::kRemote, FrontendKind::kNodePort)));
    }
    ASSERT_TRUE(f_.setBackends(ext::kRemote, {backendAt("10.244.2.3", 8080)}));
    ASSERT_TRUE(dp.upsertFrontend(
        fe("192.168.60.10", 80, Protocol::kTcp, ext::kLb, FrontendKind::kLoadBalancer)));
    ASSERT_TRUE(f_.setBackends(ext::kLb, {backendAt("10.244.1.3", 8080)}));
    Frontend none =
        fe("192.168.60.11", 80, Protocol::kTcp, ext::kNoLocal, FrontendKind::kLoadBalancer);
    none.local_only = true;
    ASSERT_TRUE(dp.upsertFrontend(none));
    ASSERT_TRUE(f_.setBackends(ext::kNoLocal, {backendAt("10.244.2.3", 8080)}, true));
    Frontend ranged =
        fe("192.168.60.12", 80, Protocol::kTcp, ext::kRanges, FrontendKind::kLoadBalancer);
    ranged.source_ranges = {base::IpPrefix::parse("192.168.50.0/25").value(),
                            base::IpPrefix::parse("10.1.0.0/16").value()};
    ASSERT_TRUE(dp.upsertFrontend(ranged));
    ASSERT_TRUE(f_.setBackends(ext::kRanges, {backendAt("10.244.1.3", 8080)}));
    ASSERT_TRUE(dp.upsertFrontend(
        fe("fd00:50::1", 30080, Protocol::kTcp, ext::kRemote6, FrontendKind::kNodePort)));
    ASSERT_TRUE(f_.setBackends(ext::kRemote6, {backendAt("fd00:244:1::3", 8080)}));
    Frontend dsr = fe("192.168.60.13", 80, Protocol::kTcp, ext::kDsr, FrontendKind::kLoadBalancer);
    dsr.dsr = true;
    ASSERT_TRUE(dp.upsertFrontend(dsr));
    ASSERT_TRUE(f_.setBackends(ext::kDsr, {backendAt("10.244.2.3", 8080)}));
  }

  Verdict verdict(const Bytes& frame) { return f_.run(frame).outcome.verdict; }

  LbFixture f_{lbOptions()};
};

// eBPF: NodePortToARemoteBackendIsSourceNatedBothWays. The same translations, done in one place;
// the LB routes (TTL one less, MACs of the next hop), as the eBPF plane's XDP_TX path does.
TEST_F(LbWorkerFixtureTest, FullNatTranslatesBothWays) {
  for (const Protocol protocol : {Protocol::kTcp, Protocol::kUdp}) {
    SCOPED_TRACE(protocol == Protocol::kTcp ? "tcp" : "udp");
    auto l4 = [&](Packet p, std::uint16_t sport, std::uint16_t dport, bool reply) {
      if (protocol == Protocol::kUdp) return p.udp(sport, dport).payload(reply ? "pong" : "ping");
      return p.tcp(sport, dport, reply ? kSynAck : TcpFlags::kSyn);
    };
    const Bytes leaving =
        f_.transmit(l4(Packet().ipv4(kClient, "192.168.50.1"), 41000, 30081, false).build());
    auto decoded = packet::decode(leaving);
    ASSERT_TRUE(decoded.has_value());
    const std::uint16_t snat_port = decoded->srcPort().value_or(0);
    EXPECT_GE(snat_port, 32768);
    EXPECT_LE(snat_port, 60999);
    EXPECT_PACKET_EQ(
        leaving,
        l4(Packet().eth(kLbMac, kBackend2Mac).ipv4("192.168.50.1", "10.244.2.3", {.ttl = 63}),
           snat_port, 8080, false)
            .build());
    EXPECT_CHECKSUMS_VALID(leaving);

    const Bytes back =
        f_.transmit(l4(Packet().eth(kBackend2Mac, kLbMac).ipv4("10.244.2.3", "192.168.50.1"), 8080,
                       snat_port, true)
                        .build());
    EXPECT_PACKET_EQ(
        back, l4(Packet().eth(kLbMac, kRouterMac).ipv4("192.168.50.1", kClient, {.ttl = 63}), 30081,
                 41000, true)
                  .build());
    EXPECT_CHECKSUMS_VALID(back);
  }
  auto counters = f_.dataplane().counters();
  ASSERT_TRUE(counters.has_value());
  EXPECT_EQ(counters->services[ext::kRemote].new_connections, 2U);
  EXPECT_EQ(counters->services[ext::kRemote].packets, 4U);
  EXPECT_EQ(counters->conntrack_entries, 4U) << "a forward and a reply entry per flow";
}

TEST_F(LbWorkerFixtureTest, Ipv6FullNat) {
  const Bytes leaving = f_.transmit(
      Packet().ipv6("fd00:50::100", "fd00:50::1").tcp(40000, 30080, TcpFlags::kSyn).build());
  auto decoded = packet::decode(leaving);
  ASSERT_TRUE(decoded.has_value());
  const std::uint16_t snat_port = decoded->srcPort().value_or(0);
  EXPECT_PACKET_EQ(leaving, Packet()
                                .eth(kLbMac, kBackend6Mac)
                                .ipv6("fd00:50::1", "fd00:244:1::3", {.hop_limit = 63})
                                .tcp(snat_port, 8080, TcpFlags::kSyn)
                                .build());
  EXPECT_CHECKSUMS_VALID(leaving);
  const Bytes back = f_.transmit(
      Packet().ipv6("fd00:244:1::3", "fd00:50::1").tcp(8080, snat_port, kSynAck).build());
  EXPECT_PACKET_EQ(back, Packet()
                             .eth(kLbMac, kRouterMac)
                             .ipv6("fd00:50::1", "fd00:50::100", {.hop_limit = 63})
                             .tcp(30080, 40000, kSynAck)
                             .build());
  EXPECT_CHECKSUMS_VALID(back);
}

// eBPF: TwoClientsWithTheSameSourcePortGetTheirOwnSnatPorts.
TEST_F(LbWorkerFixtureTest, TwoClientsWithTheSameSourcePortGetTheirOwnSnatPorts) {
  std::set<std::uint16_t> ports;
  for (const char* client : {"192.168.50.100", "192.168.50.101", "192.168.50.102"}) {
    auto decoded = packet::decode(f_.transmit(
        Packet().ipv4(client, "192.168.50.1").tcp(40000, 30081, TcpFlags::kSyn).build()));
    ASSERT_TRUE(decoded.has_value());
    ports.insert(decoded->srcPort().value_or(0));
  }
  ASSERT_EQ(ports.size(), 3U);
  std::set<std::string> clients;
  for (const std::uint16_t port : ports) {
    auto decoded = packet::decode(
        f_.transmit(Packet().ipv4("10.244.2.3", "192.168.50.1").tcp(8080, port, kSynAck).build()));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->dstPort(), 40000);
    clients.insert(decoded->dst().to_string());
  }
  EXPECT_EQ(clients, (std::set<std::string>{"192.168.50.100", "192.168.50.101", "192.168.50.102"}));
}

// eBPF: DsrWrapsTheDnatedPacketInIpipNamingTheFrontend — the same IP bytes (outer source and id
// name the frontend, so a Sluice node behind the LB unwraps it), sent to the backend's MAC.
TEST_F(LbWorkerFixtureTest, DsrWrapsTheDnatedPacketInIpipNamingTheFrontend) {
  const Bytes leaving =
      f_.transmit(Packet().ipv4(kClient, "192.168.60.13").tcp(40000, 80, TcpFlags::kSyn).build());
  const Bytes inner =
      Packet().noEth().ipv4(kClient, "10.244.2.3").tcp(40000, 8080, TcpFlags::kSyn).build();
  EXPECT_PACKET_EQ(leaving, Packet()
                                .eth(kLbMac, kBackend2Mac)
                                .ipv4("192.168.60.13", "10.244.2.3", {.id = 80})
                                .rawL4(kIpip)
                                .payload(inner)
                                .build());
  EXPECT_CHECKSUMS_VALID(leaving);
  // The next packet of the flow takes the same way, from the connection table.
  const Bytes again =
      f_.transmit(Packet().ipv4(kClient, "192.168.60.13").tcp(40000, 80, TcpFlags::kAck).build());
  auto decoded = packet::decode(again);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->dst().to_string(), "10.244.2.3");
  auto counters = f_.dataplane().counters();
  ASSERT_TRUE(counters.has_value());
  EXPECT_EQ(counters->services[ext::kDsr].new_connections, 1U);
  EXPECT_EQ(counters->services[ext::kDsr].packets, 2U);
}

// A full-size packet has no room for the outer header on a 1500-byte link: the client is told
// the MTU that leaves room (path MTU discovery), by the VIP, quoting its packet.
TEST_F(LbWorkerFixtureTest, DsrPacketsTooBigToWrapAreAnsweredWithFragNeeded) {
  auto big = [](TcpFlags flags) {
    return Packet()
        .ipv4(kClient, "192.168.60.13", {.dont_fragment = true})
        .tcp(40001, 80, flags)
        .payloadSize(1460);
  };
  const Bytes answer = f_.transmit(big(TcpFlags::kAck).build());
  EXPECT_PACKET_EQ(answer, Packet()
                               .eth(kLbMac, kRouterMac)
                               .ipv4("192.168.60.13", kClient)
                               .icmpv4FragNeeded(1480, big(TcpFlags::kAck).truncateTo(548))
                               .build());
  EXPECT_CHECKSUMS_VALID(answer);
  EXPECT_EQ(f_.dataplane().worker(0).counters().too_big.load(), 1U);
  // One byte less fits, and is wrapped.
  const Bytes fits = f_.transmit(Packet()
                                     .ipv4(kClient, "192.168.60.13", {.dont_fragment = true})
                                     .tcp(40001, 80, TcpFlags::kAck)
                                     .payloadSize(1440)
                                     .build());
  EXPECT_EQ(fits.size(), 14U + 1500U);
  // IPv6: "packet too big" with 1460 (room for the 40-byte outer header).
  Frontend dsr6 = fe("fd00:60::13", 80, Protocol::kUdp, 27, FrontendKind::kLoadBalancer);
  dsr6.dsr = true;
  ASSERT_TRUE(f_.dataplane().upsertFrontend(dsr6));
  ASSERT_TRUE(f_.setBackends(27, {backendAt("fd00:244:1::3", 8080)}));
  auto big6 = [] {
    return Packet().ipv6("fd00:50::100", "fd00:60::13").udp(5000, 80).payloadSize(1452);
  };
  const Bytes answer6 = f_.transmit(big6().build());
  EXPECT_PACKET_EQ(answer6, Packet()
                                .eth(kLbMac, kRouterMac)
                                .ipv6("fd00:60::13", "fd00:50::100")
                                .icmpv6PacketTooBig(1460, big6().truncateTo(1232))
                                .build());
  EXPECT_CHECKSUMS_VALID(answer6);
  // IPv4 without DF could be fragmented; sluice-lb does not: dropped and counted.
  EXPECT_EQ(verdict(Packet()
                        .ipv4(kClient, "192.168.60.13")
                        .tcp(40002, 80, TcpFlags::kAck)
                        .payloadSize(1460)
                        .build()),
            Verdict::kDrop);
  EXPECT_EQ(f_.drops(SLUICE_DROP_NAT_FAILED), 1U);
}

TEST_F(LbWorkerFixtureTest, Ipv6DsrWrapsInIpv6CarryingThePortInTheFlowLabel) {
  Frontend dsr6 = fe("fd00:60::13", 80, Protocol::kTcp, 27, FrontendKind::kLoadBalancer);
  dsr6.dsr = true;
  ASSERT_TRUE(f_.dataplane().upsertFrontend(dsr6));
  ASSERT_TRUE(f_.setBackends(27, {backendAt("fd00:244:1::3", 8080)}));
  const Bytes leaving = f_.transmit(
      Packet().ipv6("fd00:50::100", "fd00:60::13").tcp(40000, 80, TcpFlags::kSyn).build());
  const Bytes inner = Packet()
                          .noEth()
                          .ipv6("fd00:50::100", "fd00:244:1::3")
                          .tcp(40000, 8080, TcpFlags::kSyn)
                          .build();
  EXPECT_PACKET_EQ(leaving, Packet()
                                .eth(kLbMac, kBackend6Mac)
                                .ipv6("fd00:60::13", "fd00:244:1::3", {.flow_label = 80})
                                .rawL4(41)
                                .payload(inner)
                                .build());
}

// eBPF: PingToALoadBalancerIpIsAnsweredAtXdp — byte for byte.
TEST_F(LbWorkerFixtureTest, PingToALoadBalancerIpIsAnswered) {
  const Bytes request = Packet()
                            .ipv4(kClient, "192.168.60.10", {.ttl = 61})
                            .icmpv4EchoRequest(7, 3)
                            .payload("abcdefgh")
                            .build();
  const Bytes reply = f_.transmit(request);
  EXPECT_PACKET_EQ(reply, Packet()
                              .eth(packet::kDefaultDstMac, packet::kDefaultSrcMac)
                              .ipv4("192.168.60.10", kClient, {.ttl = 64})
                              .icmpv4EchoReply(7, 3)
                              .payload("abcdefgh")
                              .build());
  EXPECT_CHECKSUMS_VALID(reply);
  const Bytes request6 =
      Packet().ipv6("fd00:50::100", "fd00:50::1").icmpv6EchoRequest(9, 1).payload("x").build();
  const Bytes reply6 = f_.transmit(request6);
  EXPECT_PACKET_EQ(reply6, Packet()
                               .eth(packet::kDefaultDstMac, packet::kDefaultSrcMac)
                               .ipv6("fd00:50::1", "fd00:50::100")
                               .icmpv6EchoReply(9, 1)
                               .payload("x")
                               .build());
  // Not one of ours: passed. After its last frontend goes, the VIP is not ours either.
  EXPECT_EQ(verdict(Packet().ipv4(kClient, "192.168.50.7").icmpv4EchoRequest(7, 4).build()),
            Verdict::kPass);
  ASSERT_TRUE(f_.dataplane().deleteFrontend(
      {.address = lbIp("192.168.60.10"), .port = 80, .protocol = Protocol::kTcp}));
  EXPECT_EQ(verdict(request), Verdict::kPass);
}

// eBPF: SourceRangesAllowListedSourcesAndDropOthers.
TEST_F(LbWorkerFixtureTest, SourceRangesAllowListedSourcesAndDropOthers) {
  for (const char* allowed : {"192.168.50.100", "192.168.50.1", "10.1.200.7"}) {
    EXPECT_EQ(verdict(Packet().ipv4(allowed, "192.168.60.12").tcp(5, 80, TcpFlags::kSyn).build()),
              Verdict::kTransmit)
        << allowed;
  }
  for (const char* denied : {"192.168.50.200", "10.2.0.1", "8.8.8.8"}) {
    EXPECT_EQ(verdict(Packet().ipv4(denied, "192.168.60.12").tcp(5, 80, TcpFlags::kSyn).build()),
              Verdict::kDrop)
        << denied;
  }
  EXPECT_EQ(f_.drops(SLUICE_DROP_SOURCE_RANGE), 3U);
}

// eBPF: ExternalTrafficPolicyLocalWithoutLocalBackendsDropsAndCounts.
TEST_F(LbWorkerFixtureTest, NoEligibleBackendDropsAndCounts) {
  EXPECT_EQ(verdict(Packet().ipv4(kClient, "192.168.60.11").tcp(1, 80, TcpFlags::kSyn).build()),
            Verdict::kDrop);
  EXPECT_EQ(f_.drops(SLUICE_DROP_NO_LOCAL_BACKEND), 1U);
  ASSERT_TRUE(f_.dataplane().deleteBackends(ext::kLb));
  EXPECT_EQ(verdict(Packet().ipv4(kClient, "192.168.60.10").tcp(1, 80, TcpFlags::kSyn).build()),
            Verdict::kDrop);
  EXPECT_EQ(f_.drops(SLUICE_DROP_NO_BACKEND), 1U);
}

// eBPF: AFirstFragmentToANodePortIsDroppedAndCounted.
TEST_F(LbWorkerFixtureTest, AFirstFragmentToAFrontendIsDroppedAndCounted) {
  EXPECT_EQ(verdict(Packet()
                        .ipv4(kClient, "192.168.50.1", {.id = 7, .more_fragments = true})
                        .udp(40000, 30081)
                        .payloadSize(64)
                        .build()),
            Verdict::kDrop);
  EXPECT_EQ(f_.drops(SLUICE_DROP_FRAGMENT), 1U);
}

// eBPF: OddButValidPacketsToANodePortAreTranslated (options and extension headers kept).
TEST_F(LbWorkerFixtureTest, OddButValidPacketsAreTranslated) {
  const Bytes with_options =
      f_.transmit(Packet()
                      .ipv4(kClient, "192.168.60.10", {.options = {0x94, 0x04, 0x00, 0x00}})
                      .tcp(40010, 80, TcpFlags::kSyn)
                      .build());
  auto decoded = packet::decode(with_options);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_PACKET_EQ(with_options, Packet()
                                     .eth(kLbMac, kBackend1Mac)
                                     .ipv4("192.168.50.1", "10.244.1.3",
                                           {.ttl = 63, .options = {0x94, 0x04, 0x00, 0x00}})
                                     .tcp(decoded->srcPort().value_or(0), 8080, TcpFlags::kSyn)
                                     .build());
  EXPECT_CHECKSUMS_VALID(with_options);
  // An 802.1Q tag stays where it was.
  const Bytes tagged = f_.transmit(
      Packet().vlan(60).ipv4(kClient, "192.168.60.13").tcp(40020, 80, TcpFlags::kSyn).build());
  EXPECT_PACKET_EQ(
      tagged,
      Packet()
          .eth(kLbMac, kBackend2Mac)
          .vlan(60)
          .ipv4("192.168.60.13", "10.244.2.3", {.id = 80})
          .rawL4(kIpip)
          .payload(
              Packet().noEth().ipv4(kClient, "10.244.2.3").tcp(40020, 8080, TcpFlags::kSyn).build())
          .build());
  const Bytes with_extensions = f_.transmit(Packet()
                                                .ipv6("fd00:50::100", "fd00:50::1")
                                                .hopByHop()
                                                .destOptions()
                                                .tcp(40011, 30080, TcpFlags::kSyn)
                                                .build());
  decoded = packet::decode(with_extensions);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_PACKET_EQ(with_extensions, Packet()
                                        .eth(kLbMac, kBackend6Mac)
                                        .ipv6("fd00:50::1", "fd00:244:1::3", {.hop_limit = 63})
                                        .hopByHop()
                                        .destOptions()
                                        .tcp(decoded->srcPort().value_or(0), 8080, TcpFlags::kSyn)
                                        .build());
  EXPECT_CHECKSUMS_VALID(with_extensions);
}

// eBPF: WhatIsNotAnExternalFrontendPassesUntouched — the same frames pass untouched, except the
// ones the eBPF plane leaves to the kernel and the LB, having none, judges itself (below).
TEST_F(LbWorkerFixtureTest, WhatIsNotAnExternalFrontendPassesUntouched) {
  const Bytes cases[] = {
      Packet().ipv4(kClient, "192.168.50.1").tcp(40000, 22, TcpFlags::kSyn).build(),  // ssh
      Packet().ipv4(kClient, "10.96.0.10").tcp(40000, 80, TcpFlags::kSyn).build(),    // ClusterIP
      Packet().ipv4(kClient, "192.168.50.1").rawL4(47).payload(Bytes(8, 0)).build(),  // GRE
      Packet().ipv4(kClient, "192.168.60.10").sctp(40000, 80).build(),  // SCTP to a TCP-only LB
      Packet().ipv4(kClient, "192.168.60.10").udp(40000, 80).build(),   // UDP to a TCP-only LB
      Packet().ipv6("fd00:50::100", "fd00:50::1").udp(40000, 30080).build(),
  };
  for (const Bytes& frame : cases) {
    const LbRun r = f_.run(frame);
    EXPECT_EQ(r.outcome.verdict, Verdict::kPass) << packet::describe(frame);
    EXPECT_PACKET_EQ(r.output, frame);
  }
}

// Where the eBPF plane passes to the kernel (which answers "time exceeded" or drops), the LB
// drops and counts: bad headers by layer, TTL running out.
TEST_F(LbWorkerFixtureTest, MalformedAndExpiringPacketsAreDroppedByReason) {
  EXPECT_EQ(verdict(Packet().ipv4(kClient, "192.168.50.1").rawL4(6).payload(Bytes(8, 0)).build()),
            Verdict::kDrop);
  EXPECT_EQ(f_.drops(SLUICE_DROP_MALFORMED_L4), 1U);  // 8 bytes of a TCP header
  EXPECT_EQ(verdict(Bytes{0x02, 0, 0, 0, 0, 2, 0x02}), Verdict::kDrop);
  EXPECT_EQ(f_.drops(SLUICE_DROP_MALFORMED_L2), 1U);
  EXPECT_EQ(verdict(Packet().ipv4(kClient, "192.168.50.1", {.ihl = 4}).udp(1, 30081).build()),
            Verdict::kDrop);
  EXPECT_EQ(
      verdict(Packet().ipv4(kClient, "192.168.50.1", {.total_length = 1400}).udp(1, 30081).build()),
      Verdict::kDrop);
  EXPECT_EQ(
      verdict(
          Packet().ipv4(kClient, "192.168.50.1").tcp(40000, 30081).truncateTo(14 + 20 + 8).build()),
      Verdict::kDrop);  // the datagram ends before its total length
  EXPECT_EQ(f_.drops(SLUICE_DROP_MALFORMED_L3), 3U);
  EXPECT_EQ(verdict(Packet().ipv4(kClient, "192.168.50.1", {.ttl = 1}).udp(1, 30081).build()),
            Verdict::kDrop);
  EXPECT_EQ(f_.drops(SLUICE_DROP_TTL_EXCEEDED), 1U);
  // Every prefix of a valid frame is judged without reading past its end.
  const Bytes whole = Packet().ipv6("fd00:50::100", "fd00:50::1").hopByHop().tcp(1, 30080).build();
  for (std::size_t n = 0; n < whole.size(); ++n) {
    EXPECT_EQ(verdict(Bytes(whole.begin(), whole.begin() + static_cast<long>(n))), Verdict::kDrop)
        << n;
  }
}

// eBPF: FragNeededAboutASnatedFlowGoesBackToTheClient — the same translation, routed (TTL, MACs).
TEST_F(LbWorkerFixtureTest, FragNeededAboutAFullNatFlowGoesBackToTheClient) {
  const Bytes leaving =
      f_.transmit(Packet().ipv4(kClient, "192.168.50.1").tcp(41000, 30081, TcpFlags::kAck).build());
  auto decoded = packet::decode(leaving);
  ASSERT_TRUE(decoded.has_value());
  const std::uint16_t snat_port = decoded->srcPort().value_or(0);
  auto quote = [](const char* src, std::uint16_t sport, const char* dst, std::uint16_t dport) {
    return Packet()
        .ipv4(src, dst)
        .tcp(sport, dport, TcpFlags::kAck)
        .payloadSize(1400)
        .truncateTo(20 + 28);
  };
  for (const char* reporter : {"192.168.50.2", "10.244.2.3"}) {
    SCOPED_TRACE(reporter);
    const Bytes error = f_.transmit(
        Packet()
            .ipv4(reporter, "192.168.50.1")
            .icmpv4FragNeeded(1200, quote("192.168.50.1", snat_port, "10.244.2.3", 8080))
            .build());
    const char* heard_from = std::string(reporter) == "10.244.2.3" ? "192.168.50.1" : reporter;
    EXPECT_PACKET_EQ(error,
                     Packet()
                         .eth(kLbMac, kRouterMac)
                         .ipv4(heard_from, kClient, {.ttl = 63})
                         .icmpv4FragNeeded(1200, quote(kClient, 41000, "192.168.50.1", 30081))
                         .build());
    EXPECT_CHECKSUMS_VALID(error);
  }
  // About a port no flow holds: not ours to translate.
  EXPECT_EQ(verdict(Packet()
                        .ipv4("10.244.2.3", "192.168.50.1")
                        .icmpv4FragNeeded(1200, quote("192.168.50.1", 60000, "10.244.2.3", 8080))
                        .build()),
            Verdict::kPass);
}

TEST_F(LbWorkerFixtureTest, PacketTooBigAboutAnIpv6FullNatFlowGoesBackToTheClient) {
  const Bytes leaving = f_.transmit(
      Packet().ipv6("fd00:50::100", "fd00:50::1").tcp(40000, 30080, TcpFlags::kAck).build());
  auto decoded = packet::decode(leaving);
  ASSERT_TRUE(decoded.has_value());
  const std::uint16_t snat_port = decoded->srcPort().value_or(0);
  auto quote = [](const char* src, std::uint16_t sport, const char* dst, std::uint16_t dport) {
    return Packet()
        .ipv6(src, dst)
        .tcp(sport, dport, TcpFlags::kAck)
        .payloadSize(1400)
        .truncateTo(40 + 60);
  };
  const Bytes error = f_.transmit(
      Packet()
          .ipv6("fd00:244:1::3", "fd00:50::1")
          .icmpv6PacketTooBig(1280, quote("fd00:50::1", snat_port, "fd00:244:1::3", 8080))
          .build());
  EXPECT_PACKET_EQ(error,
                   Packet()
                       .eth(kLbMac, kRouterMac)
                       .ipv6("fd00:50::1", "fd00:50::100", {.hop_limit = 63})
                       .icmpv6PacketTooBig(1280, quote("fd00:50::100", 40000, "fd00:50::1", 30080))
                       .build());
  EXPECT_CHECKSUMS_VALID(error);
}

TEST_F(LbWorkerFixtureTest, WithoutANextHopTheFlowIsDroppedAndCounted) {
  f_.dataplane().setGateway(std::nullopt);
  ASSERT_TRUE(f_.setBackends(ext::kLb, {backendAt("10.244.9.9", 8080)}));
  EXPECT_EQ(verdict(Packet().ipv4(kClient, "192.168.60.10").tcp(1, 80, TcpFlags::kSyn).build()),
            Verdict::kDrop);
  EXPECT_EQ(f_.drops(SLUICE_DROP_NAT_FAILED), 1U);
  EXPECT_EQ(f_.dataplane().worker(0).counters().no_next_hop.load(), 1U);
}

}  // namespace
}  // namespace sluice::testing
