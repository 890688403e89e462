// The external path through BPF_PROG_RUN: XDP on the node's external interface for arriving
// packets, tc egress there for leaving ones. NodePort to a local and to a remote backend (with
// SNAT and the whole round trip), ETP=Local, source ranges, and what must pass or drop.
#include <gtest/gtest.h>
#include <linux/bpf.h>

#include <set>
#include <string>

#include "sluice/lab/privileged.h"
#include "sluice/packet/decode.h"
#include "sluice/packet/describe.h"
#include "sluice/packet/testing.h"
#include "tc_fixture.h"

namespace sluice::testing {
namespace {

using dataplane::Backend;
using dataplane::Frontend;
using dataplane::FrontendKind;
using dataplane::Protocol;
using packet::Bytes;
using packet::Packet;
using packet::TcpFlags;

constexpr TcpFlags kSynAck = TcpFlags::kSyn | TcpFlags::kAck;
constexpr const char* kClient = "192.168.50.100";

namespace ext {
inline constexpr dataplane::ServiceId kLocal = 20;     // 192.168.50.1:30080 → 10.244.1.3 (here)
inline constexpr dataplane::ServiceId kRemote = 21;    // 192.168.50.1:30081 → 10.244.2.3
inline constexpr dataplane::ServiceId kEtpLocal = 22;  // 192.168.60.10:80 LB, ETP=Local
inline constexpr dataplane::ServiceId kNoLocal = 23;   // 192.168.60.11:80 LB, ETP=Local, none
inline constexpr dataplane::ServiceId kRanges = 24;    // 192.168.60.12:80 LB, 192.168.50.0/25
inline constexpr dataplane::ServiceId kLocal6 = 25;    // [fd00:50::1]:30080 → fd00:244:1::3
inline constexpr dataplane::ServiceId kDsr = 26;       // 192.168.60.13:80 LB, DSR → 10.244.2.3
}  // namespace ext

Backend localBackend(const char* address, std::uint16_t port) {
  Backend b = backend(address, port);
  b.node_local = true;
  return b;
}

class ExtFlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SLUICE_REQUIRE_ROOT();
    auto f = TcFixture::create();
    ASSERT_TRUE(f.has_value()) << f.error().toString();
    f_ = std::move(*f);
    auto& dp = f_->dataplane();
    auto fe = [](const char* address, std::uint16_t port, Protocol protocol,
                 dataplane::ServiceId id, FrontendKind kind) {
      return Frontend{.key = {.address = ip(address), .port = port, .protocol = protocol},
                      .service = id,
                      .kind = kind};
    };
    ASSERT_TRUE(dp.upsertFrontend(
        fe("192.168.50.1", 30080, Protocol::kTcp, ext::kLocal, FrontendKind::kNodePort)));
    ASSERT_TRUE(f_->setBackends(ext::kLocal, {localBackend("10.244.1.3", 8080)}));
    for (const Protocol p : {Protocol::kTcp, Protocol::kUdp}) {
      ASSERT_TRUE(
          dp.upsertFrontend(fe("192.168.50.1", 30081, p, ext::kRemote, FrontendKind::kNodePort)));
    }
    ASSERT_TRUE(f_->setBackends(ext::kRemote, {backend("10.244.2.3", 8080)}));

    Frontend etp =
        fe("192.168.60.10", 80, Protocol::kTcp, ext::kEtpLocal, FrontendKind::kLoadBalancer);
    etp.local_only = true;
    ASSERT_TRUE(dp.upsertFrontend(etp));
    ASSERT_TRUE(setLocalOnly(ext::kEtpLocal,
                             {localBackend("10.244.1.3", 8080), backend("10.244.2.3", 8080)}));
    Frontend none =
        fe("192.168.60.11", 80, Protocol::kTcp, ext::kNoLocal, FrontendKind::kLoadBalancer);
    none.local_only = true;
    ASSERT_TRUE(dp.upsertFrontend(none));
    ASSERT_TRUE(setLocalOnly(ext::kNoLocal, {backend("10.244.2.3", 8080)}));

