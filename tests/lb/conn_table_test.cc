// The per-lcore connection table: exact lookups, reuse of expired slots, eviction of the least
// recently seen entry of a full bucket, and the eBPF plane's timeouts and TCP states.
#include "sluice/lb/conn_table.h"

#include <gtest/gtest.h>

namespace sluice::lb {
namespace {

constexpr std::uint64_t kSec = 1'000'000'000ULL;

CtKey key(std::uint16_t sport) {
  CtKey k;
  k.src.bytes = {10, 0, 0, 1};
  k.dst.bytes = {10, 0, 0, 2};
  k.sport = sport;
  k.dport = 80;
  k.proto = kProtoTcp;
  k.family = kFamilyIpv4;
  return k;
}

TEST(ConnTable, FindsWhatWasInsertedAndNothingElse) {
  ConnTable table(64);
  EXPECT_GE(table.capacity(), 64U);
  CtEntry& e = table.insert(key(1), 5 * kSec);
  e.nat_port = 8080;
  ASSERT_NE(table.find(key(1)), nullptr);
  EXPECT_EQ(table.find(key(1))->nat_port, 8080);
  EXPECT_EQ(table.find(key(2)), nullptr);
  CtKey reply = key(1);
  reply.dir = CtDir::kReply;
  EXPECT_EQ(table.find(reply), nullptr) << "the direction is part of the key";
  EXPECT_EQ(table.occupied(), 1U);
  table.erase(*table.find(key(1)));
  EXPECT_EQ(table.find(key(1)), nullptr);
  EXPECT_EQ(table.occupied(), 0U);
}

TEST(ConnTable, AFullTableEvictsTheLeastRecentlySeen) {
  ConnTable table(8);  // one bucket of 8 ways
  ASSERT_EQ(table.capacity(), ConnTable::kWays);
  for (std::uint16_t p = 1; p <= 8; ++p) (void)table.insert(key(p), p * kSec);
  EXPECT_EQ(table.evictions(), 0U);
  (void)table.insert(key(100), 20 * kSec);
  EXPECT_EQ(table.evictions(), 1U);
  EXPECT_EQ(table.occupied(), 8U);
  EXPECT_EQ(table.find(key(1)), nullptr) << "seen least recently";
  for (std::uint16_t p = 2; p <= 8; ++p) EXPECT_NE(table.find(key(p)), nullptr) << p;
  // An expired entry is reused before anything live is evicted.
  const std::uint64_t later = 2 * kSec + 61 * kSec;  // key(2), SYN-only, is past 60 s
  (void)table.insert(key(101), later);
  EXPECT_EQ(table.evictions(), 1U);
  EXPECT_EQ(table.find(key(2)), nullptr);
}

TEST(ConnTable, TcpStatesAndTimeoutsFollowTheEbpfPlane) {
  ParsedPacket pkt;
  pkt.proto = kProtoTcp;
  CtEntry e;
  e.key = key(1);
  EXPECT_EQ(ctTimeoutNs(kProtoTcp, CtState::kNew), 60 * kSec);
  EXPECT_EQ(ctTimeoutNs(kProtoTcp, CtState::kEstablished), 6 * 3600 * kSec);
  EXPECT_EQ(ctTimeoutNs(kProtoTcp, CtState::kClosing), 10 * kSec);
  EXPECT_EQ(ctTimeoutNs(kProtoUdp, CtState::kNew), 30 * kSec);
  EXPECT_EQ(ctTimeoutNs(kProtoUdp, CtState::kEstablished), 120 * kSec);
  pkt.tcp_flags = kTcpSyn | kTcpAck;
  ctOnPacket(e, pkt, true, kSec);
  EXPECT_EQ(e.state, CtState::kEstablished);
  pkt.tcp_flags = kTcpFin | kTcpAck;
  ctOnPacket(e, pkt, false, 2 * kSec);
  EXPECT_EQ(e.state, CtState::kEstablished) << "one FIN is not closing";
  ctOnPacket(e, pkt, true, 3 * kSec);
  EXPECT_EQ(e.state, CtState::kClosing);
  EXPECT_TRUE(ctAlive(e, 13 * kSec));
  EXPECT_FALSE(ctAlive(e, 14 * kSec));
  pkt.tcp_flags = kTcpSyn;
  EXPECT_TRUE(ctIsNewSyn(e, pkt)) << "a SYN on a closing entry is a new connection";
}

}  // namespace
}  // namespace sluice::lb
