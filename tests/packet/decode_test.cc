#include "sluice/packet/decode.h"

#include <gtest/gtest.h>

#include <random>

#include "sluice/packet/describe.h"
#include "sluice/packet/packet.h"
#include "test_util.h"

namespace sluice::packet {
namespace {

using test::ip;

// Every protocol combination the builder supports, for the generic round-trip properties.
struct Sample {
  const char* name;
  Packet packet;
  DecodeOptions options = {};
};

std::vector<Sample> samples() {
  const Packet quoted_tcp =
      Packet().ipv4("10.244.1.2", "10.96.0.10").tcp(40000, 80, TcpFlags::kAck, {.seq = 77});
  const Packet quoted_udp6 = Packet().ipv6("fd00::1", "fd00::2").udp(5353, 53).payload("query");
  return {
      {"v4 tcp syn", Packet().ipv4("10.244.1.2", "10.96.0.10").tcp(40000, 80, TcpFlags::kSyn)},
      {"v4 tcp options payload vlan",
       Packet()
           .vlan(100)
           .ipv4("10.0.0.1", "10.0.0.2")
           .tcp(1, 2, TcpFlags::kPsh | TcpFlags::kAck, {.options = {2, 4, 5, 0xb4}})
           .payload("GET / HTTP/1.1\r\n")},
      {"v4 qinq udp", Packet()
                          .vlan(10, {.tpid = ethertype::kQinQ})
                          .vlan(20)
                          .ipv4("10.0.0.1", "10.0.0.2")
                          .udp(5000, 53)
                          .payload("dns")},
      {"v4 udp zero checksum", Packet().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2, {.checksum = 0})},
      {"v4 sctp", Packet()
                      .ipv4("10.0.0.1", "10.0.0.2")
                      .sctp(3868, 3868, {.verification_tag = 9})
                      .payload(Bytes{1, 0, 0, 4})},
      {"v4 gre",
       Packet().ipv4("10.0.0.1", "10.0.0.2").rawL4(ipproto::kGre).payload(Bytes{0, 0, 0x08, 0})},
      {"v4 options",
       Packet().ipv4("10.0.0.1", "10.0.0.2", {.options = {0x94, 0x04, 0, 0}}).udp(1, 2)},
      {"v4 echo request",
       Packet().ipv4("10.0.0.1", "10.0.0.2").icmpv4EchoRequest(7, 1).payload("ping")},
      {"v4 echo reply", Packet().ipv4("10.0.0.2", "10.0.0.1").icmpv4EchoReply(7, 1)},
      {"v4 port unreachable",
       Packet()
           .ipv4("10.0.0.2", "10.0.0.1")
           .icmpv4DestUnreachable(icmp4::kPortUnreachable,
                                  Packet().ipv4("10.0.0.1", "10.0.0.2").udp(999, 53).payload("q"))},
      {"v4 frag needed, quote cut at 8 bytes of L4",
       Packet()
           .ipv4("192.168.1.1", "10.244.1.2")
           .icmpv4FragNeeded(1400, Packet(quoted_tcp).payloadSize(1500).truncateTo(28))},
      {"v4 time exceeded",
       Packet().ipv4("192.168.1.1", "10.244.1.2").icmpv4TimeExceeded(quoted_tcp)},
      {"v4 first fragment", Packet()
                                .ipv4("10.0.0.1", "10.0.0.2", {.id = 5, .more_fragments = true})
                                .udp(1, 2)
                                .payloadSize(64)},
      {"v4 later fragment",
       Packet()
           .ipv4("10.0.0.1", "10.0.0.2", {.id = 5, .fragment_offset = 9, .protocol = ipproto::kUdp})
           .payloadSize(32)},
      {"v6 tcp", Packet().ipv6("fd00::1", "fd00::2").tcp(1, 2, TcpFlags::kRst)},
      {"v6 udp", Packet()
                     .ipv6("fd00::1", "fd00::2", {.traffic_class = 4, .flow_label = 1})
                     .udp(1, 2)
                     .payload("x")},
      {"v6 sctp", Packet().ipv6("fd00::1", "fd00::2").sctp(1, 2).payload(Bytes(8, 1))},
      {"v6 extension headers", Packet()
                                   .ipv6("fd00::1", "fd00::2")
                                   .hopByHop({5, 2, 0, 0})
                                   .destOptions()
                                   .routing(0, 0, {ip("fd00::9")})
                                   .fragmentHeader({.id = 1})
                                   .udp(1, 2)
                                   .payload("ext")},
      {"v6 routing with segments left",
       Packet().ipv6("fd00::1", "fd00::5").routing(0, 1, {ip("fd00::9")}).tcp(1, 2)},
      {"v6 later fragment", Packet()
                                .ipv6("fd00::1", "fd00::2")
                                .fragmentHeader({.offset = 4, .id = 2})
                                .rawL4(ipproto::kUdp)
                                .payloadSize(16)},
      {"v6 echo", Packet().ipv6("fd00::1", "fd00::2").icmpv6EchoRequest(1, 2).payload("ping")},
      {"v6 packet too big", Packet()
                                .ipv6("fd00::ff", "fd00::1")
                                .icmpv6PacketTooBig(1280, Packet(quoted_udp6).payloadSize(1400))},
      {"v6 dest unreachable", Packet()
                                  .ipv6("fd00::2", "fd00::1")
                                  .icmpv6DestUnreachable(icmp6::kPortUnreachable, quoted_udp6)},
      {"v6 time exceeded",
       Packet().ipv6("fd00::ff", "fd00::1").icmpv6TimeExceeded(Packet(quoted_udp6).truncateTo(44))},
      {"v4 without ethernet",
       Packet().noEth().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2),
       {.ethernet = false}},
      {"v6 without ethernet",
       Packet().noEth().ipv6("fd00::1", "fd00::2").tcp(1, 2),
       {.ethernet = false}},
      {"padded to 60 bytes", Packet().ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2).trailer(Bytes(6, 0))},
  };
}

