// The tc pod path over whole flows, through BPF_PROG_RUN: a client packet in, the backend's
// answer out, with the data plane changed in between — replies and ICMP errors translated back,
// affinity, terminating fallback, backends leaving and arriving, conntrack ageing, counters.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "sluice/lab/privileged.h"
#include "sluice/packet/decode.h"
#include "sluice/packet/describe.h"
#include "sluice/packet/testing.h"
#include "tc_fixture.h"

namespace sluice::testing {
namespace {

using dataplane::BackendState;
using packet::Bytes;
using packet::Packet;
using packet::TcpFlags;

constexpr TcpFlags kSynAck = TcpFlags::kSyn | TcpFlags::kAck;

// A frame turned around towards its sender: Ethernet addresses swapped.
Packet answer() { return Packet().eth(packet::kDefaultDstMac, packet::kDefaultSrcMac); }

class TcFlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SLUICE_REQUIRE_ROOT();
    auto f = TcFixture::create();
    ASSERT_TRUE(f.has_value()) << f.error().toString();
    f_ = std::move(*f);
  }

  // Runs the ingress program; the frame must pass (possibly rewritten). Returns what left.
  Bytes in(const Bytes& frame) {
    auto result = f_->ingress(frame);
    EXPECT_TRUE(result.has_value()) << result.error().toString();
    if (!result) return {};
    EXPECT_EQ(result->verdict, TC_ACT_OK) << packet::describe(frame);
    return result->output;
  }
  Bytes out(const Bytes& frame) {
    auto result = f_->egress(frame);
    EXPECT_TRUE(result.has_value()) << result.error().toString();
    if (!result) return {};
    EXPECT_EQ(result->verdict, TC_ACT_OK) << packet::describe(frame);
    return result->output;
  }

  // "10.244.2.9:80": where a rewritten client packet goes.
  static std::string destination(const Bytes& frame) {
    auto decoded = packet::decode(frame);
    if (!decoded) return "undecodable: " + decoded.error().toString();
    return base::formatEndpoint(decoded->dst(), decoded->dstPort().value_or(0));
  }

  // A TCP SYN from 10.244.1.2:<port> to the trio service; returns the backend it went to.
  std::string synToTrio(std::uint16_t port, const char* client = "10.244.1.2") {
    return destination(
        in(Packet().ipv4(client, "10.96.0.30").tcp(port, 80, TcpFlags::kSyn).build()));
  }

  std::unique_ptr<TcFixture> f_;
};

// --- replies

TEST_F(TcFlowTest, TcpReplyGetsTheFrontendAsSource) {
  EXPECT_PACKET_EQ(
      in(Packet().ipv4("10.244.1.2", "10.96.0.10").tcp(40000, 80, TcpFlags::kSyn).build()),
      Packet().ipv4("10.244.1.2", "10.244.2.3").tcp(40000, 8080, TcpFlags::kSyn).build());
  const Bytes reply =
      out(Packet().ipv4("10.244.2.3", "10.244.1.2").tcp(8080, 40000, kSynAck).build());
  EXPECT_PACKET_EQ(reply,
                   Packet().ipv4("10.96.0.10", "10.244.1.2").tcp(80, 40000, kSynAck).build());
  EXPECT_CHECKSUMS_VALID(reply);
}

TEST_F(TcFlowTest, Ipv6UdpReplyGetsTheFrontendAsSource) {
  in(Packet().ipv6("fd00:244:1::2", "fd00:96::10").udp(5000, 53).payload("query").build());
  const Bytes reply = out(
      Packet().ipv6("fd00:244:2::3", "fd00:244:1::2").udp(5353, 5000).payload("answer").build());
  EXPECT_PACKET_EQ(
      reply, Packet().ipv6("fd00:96::10", "fd00:244:1::2").udp(53, 5000).payload("answer").build());
  EXPECT_CHECKSUMS_VALID(reply);
}

TEST_F(TcFlowTest, ReplyFromAnotherPortOfTheBackendIsNotTranslated) {
  in(Packet().ipv4("10.244.1.2", "10.96.0.10").tcp(40000, 80, TcpFlags::kSyn).build());
  const Bytes stray = Packet().ipv4("10.244.2.3", "10.244.1.2").tcp(9999, 40000, kSynAck).build();
  EXPECT_PACKET_EQ(out(stray), stray);
}

// --- hairpin: the backend pod itself dials its service and is chosen

