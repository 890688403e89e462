#include <gtest/gtest.h>

#include "sluice/packet/checksum.h"
#include "sluice/packet/decode.h"
#include "sluice/packet/packet.h"
#include "test_util.h"

namespace sluice::packet {
namespace {

using test::fromHex;
using test::ip;

// Byte vectors computed by a separate, straightforward implementation (struct.pack and a
// textbook checksum), not by this library.
TEST(PacketBuilder, MatchesIndependentlyComputedFrames) {
  EXPECT_EQ(
      Packet().ipv4("10.244.1.2", "10.96.0.10").tcp(40000, 80, TcpFlags::kSyn, {.seq = 1}).build(),
      fromHex("02000000000202000000000108004500002800000000400664710af401020a60000a9c40005000"
              "000001000000005002fffffcf10000"));
  EXPECT_EQ(Packet().ipv4("10.0.0.1", "10.0.0.2").udp(1234, 53).payload("hello").build(),
            fromHex("02000000000202000000000108004500002100000000401166ca0a0000010a00000204d20035"
                    "000da2f868656c6c6f"));
  EXPECT_EQ(Packet().ipv6("fd00::1", "fd00::2").udp(1234, 53).payload("hello").build(),
            fromHex("02000000000202000000000186dd60000000000d1140fd0000000000000000000000000000"
                    "01fd00000000000000000000000000000204d20035000dbcf668656c6c6f"));
  EXPECT_EQ(Packet().ipv4("10.0.0.1", "10.0.0.2").icmpv4EchoRequest(1, 1).payload("ping").build(),
            fromHex("02000000000202000000000108004500002000000000400166db0a0000010a00000208001"
                    "92d0001000170696e67"));
  EXPECT_EQ(Packet().ipv6("fd00::1", "fd00::2").icmpv6EchoRequest(1, 1).payload("ping").build(),
            fromHex("02000000000202000000000186dd60000000000c3a40fd0000000000000000000000000000"
                    "01fd0000000000000000000000000000028000a6e10001000170696e67"));
}

TEST(PacketBuilder, MinimalPacketGetsDefaultMacsAndLengths) {
  const Bytes frame = Packet().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build();
  ASSERT_EQ(frame.size(), 14U + 20 + 8);
  EXPECT_EQ(Bytes(frame.begin(), frame.begin() + 6),
            Bytes(kDefaultDstMac.bytes().begin(), kDefaultDstMac.bytes().end()));
  EXPECT_EQ(load16(frame, 12), ethertype::kIpv4);
  EXPECT_EQ(load16(frame, 16), 28) << "IPv4 total length";
  EXPECT_EQ(load16(frame, 38), 8) << "UDP length";
}

TEST(PacketBuilder, EthernetAndVlanLayout) {
  const Bytes frame = Packet()
                          .eth("aa:bb:cc:dd:ee:01", "AA:BB:CC:DD:EE:02")
                          .vlan(100, {.pcp = 5, .tpid = ethertype::kQinQ})
                          .vlan(4095, {.dei = true})
                          .ipv6("fd00::1", "fd00::2")
                          .udp(1, 2)
                          .build();
  EXPECT_EQ(Bytes(frame.begin(), frame.begin() + 12), fromHex("aabbccddee02aabbccddee01"));
  EXPECT_EQ(load16(frame, 12), ethertype::kQinQ);
  EXPECT_EQ(load16(frame, 14), (5U << 13) | 100U);
  EXPECT_EQ(load16(frame, 16), ethertype::kVlan);
  EXPECT_EQ(load16(frame, 18), 0x1000U | 4095U);
  EXPECT_EQ(load16(frame, 20), ethertype::kIpv6);
  EXPECT_EQ(frame[22] >> 4, 6);
}

TEST(PacketBuilder, Ipv4FieldsAndOptions) {
  const Bytes frame = Packet()
                          .noEth()
                          .ipv4("10.0.0.1", "10.0.0.2",
                                {.ttl = 3,
                                 .tos = 0xb8,
                                 .id = 0x1234,
                                 .dont_fragment = true,
                                 .more_fragments = true,
                                 .fragment_offset = 185,
                                 .options = {0x01, 0x01, 0x01}})  // NOPs, padded to 4
                          .rawL4(ipproto::kGre)
                          .payload(Bytes{0, 0, 0x08, 0})
                          .build();
  ASSERT_EQ(frame.size(), 24U + 4);
  EXPECT_EQ(frame[0], 0x46) << "IHL 6 with 4 option bytes";
  EXPECT_EQ(frame[1], 0xb8);
  EXPECT_EQ(load16(frame, 2), 28);
  EXPECT_EQ(load16(frame, 4), 0x1234);
  EXPECT_EQ(load16(frame, 6), 0x4000 | 0x2000 | 185);
  EXPECT_EQ(frame[8], 3);
  EXPECT_EQ(frame[9], ipproto::kGre);
  EXPECT_EQ(Bytes(frame.begin() + 20, frame.begin() + 24), fromHex("01010100"));
  EXPECT_EQ(internetChecksum(ByteView(frame).first(24)), 0);
}

TEST(PacketBuilder, Ipv6ExtensionHeadersChainInCallOrder) {
  const Bytes frame = Packet()
                          .noEth()
                          .ipv6("fd00::1", "fd00::2", {.hop_limit = 1, .flow_label = 0xabcde})
                          .hopByHop()
                          .routing(0, 0, {ip("fd00::9")})
                          .fragmentHeader({.offset = 0, .more_fragments = true, .id = 7})
                          .destOptions({0x01, 0x00})  // an empty PadN, padded to 8 by PadN
                          .tcp(1, 2)
                          .build();
  EXPECT_EQ(load32(frame, 0), (6U << 28) | 0xabcdeU);
  EXPECT_EQ(frame[6], ipproto::kHopByHop);
  EXPECT_EQ(frame[7], 1);
  std::size_t at = 40;
  EXPECT_EQ(Bytes(frame.begin() + 40, frame.begin() + 48), fromHex("2b00010400000000"));
  at += 8;
  EXPECT_EQ(frame[at], ipproto::kFragment) << "routing -> fragment";
  EXPECT_EQ(frame[at + 1], 2) << "routing header: (8 + 16) / 8 - 1";
  at += 24;
  EXPECT_EQ(Bytes(frame.begin() + static_cast<long>(at), frame.begin() + static_cast<long>(at) + 8),
            fromHex("3c00000100000007"));
  at += 8;
  EXPECT_EQ(Bytes(frame.begin() + static_cast<long>(at), frame.begin() + static_cast<long>(at) + 8),
            fromHex("0600010001020000"));
  at += 8;
  EXPECT_EQ(load16(frame, 4), frame.size() - 40) << "payload length counts extension headers";
  EXPECT_EQ(load16(frame, at), 1) << "TCP source port after the chain";
}

TEST(PacketBuilder, TcpFieldsAndOptions) {
  const Bytes frame = Packet()
                          .noEth()
                          .ipv4("10.0.0.1", "10.0.0.2")
                          .tcp(40000, 443, TcpFlags::kSyn | TcpFlags::kAck,
                               {.seq = 0x01020304,
                                .ack = 0x0a0b0c0d,
                                .window = 1024,
                                .urgent = 9,
                                .options = {0x02, 0x04, 0x05, 0xb4, 0x01}})  // MSS 1460, NOP
                          .build();
  const ByteView tcp = ByteView(frame).subspan(20);
  ASSERT_EQ(tcp.size(), 28U);
  EXPECT_EQ(load32(tcp, 4), 0x01020304U);
  EXPECT_EQ(load32(tcp, 8), 0x0a0b0c0dU);
  EXPECT_EQ(tcp[12], 7 << 4);
  EXPECT_EQ(tcp[13], 0x12);
  EXPECT_EQ(load16(tcp, 14), 1024);
  EXPECT_EQ(load16(tcp, 18), 9);
  EXPECT_EQ(Bytes(tcp.begin() + 20, tcp.end()), fromHex("020405b401000000"));
  EXPECT_EQ(l4Checksum(ip("10.0.0.1"), ip("10.0.0.2"), ipproto::kTcp, tcp), 0);
}

TEST(PacketBuilder, ChecksumOverridesMakeMalformedPackets) {
  const auto base = [] { return Packet().ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2).payload("x"); };
  for (const Bytes& frame : {base().badIpChecksum().build(), base().badL4Checksum().build()}) {
    auto decoded = decode(frame);
    ASSERT_TRUE(decoded.has_value()) << decoded.error().message();
    EXPECT_FALSE(decoded->checksumsValid());
  }
  const Bytes fixed = Packet()
                          .ipv4("10.0.0.1", "10.0.0.2", {.checksum = 0xbeef})
                          .udp(1, 2, {.checksum = 0})
                          .build();
  EXPECT_EQ(load16(fixed, 24), 0xbeef);
  EXPECT_EQ(load16(fixed, 40), 0) << "explicit zero: no UDP checksum";
  // Over IPv4 a zero UDP checksum means none: valid. A bad one must never come out as zero.
  EXPECT_TRUE(decode(Packet().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2, {.checksum = 0}).build())
                  ->checksumsValid());
  for (std::uint16_t port = 0; port < 300; ++port) {
    const Bytes bad = Packet().ipv4("10.0.0.1", "10.0.0.2").udp(port, 2).badL4Checksum().build();
    EXPECT_NE(load16(bad, 40), 0);
    EXPECT_FALSE(decode(bad)->checksumsValid()) << port;
  }
}