TEST(Decode, EverySampleRoundTripsWithValidChecksums) {
  for (const Sample& sample : samples()) {
    SCOPED_TRACE(sample.name);
    const Bytes frame = sample.packet.build();
    auto decoded = decode(frame, sample.options);
    ASSERT_TRUE(decoded.has_value()) << decoded.error().message();
    EXPECT_TRUE(decoded->checksumsValid()) << decoded->checksumErrors();
    EXPECT_FALSE(decoded->checksums.empty() && decoded->ipv4) << "IPv4 always has one";
    // Fields tile the frame: every byte is named by some field.
    std::vector<bool> covered(frame.size(), false);
    for (const Field& f : decoded->fields) {
      ASSERT_LE(f.offset + f.size, frame.size()) << f.name;
      for (std::size_t i = 0; i < f.size; ++i) covered[f.offset + i] = true;
      EXPECT_EQ(f.name.find("unparsed"), std::string::npos) << f.name;
    }
    for (std::size_t i = 0; i < frame.size(); ++i) EXPECT_TRUE(covered[i]) << "byte " << i;
    const std::string text = describe(frame, sample.options);
    EXPECT_EQ(text.find("!!"), std::string::npos) << text;
    EXPECT_EQ(text.find("bad-checksum"), std::string::npos) << text;
  }
}

TEST(Decode, EveryTruncationIsAnErrorNamingAnOffsetNeverACrash) {
  for (const Sample& sample : samples()) {
    SCOPED_TRACE(sample.name);
    const Bytes frame = sample.packet.build();
    const bool padded = std::string_view(sample.name) == "padded to 60 bytes";
    for (std::size_t n = 0; n < frame.size(); ++n) {
      const Bytes cut = truncate(frame, n);
      auto decoded = decode(cut, sample.options);
      if (padded && n >= 54) continue;  // cutting the trailer leaves a whole datagram
      ASSERT_FALSE(decoded.has_value()) << "cut to " << n;
      EXPECT_NE(decoded.error().message().find("truncated"), std::string::npos)
          << decoded.error().message();
      EXPECT_NE(decoded.error().message().find("offset"), std::string::npos)
          << decoded.error().message();
      // The differ and describe() work on the same broken input.
      EXPECT_NE(describe(cut, sample.options).find("!!"), std::string::npos);
      EXPECT_FALSE(hexdiff(frame, cut, sample.options).empty());
    }
  }
}