    Frontend ranged =
        fe("192.168.60.12", 80, Protocol::kTcp, ext::kRanges, FrontendKind::kLoadBalancer);
    ranged.source_ranges = {base::IpPrefix::parse("192.168.50.0/25").value(),
                            base::IpPrefix::parse("10.1.0.0/16").value()};
    ASSERT_TRUE(dp.upsertFrontend(ranged));
    ASSERT_TRUE(f_->setBackends(ext::kRanges, {localBackend("10.244.1.3", 8080)}));

    ASSERT_TRUE(dp.upsertFrontend(
        fe("fd00:50::1", 30080, Protocol::kTcp, ext::kLocal6, FrontendKind::kNodePort)));
    Frontend dsr = fe("192.168.60.13", 80, Protocol::kTcp, ext::kDsr, FrontendKind::kLoadBalancer);
    dsr.dsr = true;
    ASSERT_TRUE(dp.upsertFrontend(dsr));
    ASSERT_TRUE(f_->setBackends(ext::kDsr, {backend("10.244.2.3", 8080)}));
    ASSERT_TRUE(f_->setBackends(ext::kLocal6, {localBackend("fd00:244:1::3", 8080)}));
  }

  base::Status setLocalOnly(dataplane::ServiceId id, std::vector<Backend> backends) {
    auto set = dataplane::buildServiceBackends(id, std::move(backends),
                                               {.maglev_size = kMaglevSize, .local_only = true});
    if (!set) return base::fail(std::move(set.error()));
    return f_->dataplane().replaceBackends(*set);
  }

  // XDP must pass the frame on (rewritten or not); returns it.
  Bytes xdpPass(const Bytes& frame) {
    auto r = f_->xdp(frame);
    EXPECT_TRUE(r.has_value()) << r.error().toString();
    if (!r) return {};
    EXPECT_EQ(r->verdict, XDP_PASS) << packet::describe(frame);
    return r->output;
  }
  int xdpVerdict(const Bytes& frame) {
    auto r = f_->xdp(frame);
    EXPECT_TRUE(r.has_value()) << r.error().toString();
    return r ? r->verdict : -1;
  }
  Bytes egress(const Bytes& frame) {
    auto r = f_->extEgress(frame);
    EXPECT_TRUE(r.has_value()) << r.error().toString();
    if (!r) return {};
    EXPECT_EQ(r->verdict, TC_ACT_OK) << packet::describe(frame);
    return r->output;
  }

  std::unique_ptr<TcFixture> f_;
};

TEST_F(ExtFlowTest, NodePortToALocalBackendKeepsTheClientAddress) {
  const Bytes in =
      xdpPass(Packet().ipv4(kClient, "192.168.50.1").tcp(40000, 30080, TcpFlags::kSyn).build());
  EXPECT_PACKET_EQ(in,
                   Packet().ipv4(kClient, "10.244.1.3").tcp(40000, 8080, TcpFlags::kSyn).build());
  EXPECT_CHECKSUMS_VALID(in);
  const Bytes reply =
      egress(Packet().ipv4("10.244.1.3", kClient).tcp(8080, 40000, kSynAck).build());
  EXPECT_PACKET_EQ(reply,
                   Packet().ipv4("192.168.50.1", kClient).tcp(30080, 40000, kSynAck).build());
  EXPECT_CHECKSUMS_VALID(reply);
  EXPECT_EQ(f_->serviceCounters(ext::kLocal).new_connections, 1U);
}

TEST_F(ExtFlowTest, Ipv6NodePortToALocalBackend) {
  const Bytes in = xdpPass(
      Packet().ipv6("fd00:50::100", "fd00:50::1").tcp(40000, 30080, TcpFlags::kSyn).build());
  EXPECT_PACKET_EQ(
      in, Packet().ipv6("fd00:50::100", "fd00:244:1::3").tcp(40000, 8080, TcpFlags::kSyn).build());
  EXPECT_CHECKSUMS_VALID(in);
  const Bytes reply =
      egress(Packet().ipv6("fd00:244:1::3", "fd00:50::100").tcp(8080, 40000, kSynAck).build());
  EXPECT_PACKET_EQ(reply,
                   Packet().ipv6("fd00:50::1", "fd00:50::100").tcp(30080, 40000, kSynAck).build());
}