TEST_F(TcFlowTest, HairpinFlowIsSentBackIntoThePodFromTheHairpinAddress) {
  // 10.244.2.3 is web's only backend; as a client it reaches itself.
  auto forward =
      f_->ingress(Packet().ipv4("10.244.2.3", "10.96.0.10").tcp(40000, 80, TcpFlags::kSyn).build());
  ASSERT_TRUE(forward.has_value()) << forward.error().toString();
  EXPECT_EQ(forward->verdict, TC_ACT_REDIRECT);
  EXPECT_PACKET_EQ(
      forward->output,
      answer().ipv4("169.254.42.1", "10.244.2.3").tcp(40000, 8080, TcpFlags::kSyn).build());
  EXPECT_CHECKSUMS_VALID(forward->output);

  auto reply =
      f_->ingress(Packet().ipv4("10.244.2.3", "169.254.42.1").tcp(8080, 40000, kSynAck).build());
  ASSERT_TRUE(reply.has_value()) << reply.error().toString();
  EXPECT_EQ(reply->verdict, TC_ACT_REDIRECT);
  EXPECT_PACKET_EQ(reply->output,
                   answer().ipv4("10.96.0.10", "10.244.2.3").tcp(80, 40000, kSynAck).build());
  EXPECT_CHECKSUMS_VALID(reply->output);
}

TEST_F(TcFlowTest, Ipv6HairpinUsesTheIpv6HairpinAddress) {
  auto forward =
      f_->ingress(Packet().ipv6("fd00:244:2::3", "fd00:96::10").udp(5000, 53).payload("q").build());
  ASSERT_TRUE(forward.has_value()) << forward.error().toString();
  EXPECT_EQ(forward->verdict, TC_ACT_REDIRECT);
  EXPECT_PACKET_EQ(
      forward->output,
      answer().ipv6("fd51:1ce::1", "fd00:244:2::3").udp(5000, 5353).payload("q").build());
  auto reply = f_->ingress(
      Packet().ipv6("fd00:244:2::3", "fd51:1ce::1").udp(5353, 5000).payload("a").build());
  ASSERT_TRUE(reply.has_value()) << reply.error().toString();
  EXPECT_PACKET_EQ(
      reply->output,
      answer().ipv6("fd00:96::10", "fd00:244:2::3").udp(53, 5000).payload("a").build());
  EXPECT_CHECKSUMS_VALID(reply->output);
}

TEST_F(TcFlowTest, PacketsToTheHairpinAddressWithoutAFlowAreLeftAlone) {
  const Bytes stray = Packet().ipv4("10.244.2.3", "169.254.42.1").tcp(8080, 40000, kSynAck).build();
  EXPECT_PACKET_EQ(in(stray), stray);
}

// --- ICMP errors about a NATed flow

// What the client sent, as the backend's side quotes it: after DNAT, cut to 28 bytes of TCP.
Packet quotedTcp(const char* dst, std::uint16_t dport) {
  return Packet()
      .ipv4("10.244.1.2", dst)
      .tcp(40000, dport, TcpFlags::kAck)
      .payloadSize(1400)
      .truncateTo(20 + 28);
}

TEST_F(TcFlowTest, FragNeededFromTheBackendIsTranslatedBack) {
  in(Packet().ipv4("10.244.1.2", "10.96.0.10").tcp(40000, 80, TcpFlags::kSyn).build());
  const Bytes error = out(Packet()
                              .ipv4("10.244.2.3", "10.244.1.2")
                              .icmpv4FragNeeded(1400, quotedTcp("10.244.2.3", 8080))
                              .build());
  EXPECT_PACKET_EQ(error, Packet()
                              .ipv4("10.96.0.10", "10.244.1.2")
                              .icmpv4FragNeeded(1400, quotedTcp("10.96.0.10", 80))
                              .build());
  EXPECT_CHECKSUMS_VALID(error);
}

TEST_F(TcFlowTest, TimeExceededFromARouterKeepsTheRouterAsSource) {
  in(Packet().ipv4("10.244.1.2", "10.96.0.10").tcp(40000, 80, TcpFlags::kSyn).build());
  const Bytes error = out(Packet()
                              .ipv4("192.168.50.1", "10.244.1.2")
                              .icmpv4TimeExceeded(quotedTcp("10.244.2.3", 8080))
                              .build());
  EXPECT_PACKET_EQ(error, Packet()
                              .ipv4("192.168.50.1", "10.244.1.2")
                              .icmpv4TimeExceeded(quotedTcp("10.96.0.10", 80))
                              .build());
  EXPECT_CHECKSUMS_VALID(error);
}

