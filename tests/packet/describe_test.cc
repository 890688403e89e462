#include "sluice/packet/describe.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "sluice/packet/packet.h"
#include "sluice/packet/testing.h"
#include "test_util.h"

namespace sluice::packet {
namespace {

TEST(Describe, OneLineSummaries) {
  EXPECT_EQ(
      describe(Packet().ipv4("10.244.1.2", "10.96.0.10").tcp(40000, 80, TcpFlags::kSyn).build()),
      "IPv4 10.244.1.2:40000 > 10.96.0.10:80 TCP [S] ttl=64 len=40");
  EXPECT_EQ(describe(Packet()
                         .vlan(7)
                         .ipv6("fd00::1", "fd00::2", {.hop_limit = 9})
                         .udp(53, 5353)
                         .payload("hello")
                         .build()),
            "vlan 7 IPv6 [fd00::1]:53 > [fd00::2]:5353 UDP hlim=9 len=53 payload=5");
  EXPECT_EQ(describe(Packet().ipv4("10.0.0.1", "10.0.0.2").icmpv4EchoRequest(3, 4).build()),
            "IPv4 10.0.0.1 > 10.0.0.2 ICMP echo request id=3 seq=4 ttl=64 len=28");
  EXPECT_EQ(describe(Packet()
                         .ipv4("192.168.1.1", "10.244.1.2")
                         .icmpv4FragNeeded(1400, Packet()
                                                     .ipv4("10.244.1.2", "10.96.0.10")
                                                     .tcp(40000, 80, TcpFlags::kAck)
                                                     .payloadSize(1460)
                                                     .truncateTo(28))
                         .build()),
            "IPv4 192.168.1.1 > 10.244.1.2 ICMP dest unreachable code=4 mtu=1400 ttl=64 len=56 "
            "{IPv4 10.244.1.2:40000 > 10.96.0.10:80 TCP ttl=64 len=1500 (cut short)}");
  EXPECT_EQ(describe(Packet()
                         .ipv4("10.0.0.1", "10.0.0.2", {.id = 3, .more_fragments = true})
                         .udp(1, 2)
                         .payloadSize(8)
                         .build()),
            "IPv4 10.0.0.1:1 > 10.0.0.2:2 UDP ttl=64 len=36 frag(id=3 off=0 MF) payload=8");
  EXPECT_EQ(describe(Packet().ipv4("10.0.0.1", "10.0.0.2").rawL4(47).payload(Bytes(4, 0)).build()),
            "IPv4 10.0.0.1 > 10.0.0.2 proto 47 (GRE) ttl=64 len=24 payload=4");
  EXPECT_EQ(describe(Packet().ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2).badL4Checksum().build()),
            "IPv4 10.0.0.1:1 > 10.0.0.2:2 TCP [none] ttl=64 len=40 bad-checksum(tcp)");
  EXPECT_EQ(
      describe(Packet().ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2).truncateTo(50).build()),
      "IPv4 10.0.0.1 > 10.0.0.2 proto 6 (TCP) ttl=64 len=40 !! truncated: IPv4 total length 40 "
      "at offset 16 exceeds the 36 bytes there");
}

TEST(Hexdiff, NamesTheFieldsThatDiffer) {
  const auto syn = [](const char* dst, std::uint16_t port) {
    return Packet().ipv4("10.244.1.2", dst).tcp(40000, port, TcpFlags::kSyn).build();
  };
  EXPECT_EQ(hexdiff(syn("10.244.2.3", 8080), syn("10.244.2.3", 8080)), "");
  const std::string diff = hexdiff(syn("10.244.2.3", 8080), syn("10.96.0.10", 80));
  EXPECT_NE(diff.find("@30 ipv4.dst: expected 10.244.2.3, got 10.96.0.10"), std::string::npos)
      << diff;
  EXPECT_NE(diff.find("@36 tcp.dst_port: expected 8080, got 80"), std::string::npos) << diff;
  EXPECT_NE(diff.find("tcp.checksum: expected"), std::string::npos) << diff;
  EXPECT_NE(diff.find("(correct for the actual bytes)"), std::string::npos) << diff;
  EXPECT_NE(diff.find("actual:   IPv4 10.244.1.2:40000 > 10.96.0.10:80 TCP [S]"), std::string::npos)
      << diff;
  EXPECT_EQ(diff.find("ttl"), diff.find("ttl=64")) << "equal fields are not listed: " << diff;
}

