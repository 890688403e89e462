#include "sluice/packet/checksum.h"

#include <gtest/gtest.h>

#include <random>

namespace sluice::packet {
namespace {

base::IpAddress ip(const char* text) { return base::parseIpAddress(text).value(); }

TEST(InternetChecksum, Rfc1071Example) {
  // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to 0xddf2.
  const Bytes data{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  ChecksumAccumulator sum;
  sum.add(data);
  EXPECT_EQ(sum.sum(), 0xddf2);
  EXPECT_EQ(internetChecksum(data), 0x220d);
}

TEST(InternetChecksum, KnownIpv4Header) {
  // The textbook header 192.168.0.1 > 192.168.0.199, UDP, DF, total length 115: checksum b861.
  Bytes header{0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
               0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  EXPECT_EQ(internetChecksum(header), 0xb861);
  store16(header, 10, 0xb861);
  EXPECT_EQ(internetChecksum(header), 0) << "a header with its checksum verifies to 0";
}

TEST(InternetChecksum, OddLengthsAndSplitRangesAgree) {
  const Bytes data{0x12, 0x34, 0x56, 0x78, 0x9a};
  EXPECT_EQ(internetChecksum(data),
            static_cast<std::uint16_t>(~(0x1234 + 0x5678 + 0x9a00 - 0xffff)));
  // The same bytes fed in ranges of 1, 3 and 1 bytes: the odd byte carries across ranges.
  ChecksumAccumulator split;
  split.add(ByteView(data).subspan(0, 1));
  split.add(ByteView(data).subspan(1, 3));
  split.add(ByteView(data).subspan(4, 1));
  EXPECT_EQ(split.checksum(), internetChecksum(data));
  EXPECT_EQ(internetChecksum({}), 0xffff);
}

TEST(IncrementalUpdate, Rfc1624Example) {
  // RFC 1624 section 5: m 0x5555 -> 0x3285 with the other words summing to 0xCD7A. HC is
  // 0xDD2F; the right new checksum is 0x0000, which eqn. 2 gets wrong (0xFFFF).
  EXPECT_EQ(checksumUpdate16(0xdd2f, 0x5555, 0x3285), 0x0000);
}

TEST(IncrementalUpdate, MatchesRecomputationForRandomRewrites) {
  std::mt19937 rng(1624);  // fixed seed: deterministic
  std::uniform_int_distribution<int> byte(0, 255);
  for (int round = 0; round < 2000; ++round) {
    Bytes data(40);
    for (auto& b : data) b = static_cast<std::uint8_t>(byte(rng));
    const std::uint16_t before = internetChecksum(data);
    // Rewrite a 16-bit word, a 32-bit word (an IPv4 address) and 16 bytes (an IPv6 address).
    Bytes after = data;
    const std::uint16_t old16 = load16(after, 4);
    const auto new16 = static_cast<std::uint16_t>(byte(rng) << 8 | byte(rng));
    store16(after, 4, new16);
    std::uint16_t updated = checksumUpdate16(before, old16, new16);
    const std::uint32_t old32 = load32(after, 8);
    const std::uint32_t new32 = static_cast<std::uint32_t>(byte(rng)) << 24 | 0x0a0000U;
    store32(after, 8, new32);
    updated = checksumUpdate32(updated, old32, new32);
    const Bytes old_block(after.begin() + 16, after.begin() + 32);
    Bytes new_block(16);
    for (auto& b : new_block) b = static_cast<std::uint8_t>(byte(rng));
    std::copy(new_block.begin(), new_block.end(), after.begin() + 16);
    updated = checksumUpdate(updated, old_block, new_block);

    // One's complement has two zeros; equal as numbers mod 0xffff, and a header carrying the
    // updated value verifies.
    const std::uint16_t recomputed = internetChecksum(after);
    EXPECT_EQ(updated % 0xffff, recomputed % 0xffff) << "round " << round;
  }
}

TEST(IncrementalUpdate, UpdatedChecksumVerifies) {
  Bytes header{0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
               0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  // DNAT 192.168.0.199 -> 10.244.2.3, as a data plane does it.
  const std::uint32_t old_dst = load32(header, 16);
  store32(header, 16, 0x0af40203);
  store16(header, 10, checksumUpdate32(0xb861, old_dst, 0x0af40203));
  EXPECT_EQ(internetChecksum(header), 0);
}

TEST(L4Checksum, PseudoHeaderBothFamilies) {
  // UDP 10.0.0.1:1234 > 10.0.0.2:53 "hi": computed by hand. Pseudo-header words: 0a00 0001
  // 0a00 0002 0011 000a; UDP: 04d2 0035 000a 0000 6869.
  const Bytes udp{0x04, 0xd2, 0x00, 0x35, 0x00, 0x0a, 0x00, 0x00, 0x68, 0x69};
  const unsigned sum =
      0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 0x0011 + 0x000a + 0x04d2 + 0x0035 + 0x000a + 0x6869;
  EXPECT_EQ(l4Checksum(ip("10.0.0.1"), ip("10.0.0.2"), 17, udp),
            static_cast<std::uint16_t>(~((sum & 0xffff) + (sum >> 16))));
  // IPv6: addresses fd00::1 and fd00::2, a 32-bit length and the next header in the low byte.
  const unsigned sum6 =
      0xfd00 + 0x0001 + 0xfd00 + 0x0002 + 0x000a + 0x0011 + 0x04d2 + 0x0035 + 0x000a + 0x6869;
  EXPECT_EQ(l4Checksum(ip("fd00::1"), ip("fd00::2"), 17, udp),
            static_cast<std::uint16_t>(~((sum6 & 0xffff) + (sum6 >> 16))));
}

TEST(Crc32c, KnownVectors) {
  const std::string check = "123456789";
  EXPECT_EQ(crc32c(ByteView(reinterpret_cast<const std::uint8_t*>(check.data()), check.size())),
            0xe3069283U);
  // RFC 3720 B.4: 32 bytes of zeros.
  EXPECT_EQ(crc32c(Bytes(32, 0)), 0x8a9136aaU);
  EXPECT_EQ(crc32c(Bytes(32, 0xff)), 0x62a8ab43U);
}

TEST(Crc32c, SctpStoresLeastSignificantByteFirst) {
  Bytes packet(16, 0);
  storeSctpChecksum(packet, 8, 0xe3069283U);
  EXPECT_EQ(packet[8], 0x83);
  EXPECT_EQ(packet[11], 0xe3);
  EXPECT_EQ(loadSctpChecksum(packet, 8), 0xe3069283U);
  // The checksum field itself is taken as zero.
  EXPECT_EQ(sctpChecksum(packet), crc32c(Bytes(16, 0)));
}

}  // namespace
}  // namespace sluice::packet
