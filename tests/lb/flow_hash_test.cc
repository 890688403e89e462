// sluice-lb's flow hash is the eBPF plane's, bit for bit: the same flow gets the same Maglev slot
// (and so the same backend) from either data plane.
#include "sluice/ebpf/flow_hash.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <random>

#include "sluice/lb/flow_hash.h"

namespace sluice::lb {
namespace {

TEST(LbFlowHash, EqualsTheEbpfPlanesHash) {
  std::mt19937_64 rng(20261123);
  for (int i = 0; i < 20000; ++i) {
    Addr src;
    Addr dst;
    const bool v6 = i % 2 == 1;
    for (std::size_t b = 0; b < (v6 ? 16U : 4U); ++b) {
      src.bytes[b] = static_cast<std::uint8_t>(rng());
      dst.bytes[b] = static_cast<std::uint8_t>(rng());
    }
    const auto sport = static_cast<std::uint16_t>(rng());
    const auto dport = static_cast<std::uint16_t>(rng());
    const std::uint8_t proto = i % 3 == 0 ? kProtoUdp : kProtoTcp;

    sl_addr bsrc{};
    sl_addr bdst{};
    std::memcpy(bsrc.bytes, src.bytes.data(), 16);
    std::memcpy(bdst.bytes, dst.bytes.data(), 16);
    const std::uint32_t expected = lb_flow_hash(&bsrc, &bdst, htons(sport), htons(dport), proto);
    ASSERT_EQ(flowHash(src, dst, sport, dport, proto), expected) << i;
  }
}

TEST(LbFlowHash, DependsOnEveryPartOfTheTuple) {
  Addr a;
  a.bytes = {10, 0, 0, 1};
  Addr b;
  b.bytes = {10, 0, 0, 2};
  const std::uint32_t base = flowHash(a, b, 1000, 80, kProtoTcp);
  EXPECT_NE(flowHash(b, a, 1000, 80, kProtoTcp), base);
  EXPECT_NE(flowHash(a, b, 1001, 80, kProtoTcp), base);
  EXPECT_NE(flowHash(a, b, 1000, 81, kProtoTcp), base);
  EXPECT_NE(flowHash(a, b, 1000, 80, kProtoUdp), base);
}

}  // namespace
}  // namespace sluice::lb