// The whole round trip of a flow to a backend on another node, through SNAT.
TEST_F(ExtFlowTest, NodePortToARemoteBackendIsSourceNatedBothWays) {
  for (const Protocol protocol : {Protocol::kTcp, Protocol::kUdp}) {
    SCOPED_TRACE(protocol == Protocol::kTcp ? "tcp" : "udp");
    auto l4 = [&](Packet p, std::uint16_t sport, std::uint16_t dport, bool reply) {
      if (protocol == Protocol::kUdp) return p.udp(sport, dport).payload(reply ? "pong" : "ping");
      return p.tcp(sport, dport, reply ? kSynAck : TcpFlags::kSyn);
    };
    const Bytes arrived =
        xdpPass(l4(Packet().ipv4(kClient, "192.168.50.1"), 41000, 30081, false).build());
    EXPECT_PACKET_EQ(arrived, l4(Packet().ipv4(kClient, "10.244.2.3"), 41000, 8080, false).build());
    const Bytes leaving = egress(arrived);
    auto decoded = packet::decode(leaving);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->src().to_string(), "192.168.50.1") << packet::describe(leaving);
    EXPECT_EQ(decoded->dst().to_string(), "10.244.2.3");
    const std::uint16_t snat_port = decoded->srcPort().value_or(0);
    EXPECT_GE(snat_port, 32768);
    EXPECT_LE(snat_port, 60999);
    EXPECT_CHECKSUMS_VALID(leaving);

    const Bytes reply_in =
        xdpPass(l4(Packet().ipv4("10.244.2.3", "192.168.50.1"), 8080, snat_port, true).build());
    EXPECT_PACKET_EQ(reply_in, l4(Packet().ipv4("10.244.2.3", kClient), 8080, 41000, true).build());
    const Bytes reply_out = egress(reply_in);
    EXPECT_PACKET_EQ(reply_out,
                     l4(Packet().ipv4("192.168.50.1", kClient), 30081, 41000, true).build());
    EXPECT_CHECKSUMS_VALID(reply_out);
  }
}

TEST_F(ExtFlowTest, TwoClientsWithTheSameSourcePortGetTheirOwnSnatPorts) {
  std::set<std::uint16_t> ports;
  for (const char* client : {"192.168.50.100", "192.168.50.101", "192.168.50.102"}) {
    const Bytes leaving = egress(
        xdpPass(Packet().ipv4(client, "192.168.50.1").tcp(40000, 30081, TcpFlags::kSyn).build()));
    auto decoded = packet::decode(leaving);
    ASSERT_TRUE(decoded.has_value());
    ports.insert(decoded->srcPort().value_or(0));
  }
  ASSERT_EQ(ports.size(), 3U);
  // Each reply finds its own client again.
  std::set<std::string> clients;
  for (const std::uint16_t port : ports) {
    const Bytes back =
        xdpPass(Packet().ipv4("10.244.2.3", "192.168.50.1").tcp(8080, port, kSynAck).build());
    auto decoded = packet::decode(back);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->dstPort(), 40000);
    clients.insert(decoded->dst().to_string());
  }
  EXPECT_EQ(clients, (std::set<std::string>{"192.168.50.100", "192.168.50.101", "192.168.50.102"}));
}

TEST_F(ExtFlowTest, ExternalTrafficPolicyLocalUsesOnlyLocalBackendsAndKeepsTheClient) {
  for (std::uint16_t port = 1000; port < 1040; ++port) {
    const Bytes frame =
        Packet().ipv4(kClient, "192.168.60.10").tcp(port, 80, TcpFlags::kSyn).build();
    const Bytes in = xdpPass(frame);
    EXPECT_PACKET_EQ(in,
                     Packet().ipv4(kClient, "10.244.1.3").tcp(port, 8080, TcpFlags::kSyn).build());
    EXPECT_PACKET_EQ(egress(in), in) << "ETP=Local must not source-NAT";
  }
}

TEST_F(ExtFlowTest, ExternalTrafficPolicyLocalWithoutLocalBackendsDropsAndCounts) {
  const Bytes frame = Packet().ipv4(kClient, "192.168.60.11").tcp(1, 80, TcpFlags::kSyn).build();
  EXPECT_EQ(xdpVerdict(frame), XDP_DROP);
  EXPECT_EQ(f_->drops(SLUICE_DROP_NO_LOCAL_BACKEND), 1U);
}