TEST(Hexdiff, ForgottenChecksumUpdateIsCalledOut) {
  const Bytes expected = Packet().ipv4("10.0.0.1", "10.244.2.3").udp(1, 8080).build();
  Bytes actual = expected;
  actual[33] = 4;  // rewrite the destination without touching the checksums
  const std::string diff = hexdiff(expected, actual);
  EXPECT_NE(diff.find("ipv4.dst: expected 10.244.2.3, got 10.244.2.4"), std::string::npos) << diff;
  EXPECT_NE(diff.find("bad-checksum(ipv4 header)"), std::string::npos) << diff;
}

TEST(Hexdiff, MatchesFieldsByNameAcrossALayoutChange) {
  const Bytes plain = Packet().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build();
  const Bytes tagged = Packet().vlan(100).ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build();
  const std::string diff = hexdiff(plain, tagged);
  EXPECT_NE(diff.find("(length: expected 42, got 46)"), std::string::npos) << diff;
  EXPECT_NE(diff.find("vlan0.tci: unexpected vid=100"), std::string::npos) << diff;
  EXPECT_NE(diff.find("eth.type: expected 0x0800 (IPv4), got 0x8100 (802.1Q)"), std::string::npos)
      << diff;
  EXPECT_EQ(diff.find("ipv4.src"), std::string::npos) << "shifted but equal: " << diff;
}

TEST(Hexdiff, PayloadDifferencesPointAtTheByte) {
  const Bytes a = Packet().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload("hello world").build();
  const Bytes b = Packet().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload("hello there").build();
  const std::string diff = hexdiff(a, b);
  EXPECT_NE(diff.find("payload: expected 11 bytes \"hello world\", got 11 bytes \"hello there\" "
                      "(first difference at byte 6 of the field)"),
            std::string::npos)
      << diff;
}

TEST(Hexdiff, QuotedPacketFieldsAreNamed) {
  const auto err = [](const char* inner_src) {
    return Packet()
        .ipv4("192.168.1.1", "10.0.0.9")
        .icmpv4DestUnreachable(icmp4::kPortUnreachable,
                               Packet().ipv4(inner_src, "192.168.1.1").udp(4000, 53))
        .build();
  };
  const std::string diff = hexdiff(err("10.0.0.9"), err("10.244.1.2"));
  EXPECT_NE(diff.find("icmp.inner.ipv4.src: expected 10.0.0.9, got 10.244.1.2"), std::string::npos)
      << diff;
}

TEST(GtestGlue, ExpectPacketEqPrintsTheDiff) {
  const Bytes a = Packet().ipv4("10.0.0.1", "10.0.0.2").tcp(1, 80).build();
  const Bytes b = Packet().ipv4("10.0.0.1", "10.0.0.2").tcp(1, 8080).build();
  EXPECT_PACKET_EQ(a, a);
  EXPECT_NONFATAL_FAILURE(EXPECT_PACKET_EQ(a, b), "tcp.dst_port: expected 80, got 8080");
  EXPECT_CHECKSUMS_VALID(a);
  const Bytes bad = Packet().ipv4("10.0.0.1", "10.0.0.2").tcp(1, 80).badL4Checksum().build();
  EXPECT_NONFATAL_FAILURE(EXPECT_CHECKSUMS_VALID(bad), "tcp checksum at offset 50 is");
  const Bytes l3a = Packet().noEth().ipv6("fd00::1", "fd00::2").udp(1, 2).build();
  const Bytes l3b = Packet().noEth().ipv6("fd00::1", "fd00::3").udp(1, 2).build();
  EXPECT_NONFATAL_FAILURE(EXPECT_DATAGRAM_EQ(l3a, l3b), "ipv6.dst: expected fd00::2, got fd00::3");
}

}  // namespace
}  // namespace sluice::packet