TEST_F(TcFlowTest, UdpPortUnreachableQuotedWholeIsTranslatedWithItsChecksum) {
  in(Packet().ipv4("10.244.1.2", "10.96.0.10").udp(5000, 53).payload("query").build());
  auto quote = [](const char* dst, std::uint16_t dport) {
    return Packet().ipv4("10.244.1.2", dst).udp(5000, dport).payload("query");
  };
  const Bytes error =
      out(Packet()
              .ipv4("10.244.2.3", "10.244.1.2")
              .icmpv4DestUnreachable(packet::icmp4::kPortUnreachable, quote("10.244.2.3", 5353))
              .build());
  EXPECT_PACKET_EQ(
      error, Packet()
                 .ipv4("10.96.0.10", "10.244.1.2")
                 .icmpv4DestUnreachable(packet::icmp4::kPortUnreachable, quote("10.96.0.10", 53))
                 .build());
  EXPECT_CHECKSUMS_VALID(error);
}

TEST_F(TcFlowTest, Ipv6PacketTooBigFromTheBackendIsTranslatedBack) {
  in(Packet().ipv6("fd00:244:1::2", "fd00:96::10").tcp(40000, 80, TcpFlags::kSyn).build());
  auto quote = [](const char* dst, std::uint16_t dport) {
    return Packet()
        .ipv6("fd00:244:1::2", dst)
        .tcp(40000, dport, TcpFlags::kAck)
        .payloadSize(1400)
        .truncateTo(40 + 60);
  };
  const Bytes error = out(Packet()
                              .ipv6("fd00:244:2::3", "fd00:244:1::2")
                              .icmpv6PacketTooBig(1280, quote("fd00:244:2::3", 8080))
                              .build());
  EXPECT_PACKET_EQ(error, Packet()
                              .ipv6("fd00:96::10", "fd00:244:1::2")
                              .icmpv6PacketTooBig(1280, quote("fd00:96::10", 80))
                              .build());
  EXPECT_CHECKSUMS_VALID(error);
}

TEST_F(TcFlowTest, IcmpErrorAboutAFlowWithoutConntrackPassesUntouched) {
  const Bytes error = Packet()
                          .ipv4("10.244.2.3", "10.244.1.2")
                          .icmpv4FragNeeded(1400, quotedTcp("10.244.2.3", 8080))
                          .build();
  EXPECT_PACKET_EQ(out(error), error);
}

// --- backend choice over many flows

TEST_F(TcFlowTest, EstablishedFlowsKeepTheirBackendWhenABackendIsAdded) {
  std::map<std::uint16_t, std::string> first;
  for (std::uint16_t port = 20000; port < 20200; ++port) first[port] = synToTrio(port);
  ASSERT_TRUE(f_->setBackends(svc::kTrio, {backend("10.244.1.9", 80), backend("10.244.2.9", 80),
                                           backend("10.244.3.9", 80), backend("10.244.4.9", 80)}));
  int moved_new_flows = 0;
  for (const auto& [port, where] : first) {
    const Bytes ack =
        in(Packet().ipv4("10.244.1.2", "10.96.0.30").tcp(port, 80, TcpFlags::kAck).build());
    EXPECT_EQ(destination(ack), where) << "established flow from port " << port << " moved";
    // The same 5-tuple as a brand-new connection would have chosen anew.
    if (synToTrio(static_cast<std::uint16_t>(port + 10000)) == "10.244.4.9:80") ++moved_new_flows;
  }
  EXPECT_GT(moved_new_flows, 20) << "new flows should reach the fourth backend (~1/4 of them)";
}

TEST_F(TcFlowTest, UdpFlowWhoseBackendLeftIsReselectedAtOnce) {
  const Bytes datagram =
      Packet().ipv4("10.244.1.2", "10.96.0.30").udp(7000, 80).payload("ping").build();
  ASSERT_TRUE(f_->dataplane().upsertFrontend(
      {.key = {.address = ip("10.96.0.30"), .port = 80, .protocol = dataplane::Protocol::kUdp},
       .service = svc::kTrio}));
  const std::string first = destination(in(datagram));
  ASSERT_NE(first.find(":80"), std::string::npos) << first;
  std::vector<dataplane::Backend> rest;
  for (const char* b : {"10.244.1.9", "10.244.2.9", "10.244.3.9"}) {
    if (first != std::string(b) + ":80") rest.push_back(backend(b, 80));
  }
  ASSERT_EQ(rest.size(), 2U);
  ASSERT_TRUE(f_->setBackends(svc::kTrio, rest));
  const std::string second = destination(in(datagram));
  EXPECT_NE(second, first) << "the UDP flow still goes to the removed backend";
  EXPECT_EQ(destination(in(datagram)), second) << "the new choice is pinned again";
}