TEST(PacketBuilder, LengthOverridesAndTruncation) {
  const Bytes frame = Packet()
                          .noEth()
                          .ipv4("10.0.0.1", "10.0.0.2", {.total_length = 9999, .ihl = 3})
                          .udp(1, 2, {.length = 4})
                          .truncateTo(25)
                          .build();
  ASSERT_EQ(frame.size(), 25U);
  EXPECT_EQ(frame[0], 0x43);
  EXPECT_EQ(load16(frame, 2), 9999);
  EXPECT_EQ(frame[24], 0) << "cut inside the UDP length field (0x0004)";
  const Bytes whole = Packet().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload("abc").build();
  EXPECT_EQ(truncate(whole, 10), Bytes(whole.begin(), whole.begin() + 10));
  EXPECT_EQ(truncate(whole, 1000), whole);
}

TEST(PacketBuilder, TrailerIsNotCountedInLengths) {
  const Bytes frame = Packet().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).trailer(Bytes(18, 0)).build();
  EXPECT_EQ(frame.size(), 60U) << "padded to the Ethernet minimum";
  EXPECT_EQ(load16(frame, 16), 28);
}

TEST(PacketBuilder, MisuseIsAnErrorNamingTheCall) {
  struct Case {
    const char* what;
    Packet packet;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"v6 address to ipv4()", Packet().ipv4(ip("fd00::1"), ip("10.0.0.1")).udp(1, 2), "ipv4()"},
      {"bad text", Packet().ipv6("fd00::1", "nope").udp(1, 2), "'nope'"},
      {"no IP layer", Packet().tcp(1, 2), "tcp() needs an IP layer"},
      {"icmpv6 on ipv4", Packet().ipv4("10.0.0.1", "10.0.0.2").icmpv6EchoRequest(1, 1), "icmpv6"},
      {"extension on ipv4", Packet().ipv4("10.0.0.1", "10.0.0.2").hopByHop().udp(1, 2),
       "extension"},
      {"too long", Packet().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payloadSize(70000), "udp()"},
      {"vlan id", Packet().vlan(5000).ipv4("10.0.0.1", "10.0.0.2"), "vlan()"},
      {"no ethertype", Packet().payload("x"), "ethertype"},
  };
  for (const Case& c : cases) {
    auto built = c.packet.tryBuild();
    ASSERT_FALSE(built.has_value()) << c.what;
    EXPECT_NE(built.error().message().find(c.message), std::string::npos)
        << c.what << ": " << built.error().message();
    EXPECT_THROW((void)c.packet.build(), std::invalid_argument) << c.what;
  }
}