TEST(Decode, RandomCorruptionNeverCrashes) {
  std::mt19937 rng(20240601);  // fixed seed: deterministic
  std::uniform_int_distribution<int> byte(0, 255);
  std::size_t decoded_ok = 0;
  std::size_t rounds = 0;
  for (const Sample& sample : samples()) {
    const Bytes frame = sample.packet.build();
    for (int round = 0; round < 300; ++round, ++rounds) {
      Bytes mutated = frame;
      const int flips = 1 + round % 4;
      for (int i = 0; i < flips; ++i) {
        mutated[static_cast<std::size_t>(byte(rng)) % mutated.size()] =
            static_cast<std::uint8_t>(byte(rng));
      }
      if (round % 3 == 0) mutated.resize(static_cast<std::size_t>(byte(rng)) % (frame.size() + 1));
      for (const bool ethernet : {true, false}) {
        const PartialDecode partial = decodePartial(mutated, {.ethernet = ethernet});
        decoded_ok += partial.error ? 0U : 1U;
        for (const Field& f : partial.decoded.fields) ASSERT_LE(f.offset + f.size, mutated.size());
        (void)describe(mutated, {.ethernet = ethernet});
        (void)hexdiff(frame, mutated, {.ethernet = ethernet});
      }
    }
  }
  EXPECT_GT(decoded_ok, 0U);
  EXPECT_LT(decoded_ok, 2 * rounds);
}

TEST(Decode, PureGarbageNeverCrashes) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int round = 0; round < 5000; ++round) {
    Bytes junk(static_cast<std::size_t>(byte(rng)) % 128);
    for (auto& b : junk) b = static_cast<std::uint8_t>(byte(rng));
    if (junk.size() > 14 && round % 2 == 0) {  // steer some into the IP parsers
      store16(junk, 12, round % 4 == 0 ? ethertype::kIpv4 : ethertype::kIpv6);
      junk[14] = static_cast<std::uint8_t>(round % 4 == 0 ? 0x45 : 0x60);
    }
    (void)decodePartial(junk);
    (void)decodePartial(junk, {.ethernet = false});
    (void)describe(junk);
  }
}

TEST(Decode, StructuredViewOfATcpSyn) {
  const Bytes frame =
      Packet()
          .eth("02:00:00:00:00:0a", "02:00:00:00:00:0b")
          .vlan(42, {.pcp = 3})
          .ipv4("10.244.1.2", "10.96.0.10", {.ttl = 63, .id = 9, .dont_fragment = true})
          .tcp(40000, 80, TcpFlags::kSyn,
               {.seq = 1000, .window = 29200, .options = {2, 4, 5, 0xb4}})
          .payload("hello")
          .build();
  auto d = decode(frame);
  ASSERT_TRUE(d.has_value()) << d.error().message();
  ASSERT_TRUE(d->eth);
  EXPECT_EQ(d->eth->src.toString(), "02:00:00:00:00:0a");
  EXPECT_EQ(d->eth->dst.toString(), "02:00:00:00:00:0b");
  ASSERT_EQ(d->eth->vlans.size(), 1U);
  EXPECT_EQ(d->eth->vlans[0].vid, 42);
  EXPECT_EQ(d->eth->vlans[0].pcp, 3);
  EXPECT_EQ(d->eth->ethertype, ethertype::kIpv4);
  EXPECT_EQ(d->ipVersion(), 4);
  EXPECT_EQ(d->src(), ip("10.244.1.2"));
  EXPECT_EQ(d->dst(), ip("10.96.0.10"));
  EXPECT_EQ(d->ttl(), 63);
  EXPECT_EQ(d->ipv4->id, 9);
  EXPECT_TRUE(d->ipv4->dont_fragment);
  EXPECT_EQ(d->protocol(), ipproto::kTcp);
  EXPECT_EQ(d->srcPort(), 40000);
  EXPECT_EQ(d->dstPort(), 80);
  ASSERT_TRUE(d->tcp);
  EXPECT_EQ(d->tcp->flags, TcpFlags::kSyn);
  EXPECT_EQ(d->tcp->seq, 1000U);
  EXPECT_EQ(d->tcp->window, 29200);
  EXPECT_EQ(d->tcp->data_offset, 6);
  EXPECT_EQ(d->tcp->options, (Bytes{2, 4, 5, 0xb4}));
  EXPECT_EQ(d->payload, (Bytes{'h', 'e', 'l', 'l', 'o'}));
  EXPECT_EQ(d->checksums.size(), 2U);
  EXPECT_TRUE(d->checksumsValid());
}

