// Bad packets never crash the worker and never go uncounted: frames of every kind the fixtures
// use, mutated at random (bytes flipped, cut short, lengths lied about), through
// Worker::process. Run under ASan+UBSan in CI, this is where an out-of-bounds read would show.
#include <gtest/gtest.h>

#include <numeric>
#include <random>

#include "lb_fixture.h"
#include "sluice/packet/packet.h"

namespace sluice::testing {
namespace {

using dataplane::FrontendKind;
using dataplane::Protocol;
using lb::Verdict;
using packet::Bytes;
using packet::Packet;
using packet::TcpFlags;

TEST(LbWorkerRobustness, MutatedFramesAreJudgedAndEveryDropIsCounted) {
  LbFixture f({.workers = 2,
               .conntrack_per_worker = 256,
               .max_services = 16,
               .addressing = {.port_mac = macOf(kLbMac),
                              .snat_ipv4 = lbIp("192.168.50.1"),
                              .snat_ipv6 = lbIp("fd00:50::1")}});
  auto& dp = f.dataplane();
  dp.setGateway(macOf(kRouterMac));
  for (const auto& [address, dsr, id] :
       {std::tuple{"192.168.60.10", false, 1U}, std::tuple{"192.168.60.13", true, 2U},
        std::tuple{"fd00:60::10", false, 3U}}) {
    for (const Protocol p : {Protocol::kTcp, Protocol::kUdp}) {
      ASSERT_TRUE(dp.upsertFrontend({.key = {.address = lbIp(address), .port = 80, .protocol = p},
                                     .service = id,
                                     .kind = FrontendKind::kLoadBalancer,
                                     .affinity_timeout_s = id == 1 ? 30U : 0U,
                                     .dsr = dsr}));
    }
    const char* backend = id == 3 ? "fd00:244:1::3" : "10.244.2.3";
    ASSERT_TRUE(f.setBackends(id, {{.address = lbIp(backend), .port = 8080}}));
  }
  const std::vector<Bytes> seeds = {
      Packet().ipv4("192.168.50.100", "192.168.60.10").tcp(1, 80, TcpFlags::kSyn).build(),
      Packet().ipv4("192.168.50.100", "192.168.60.13").udp(1, 80).payload("x").build(),
      Packet()
          .vlan(5)
          .ipv4("192.168.50.100", "192.168.60.10", {.options = {1, 1, 1, 1}})
          .tcp(2, 80, TcpFlags::kAck)
          .build(),
      Packet().ipv6("fd00:50::100", "fd00:60::10").hopByHop().destOptions().tcp(3, 80).build(),
      Packet().ipv6("fd00:50::100", "fd00:60::10").fragmentHeader({}).udp(3, 80).build(),
      Packet().ipv4("10.244.2.3", "192.168.50.1").tcp(8080, 32768, TcpFlags::kAck).build(),
      Packet()
          .ipv4("10.244.2.3", "192.168.50.1")
          .icmpv4FragNeeded(1200, Packet().ipv4("192.168.50.1", "10.244.2.3").tcp(32768, 8080))
          .build(),
      Packet()
          .ipv6("fd00:244:1::3", "fd00:50::1")
          .icmpv6PacketTooBig(1280, Packet().ipv6("fd00:50::1", "fd00:244:1::3").udp(32769, 8080))
          .build(),
      Packet().ipv4("192.168.50.100", "192.168.60.10").icmpv4EchoRequest(1, 1).build(),
      Packet()
          .ipv6("fd00:60::1", "ff02::1:ff00:10", {.hop_limit = 255})
          .icmpv6({.type = 135})
          .payload(Bytes(24, 0))
          .build(),
  };
  std::mt19937 rng(7);  // fixed: the same frames every run
  std::uint64_t dropped = 0;
  std::uint64_t frames = 0;
  for (int round = 0; round < 20000; ++round) {
    Bytes frame = seeds[rng() % seeds.size()];
    switch (rng() % 4) {
      case 0:  // flip a few bytes anywhere
        for (int i = 0; i < 3; ++i) frame[rng() % frame.size()] ^= static_cast<std::uint8_t>(rng());
        break;
      case 1:  // cut short
        frame.resize(rng() % frame.size());
        break;
      case 2:  // a length field lies (IPv4 total length / IPv6 payload length)
        if (frame.size() > 20) frame[17 + rng() % 4] = static_cast<std::uint8_t>(rng());
        break;
      default:  // as built
        break;
    }
    const LbRun r = f.run(frame, rng() % 2);
    ++frames;
    if (r.outcome.verdict == Verdict::kDrop) {
      ++dropped;
      EXPECT_GT(r.outcome.reason, 0);
      EXPECT_LT(r.outcome.reason, SLUICE_DROP_MAX);
    }
    if (r.outcome.verdict == Verdict::kTransmit) {
      EXPECT_GE(r.output.size(), 14U);
    }
  }
  auto counters = dp.counters();
  ASSERT_TRUE(counters.has_value());
  EXPECT_EQ(std::accumulate(counters->drops.begin(), counters->drops.end(), std::uint64_t{0}),
            dropped);
  EXPECT_GT(dropped, 0U);
  EXPECT_LT(dropped, frames) << "not everything is dropped";
}

}  // namespace
}  // namespace sluice::testing