TEST(PacketBuilder, LaterCallsReplaceALayerSoTablesCanDeriveVariants) {
  Packet syn;
  syn.ipv4("10.0.0.1", "10.0.0.2").tcp(1000, 80, TcpFlags::kSyn);
  Packet dnat = syn;
  dnat.ipv4("10.0.0.1", "10.244.0.5");
  EXPECT_EQ(decode(dnat.build())->dst(), ip("10.244.0.5"));
  EXPECT_EQ(decode(syn.build())->dst(), ip("10.0.0.2"));
  EXPECT_EQ(decode(dnat.build())->tcp->flags, TcpFlags::kSyn);
}

TEST(MacAddress, ParsesAndPrints) {
  EXPECT_EQ(MacAddress::parse("02:AB:cd:00:00:01")->toString(), "02:ab:cd:00:00:01");
  EXPECT_FALSE(MacAddress::parse("02:ab:cd:00:00").has_value());
  EXPECT_FALSE(MacAddress::parse("02-ab-cd-00-00-01").has_value());
  EXPECT_FALSE(MacAddress::parse("02:ab:cd:00:00:0g").has_value());
  constexpr MacAddress kLiteral("02:00:00:00:00:09");
  EXPECT_EQ(kLiteral.bytes()[5], 9);
}

}  // namespace
}  // namespace sluice::packet