TEST_F(ExtFlowTest, SourceRangesAllowListedSourcesAndDropOthers) {
  for (const char* allowed : {"192.168.50.100", "192.168.50.1", "10.1.200.7"}) {
    EXPECT_EQ(
        xdpVerdict(Packet().ipv4(allowed, "192.168.60.12").tcp(5, 80, TcpFlags::kSyn).build()),
        XDP_PASS)
        << allowed;
  }
  for (const char* denied : {"192.168.50.200", "10.2.0.1", "8.8.8.8"}) {
    EXPECT_EQ(xdpVerdict(Packet().ipv4(denied, "192.168.60.12").tcp(5, 80, TcpFlags::kSyn).build()),
              XDP_DROP)
        << denied;
  }
  EXPECT_EQ(f_->drops(SLUICE_DROP_SOURCE_RANGE), 3U);
  // A NodePort of the same service neither clears the ranges nor takes its own.
  ASSERT_TRUE(f_->dataplane().upsertFrontend(
      {.key = {.address = ip("192.168.50.1"), .port = 30099, .protocol = Protocol::kTcp},
       .service = ext::kRanges,
       .kind = FrontendKind::kNodePort}));
  EXPECT_EQ(
      xdpVerdict(Packet().ipv4("10.2.0.1", "192.168.60.12").tcp(6, 80, TcpFlags::kSyn).build()),
      XDP_DROP)
      << "the LoadBalancer's ranges still hold";
  EXPECT_FALSE(f_->dataplane().upsertFrontend(
      {.key = {.address = ip("192.168.50.1"), .port = 30098, .protocol = Protocol::kTcp},
       .service = ext::kRanges,
       .kind = FrontendKind::kNodePort,
       .source_ranges = {base::IpPrefix::parse("10.0.0.0/8").value()}}));
  auto state = f_->dataplane().programmed();
  ASSERT_TRUE(state.has_value());
  for (const auto& fe : state->frontends) {
    if (fe.service != ext::kRanges || fe.kind != FrontendKind::kLoadBalancer) continue;
    ASSERT_EQ(fe.source_ranges.size(), 2U) << "source ranges read back";
    EXPECT_EQ(fe.source_ranges[0].toString(), "10.1.0.0/16");
    EXPECT_EQ(fe.source_ranges[1].toString(), "192.168.50.0/25");
  }
}

TEST_F(ExtFlowTest, OddButValidPacketsToANodePortAreTranslated) {
  // IPv4 options (router alert) stay, checksums stay right.
  const Bytes with_options =
      xdpPass(Packet()
                  .ipv4(kClient, "192.168.50.1", {.options = {0x94, 0x04, 0x00, 0x00}})
                  .tcp(40010, 30080, TcpFlags::kSyn)
                  .build());
  EXPECT_PACKET_EQ(with_options,
                   Packet()
                       .ipv4(kClient, "10.244.1.3", {.options = {0x94, 0x04, 0x00, 0x00}})
                       .tcp(40010, 8080, TcpFlags::kSyn)
                       .build());
  EXPECT_CHECKSUMS_VALID(with_options);
  // IPv6 extension headers are walked to reach TCP.
  const Bytes with_extensions = xdpPass(Packet()
                                            .ipv6("fd00:50::100", "fd00:50::1")
                                            .hopByHop()
                                            .destOptions()
                                            .tcp(40011, 30080, TcpFlags::kSyn)
                                            .build());
  EXPECT_PACKET_EQ(with_extensions, Packet()
                                        .ipv6("fd00:50::100", "fd00:244:1::3")
                                        .hopByHop()
                                        .destOptions()
                                        .tcp(40011, 8080, TcpFlags::kSyn)
                                        .build());
  EXPECT_CHECKSUMS_VALID(with_extensions);
  // TTL 1 is translated and handed on: the kernel's forwarding answers "time exceeded", which
  // the egress path translates back (as for frag-needed).
  const Bytes last_hop = xdpPass(
      Packet().ipv4(kClient, "192.168.50.1", {.ttl = 1}).tcp(40012, 30080, TcpFlags::kSyn).build());
  EXPECT_PACKET_EQ(
      last_hop,
      Packet().ipv4(kClient, "10.244.1.3", {.ttl = 1}).tcp(40012, 8080, TcpFlags::kSyn).build());
}