TEST(Decode, IcmpErrorQuotesAreDecodedRecursively) {
  const Bytes frame =
      Packet()
          .ipv4("192.168.1.1", "10.244.1.2")
          .icmpv4FragNeeded(1400, Packet()
                                      .ipv4("10.244.1.2", "10.96.0.10", {.dont_fragment = true})
                                      .tcp(40000, 80, TcpFlags::kAck, {.seq = 5})
                                      .payloadSize(1460)
                                      .truncateTo(28))
          .build();
  auto d = decode(frame);
  ASSERT_TRUE(d.has_value()) << d.error().message();
  ASSERT_TRUE(d->icmp);
  EXPECT_EQ(d->icmp->type, icmp4::kDestUnreachable);
  EXPECT_EQ(d->icmp->code, icmp4::kFragNeeded);
  EXPECT_EQ(d->icmp->mtu(), 1400U);
  EXPECT_TRUE(d->icmp->isError());
  ASSERT_TRUE(d->inner);
  EXPECT_EQ(d->inner->src(), ip("10.244.1.2"));
  EXPECT_EQ(d->inner->dst(), ip("10.96.0.10"));
  EXPECT_EQ(d->inner->ipv4->total_length, 1500) << "the original length, not the quoted one";
  EXPECT_EQ(d->inner->srcPort(), 40000);
  EXPECT_EQ(d->inner->dstPort(), 80);
  EXPECT_EQ(d->inner->tcp->seq, 5U);
  EXPECT_NE(d->inner->incomplete.find("exceeds"), std::string::npos) << d->inner->incomplete;
  // The quoted IPv4 header's checksum is verified; its cut-short TCP cannot be.
  ASSERT_EQ(d->checksums.size(), 3U);
  EXPECT_EQ(d->checksums[2].what, "icmp.inner.ipv4 header");
  EXPECT_TRUE(d->checksumsValid());

  // A data plane that rewrites the quoted header without fixing its checksum is caught.
  Bytes broken = frame;
  broken[14 + 20 + 8 + 16] ^= 0x01;  // quoted dst address
  store16(broken, 14 + 20 + 2, 0);   // and the ICMP checksum made right again below
  auto fix = decode(broken);
  ASSERT_TRUE(fix.has_value());
  store16(broken, 14 + 20 + 2, static_cast<std::uint16_t>(fix->checksums[1].correct));
  auto d2 = decode(broken);
  ASSERT_TRUE(d2.has_value());
  EXPECT_FALSE(d2->checksumsValid());
  EXPECT_NE(d2->checksumErrors().find("icmp.inner.ipv4 header checksum at offset 52"),
            std::string::npos)
      << d2->checksumErrors();
}

TEST(Decode, WholeQuotesHaveTheirL4ChecksumVerified) {
  const Bytes frame =
      Packet()
          .ipv6("fd00::2", "fd00::1")
          .icmpv6DestUnreachable(icmp6::kPortUnreachable,
                                 Packet().ipv6("fd00::1", "fd00::2").udp(1, 53).payload("q"))
          .build();
  auto d = decode(frame);
  ASSERT_TRUE(d.has_value()) << d.error().message();
  ASSERT_TRUE(d->inner && d->inner->udp);
  EXPECT_TRUE(d->inner->incomplete.empty()) << d->inner->incomplete;
  ASSERT_EQ(d->checksums.size(), 2U);
  EXPECT_EQ(d->checksums[1].what, "icmpv6.inner.udp");
  EXPECT_TRUE(d->checksumsValid());
}