TEST_F(TcFlowTest, TcpFlowWhoseBackendLeftIsReselectedOnItsNextSyn) {
  const std::string first = synToTrio(30000);
  std::vector<dataplane::Backend> rest;
  for (const char* b : {"10.244.1.9", "10.244.2.9", "10.244.3.9"}) {
    if (first != std::string(b) + ":80") rest.push_back(backend(b, 80));
  }
  ASSERT_TRUE(f_->setBackends(svc::kTrio, rest));
  EXPECT_NE(synToTrio(30000), first);
}

TEST_F(TcFlowTest, TerminatingBackendsServeOnlyWhenNoneIsReady) {
  auto withStates = [&](BackendState a, BackendState b, BackendState c) {
    auto b1 = backend("10.244.1.9", 80);
    auto b2 = backend("10.244.2.9", 80);
    auto b3 = backend("10.244.3.9", 80);
    b1.state = a;
    b2.state = b;
    b3.state = c;
    return f_->setBackends(svc::kTrio, {b1, b2, b3});
  };
  ASSERT_TRUE(
      withStates(BackendState::kTerminating, BackendState::kReady, BackendState::kTerminating));
  for (std::uint16_t port = 1000; port < 1050; ++port) {
    EXPECT_EQ(synToTrio(port), "10.244.2.9:80");
  }
  ASSERT_TRUE(
      withStates(BackendState::kTerminating, BackendState::kDraining, BackendState::kTerminating));
  std::set<std::string> seen;
  for (std::uint16_t port = 2000; port < 2100; ++port) seen.insert(synToTrio(port));
  EXPECT_EQ(seen, (std::set<std::string>{"10.244.1.9:80", "10.244.3.9:80"}))
      << "terminating backends take new flows when none is ready; draining ones never";
}

TEST_F(TcFlowTest, ClientIpAffinityPinsEveryConnectionOfAClient) {
  ASSERT_TRUE(f_->dataplane().upsertFrontend(
      {.key = {.address = ip("10.96.0.30"), .port = 80, .protocol = dataplane::Protocol::kTcp},
       .service = svc::kTrio,
       .affinity_timeout_s = 600}));
  for (const char* client : {"10.244.1.2", "10.244.1.3", "10.244.2.7", "10.244.3.4"}) {
    std::set<std::string> seen;
    for (std::uint16_t port = 40000; port < 40030; ++port) seen.insert(synToTrio(port, client));
    EXPECT_EQ(seen.size(), 1U) << client << " reached " << ::testing::PrintToString(seen);
  }
}

TEST_F(TcFlowTest, WithoutAffinityConnectionsOfOneClientSpread) {
  std::set<std::string> seen;
  for (std::uint16_t port = 40000; port < 40060; ++port) seen.insert(synToTrio(port));
  EXPECT_EQ(seen.size(), 3U);
}

TEST_F(TcFlowTest, ExpiredConntrackEntryIsReplacedNotReused) {
  synToTrio(50000);
  // Age every entry of the flow past its timeout (a closing flow's 10 s: the machine may have
  // been up for less than the established timeout).
  auto entries = f_->conntrack().entries();
  ASSERT_TRUE(entries.has_value());
  ASSERT_FALSE(entries->empty());
  for (auto [key, entry] : *entries) {
    entry.last_seen_ns = 1;
    entry.state = SL_CT_CLOSING;
    ASSERT_TRUE(f_->conntrack().update(key, entry));
  }
  const std::uint64_t new_before = f_->serviceCounters(svc::kTrio).new_connections;
  in(Packet().ipv4("10.244.1.2", "10.96.0.30").tcp(50000, 80, TcpFlags::kAck).build());
  EXPECT_EQ(f_->serviceCounters(svc::kTrio).new_connections, new_before + 1)
      << "an expired entry must count as a new connection";
}

TEST_F(TcFlowTest, ServiceCountersCountPacketsBytesAndConnections) {
  const Bytes syn =
      Packet().ipv4("10.244.1.2", "10.96.0.10").tcp(41000, 80, TcpFlags::kSyn).build();
  const Bytes ack = Packet()
                        .ipv4("10.244.1.2", "10.96.0.10")
                        .tcp(41000, 80, TcpFlags::kAck)
                        .payload("hello")
                        .build();
  in(syn);
  out(Packet().ipv4("10.244.2.3", "10.244.1.2").tcp(8080, 41000, kSynAck).build());
  in(ack);
  const auto c = f_->serviceCounters(svc::kWebTcp);
  EXPECT_EQ(c.new_connections, 1U);
  EXPECT_EQ(c.packets, 3U);
  EXPECT_EQ(c.bytes, syn.size() * 2 + ack.size());  // the reply has the SYN's size
  EXPECT_EQ(f_->conntrackEntries(), 2U) << "one forward and one reply entry";
}

}  // namespace
}  // namespace sluice::testing