TEST_F(ExtFlowTest, WhatIsNotAnExternalFrontendPassesUntouched) {
  const Bytes cases[] = {
      Packet().ipv4(kClient, "192.168.50.1").tcp(40000, 22, TcpFlags::kSyn).build(),  // ssh
      Packet().ipv4(kClient, "10.96.0.10").tcp(40000, 80, TcpFlags::kSyn).build(),    // ClusterIP
      Packet().ipv4(kClient, "192.168.50.1").rawL4(47).payload(Bytes(8, 0)).build(),  // GRE
      Packet().ipv4(kClient, "192.168.50.1").icmpv4EchoRequest(1, 1).build(),
      Packet().ipv4(kClient, "192.168.50.1").tcp(40000, 30080).truncateTo(14 + 20 + 8).build(),
      Packet().ipv4(kClient, "192.168.50.1", {.ttl = 1}).udp(40000, 30080).build(),  // TCP-only
      Packet().ipv4(kClient, "192.168.60.10").sctp(40000, 80).build(),  // SCTP to a TCP-only LB
      Packet().ipv6("fd00:50::100", "fd00:50::1").udp(40000, 30080).build(),
  };
  for (const Bytes& frame : cases) EXPECT_PACKET_EQ(xdpPass(frame), frame);
}

TEST_F(ExtFlowTest, AFirstFragmentToANodePortIsDroppedAndCounted) {
  const Bytes frame = Packet()
                          .ipv4(kClient, "192.168.50.1", {.id = 7, .more_fragments = true})
                          .udp(40000, 30081)
                          .payloadSize(64)
                          .build();
  EXPECT_EQ(xdpVerdict(frame), XDP_DROP);
  EXPECT_EQ(f_->drops(SLUICE_DROP_FRAGMENT), 1U);
}

TEST_F(ExtFlowTest, PingToALoadBalancerIpIsAnsweredAtXdp) {
  const Bytes request = Packet()
                            .ipv4(kClient, "192.168.60.10", {.ttl = 61})
                            .icmpv4EchoRequest(7, 3)
                            .payload("abcdefgh")
                            .build();
  auto r = f_->xdp(request);
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  EXPECT_EQ(r->verdict, XDP_TX);
  EXPECT_PACKET_EQ(r->output, Packet()
                                  .eth(packet::kDefaultDstMac, packet::kDefaultSrcMac)
                                  .ipv4("192.168.60.10", kClient, {.ttl = 64})
                                  .icmpv4EchoReply(7, 3)
                                  .payload("abcdefgh")
                                  .build());
  EXPECT_CHECKSUMS_VALID(r->output);
  // A node address is the kernel's to answer; after its last LB frontend goes, so is the VIP.
  const Bytes to_node = Packet().ipv4(kClient, "192.168.50.1").icmpv4EchoRequest(7, 4).build();
  EXPECT_EQ(xdpVerdict(to_node), XDP_PASS);
  for (const Protocol p : {Protocol::kTcp}) {
    ASSERT_TRUE(f_->dataplane().deleteFrontend(
        {.address = ip("192.168.60.10"), .port = 80, .protocol = p}));
  }
  EXPECT_EQ(xdpVerdict(request), XDP_PASS);
}

// DSR, the frontend's node: DNAT at XDP, then IPIP on the way out, naming the frontend.
TEST_F(ExtFlowTest, DsrWrapsTheDnatedPacketInIpipNamingTheFrontend) {
  const Bytes arrived =
      xdpPass(Packet().ipv4(kClient, "192.168.60.13").tcp(40000, 80, TcpFlags::kSyn).build());
  const Bytes inner =
      Packet().noEth().ipv4(kClient, "10.244.2.3").tcp(40000, 8080, TcpFlags::kSyn).build();
  EXPECT_PACKET_EQ(arrived,
                   Packet().ipv4(kClient, "10.244.2.3").tcp(40000, 8080, TcpFlags::kSyn).build());
  const Bytes leaving = egress(arrived);
  EXPECT_PACKET_EQ(leaving, Packet()
                                .ipv4("192.168.60.13", "10.244.2.3", {.id = 80})
                                .rawL4(IPPROTO_IPIP)
                                .payload(inner)
                                .build());
  EXPECT_CHECKSUMS_VALID(leaving);
}