TEST(Decode, Ipv6ExtensionsFragmentsAndRouting) {
  const Bytes frame = Packet()
                          .ipv6("fd00::1", "fd00::5")
                          .hopByHop()
                          .routing(0, 1, {ip("fd00::9")})
                          .fragmentHeader({.offset = 0, .more_fragments = true, .id = 77})
                          .udp(1, 2)
                          .payload("a")
                          .build();
  auto d = decode(frame);
  ASSERT_TRUE(d.has_value()) << d.error().message();
  ASSERT_EQ(d->ipv6->extensions.size(), 3U);
  EXPECT_EQ(d->ipv6->extensions[0].type, ipproto::kHopByHop);
  EXPECT_EQ(d->ipv6->next_header, ipproto::kHopByHop);
  EXPECT_EQ(d->ipv6->protocol, ipproto::kUdp);
  ASSERT_TRUE(d->ipv6->fragment);
  EXPECT_EQ(d->ipv6->fragment->id, 77U);
  EXPECT_TRUE(d->ipv6->fragment->more_fragments);
  ASSERT_TRUE(d->ipv6->routing);
  EXPECT_EQ(d->ipv6->routing->segments_left, 1);
  EXPECT_EQ(d->dstPort(), 2);
  EXPECT_TRUE(d->checksums.empty()) << "a first fragment's L4 checksum covers data not here";
  EXPECT_FALSE(d->isLaterFragment());

  // Unfragmented: the pseudo-header names the routing header's final destination, fd00::9.
  const Bytes routed =
      Packet().ipv6("fd00::1", "fd00::5").routing(0, 1, {ip("fd00::9")}).udp(1, 2).build();
  auto r = decode(routed);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->checksums.size(), 1U);
  EXPECT_TRUE(r->checksumsValid());
  const Bytes direct = Packet().ipv6("fd00::1", "fd00::9").udp(1, 2).tryBuildDatagram().value();
  EXPECT_EQ(r->udp->checksum, load16(direct, 46));
}

TEST(Decode, MalformedHeadersAreErrorsWithOffsets) {
  struct Case {
    const char* what;
    Bytes frame;
    const char* message;
  };
  const auto v4 = [] { return Packet().ipv4("10.0.0.1", "10.0.0.2"); };
  const std::vector<Case> cases = {
      {"ihl 3", Packet().ipv4("10.0.0.1", "10.0.0.2", {.ihl = 3}).udp(1, 2).build(),
       "IPv4 IHL 3 at offset 14 is below the minimum 5"},
      {"total length too big",
       Packet().ipv4("10.0.0.1", "10.0.0.2", {.total_length = 100}).udp(1, 2).build(),
       "truncated: IPv4 total length 100 at offset 16 exceeds the 28 bytes there"},
      {"total length below header",
       Packet().ipv4("10.0.0.1", "10.0.0.2", {.total_length = 10}).udp(1, 2).build(),
       "IPv4 total length 10 at offset 16 is shorter than its header (20)"},
      {"udp length", v4().udp(1, 2, {.length = 3}).build(),
       "UDP length 3 at offset 38 is below the minimum 8"},
      {"udp length too big", v4().udp(1, 2, {.length = 30}).build(),
       "truncated: UDP length 30 at offset 38 exceeds the 8 bytes there"},
      {"tcp data offset", v4().tcp(1, 2, TcpFlags::kSyn, {.data_offset = 2}).build(),
       "TCP data offset 2 at offset 46 is below the minimum 5"},
      {"tcp data offset past end", v4().tcp(1, 2, TcpFlags::kSyn, {.data_offset = 15}).build(),
       "truncated: TCP header with options needs 60 bytes at offset 34, 20 left"},
      {"cut tcp", v4().tcp(1, 2).truncateTo(40).build(),
       "truncated: IPv4 total length 40 at offset 16 exceeds the 26 bytes there"},
  };
  for (const Case& c : cases) {
    auto d = decode(c.frame);
    ASSERT_FALSE(d.has_value()) << c.what;
    EXPECT_EQ(d.error().message(), c.message) << c.what;
  }
  Bytes wrong_version = Packet().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build();
  wrong_version[14] = 0x65;
  EXPECT_EQ(decode(wrong_version).error().message(), "IPv4 header at offset 14 has version 6");
}

TEST(Decode, TrailerAndNonIpFrames) {
  auto d = decode(Packet().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).trailer(Bytes(18, 0xee)).build());
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->trailer, Bytes(18, 0xee));
  EXPECT_TRUE(d->payload.empty());

  auto arp =
      decode(Packet()
                 .eth("02:00:00:00:00:01", "ff:ff:ff:ff:ff:ff", {.ethertype = ethertype::kArp})
                 .payload(Bytes(28, 1))
                 .build());
  ASSERT_TRUE(arp.has_value());
  EXPECT_EQ(arp->ipVersion(), 0);
  EXPECT_EQ(arp->eth->ethertype, ethertype::kArp);
  EXPECT_EQ(arp->payload.size(), 28U);
}

}  // namespace
}  // namespace sluice::packet