// DSR, the backend's node: the IPIP packet is unwrapped at XDP, and the backend's answer leaves
// with the frontend as its source, straight to the client.
TEST_F(ExtFlowTest, DsrIsUnwrappedAndTheBackendAnswersAsTheFrontend) {
  const Bytes inner =
      Packet().noEth().ipv4(kClient, "10.244.2.3").tcp(40000, 8080, TcpFlags::kSyn).build();
  const Bytes unwrapped = xdpPass(Packet()
                                      .ipv4("192.168.60.13", "10.244.2.3", {.id = 80})
                                      .rawL4(IPPROTO_IPIP)
                                      .payload(inner)
                                      .build());
  EXPECT_PACKET_EQ(unwrapped,
                   Packet().ipv4(kClient, "10.244.2.3").tcp(40000, 8080, TcpFlags::kSyn).build());
  const Bytes answer =
      egress(Packet().ipv4("10.244.2.3", kClient).tcp(8080, 40000, kSynAck).build());
  EXPECT_PACKET_EQ(answer, Packet().ipv4("192.168.60.13", kClient).tcp(80, 40000, kSynAck).build());
  EXPECT_CHECKSUMS_VALID(answer);
  // IPIP naming a frontend that is not DSR here is not ours to unwrap.
  const Bytes foreign = Packet()
                            .ipv4("192.168.60.10", "10.244.2.3", {.id = 80})
                            .rawL4(IPPROTO_IPIP)
                            .payload(inner)
                            .build();
  EXPECT_PACKET_EQ(xdpPass(foreign), foreign);
}

// PMTU on the path to a remote backend: the error reaches the SNATing node quoting the packet as
// it left (node:port → backend); the client must get it, about the packet it sent.
TEST_F(ExtFlowTest, FragNeededAboutASnatedFlowGoesBackToTheClient) {
  const Bytes leaving = egress(
      xdpPass(Packet().ipv4(kClient, "192.168.50.1").tcp(41000, 30081, TcpFlags::kAck).build()));
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
    auto r = f_->extTcIngress(
        Packet()
            .ipv4(reporter, "192.168.50.1")
            .icmpv4FragNeeded(1200, quote("192.168.50.1", snat_port, "10.244.2.3", 8080))
            .build());
    ASSERT_TRUE(r.has_value()) << r.error().toString();
    EXPECT_EQ(r->verdict, TC_ACT_OK);
    // The backend itself reporting is heard from the frontend; a router keeps its address.
    const char* heard_from = std::string(reporter) == "10.244.2.3" ? "192.168.50.1" : reporter;
    EXPECT_PACKET_EQ(r->output,
                     Packet()
                         .ipv4(heard_from, kClient)
                         .icmpv4FragNeeded(1200, quote(kClient, 41000, "192.168.50.1", 30081))
                         .build());
    EXPECT_CHECKSUMS_VALID(r->output);
  }
}

// The node itself reports "fragmentation needed" to the client about a DNATed packet (the
// backend's link has a lower MTU): the client must hear it about the NodePort it used.
TEST_F(ExtFlowTest, FragNeededAboutANodePortFlowIsTranslatedOnTheWayOut) {
  xdpPass(Packet().ipv4(kClient, "192.168.50.1").tcp(40000, 30080, TcpFlags::kAck).build());
  auto quote = [](const char* dst, std::uint16_t dport) {
    return Packet()
        .ipv4(kClient, dst)
        .tcp(40000, dport, TcpFlags::kAck)
        .payloadSize(1400)
        .truncateTo(20 + 28);
  };
  const Bytes error = egress(Packet()
                                 .ipv4("192.168.50.1", kClient)
                                 .icmpv4FragNeeded(1200, quote("10.244.1.3", 8080))
                                 .build());
  EXPECT_PACKET_EQ(error, Packet()
                              .ipv4("192.168.50.1", kClient)
                              .icmpv4FragNeeded(1200, quote("192.168.50.1", 30080))
                              .build());
  EXPECT_CHECKSUMS_VALID(error);
}

}  // namespace
}  // namespace sluice::testing
