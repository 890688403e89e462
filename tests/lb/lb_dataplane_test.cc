// LbDataplane against the Dataplane contract (as tests/dataplane/fake_dataplane_test.cc holds
// the fake to it): bad input refused with the state kept, deletes that name what was missing,
// read-back in key order, counters summed over workers, conntrack listed and looked up.
#include "sluice/lb/lb_dataplane.h"

#include <gtest/gtest.h>

#include "lb_fixture.h"
#include "sluice/dataplane/backend_set.h"
#include "sluice/dataplane/service_spec.h"
#include "sluice/lb/spec_sync.h"
#include "sluice/packet/packet.h"

namespace sluice::testing {
namespace {

using dataplane::Frontend;
using dataplane::FrontendKind;
using dataplane::Protocol;
using packet::Packet;
using packet::TcpFlags;

Frontend lbFrontend(const char* address, std::uint16_t port, dataplane::ServiceId service) {
  return {.key = {.address = lbIp(address), .port = port, .protocol = Protocol::kTcp},
          .service = service,
          .kind = FrontendKind::kLoadBalancer};
}

lb::LbOptions options(std::uint16_t workers = 1) {
  return {.workers = workers,
          .conntrack_per_worker = 1024,
          .max_services = 64,
          .addressing = {.port_mac = macOf(kLbMac), .snat_ipv4 = lbIp("192.168.50.5")}};
}

TEST(LbDataplane, InvalidInputIsRefusedAndStateKept) {
  lb::LbDataplane dp(options());
  EXPECT_EQ(dp.kind(), "dpdk");
  ASSERT_TRUE(dp.upsertFrontend(lbFrontend("192.168.60.1", 443, 1)));
  const auto before = dp.programmed();
  ASSERT_TRUE(before.has_value());
  EXPECT_FALSE(dp.upsertFrontend(lbFrontend("192.168.60.2", 0, 1)));
  EXPECT_FALSE(dp.upsertFrontend(lbFrontend("192.168.60.2", 80, 0)));
  EXPECT_FALSE(dp.upsertFrontend(lbFrontend("0.0.0.0", 80, 1)));
  auto too_big = dp.upsertFrontend(lbFrontend("192.168.60.2", 80, 64));
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error().code(), base::Errc::kOutOfRange);
  EXPECT_FALSE(dp.replaceBackends({.service = 1, .backends = {}, .maglev = {0, 0, 0}}))
      << "entry names a backend that is not there";
  EXPECT_FALSE(dp.replaceBackends({.service = 1, .backends = {}, .maglev = {-1, -1, -1, -1}}))
      << "4 is not prime";
  EXPECT_FALSE(dp.setNeighbor(lbIp("0.0.0.0"), macOf(kRouterMac)));
  const auto after = dp.programmed();
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->frontends, before->frontends);
  EXPECT_EQ(after->services.size(), before->services.size());
}

TEST(LbDataplane, DeletesReportWhatWasMissing) {
  lb::LbDataplane dp(options());
  auto r = dp.deleteFrontend(lbFrontend("192.168.60.1", 443, 1).key);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), base::Errc::kNotFound);
  EXPECT_NE(r.error().message().find("192.168.60.1:443/TCP"), std::string::npos);
  EXPECT_EQ(dp.deleteBackends(4).error().code(), base::Errc::kNotFound);
}

TEST(LbDataplane, ProgrammedReadsBackInKeyOrder) {
  lb::LbDataplane dp(options());
  ASSERT_TRUE(dp.upsertFrontend(lbFrontend("192.168.60.2", 80, 2)));
  ASSERT_TRUE(dp.upsertFrontend(lbFrontend("192.168.60.1", 80, 1)));
  auto set = dataplane::buildServiceBackends(1, {{.address = lbIp("10.244.1.2"), .port = 80}},
                                             {.maglev_size = 13});
  ASSERT_TRUE(set.has_value());
  ASSERT_TRUE(dp.replaceBackends(*set));
  auto state = dp.programmed();
  ASSERT_TRUE(state.has_value());
  ASSERT_EQ(state->frontends.size(), 2U);
  EXPECT_EQ(state->frontends[0].service, 1U);
  ASSERT_EQ(state->services.size(), 1U);
  EXPECT_EQ(state->services[0], *set);
}

TEST(LbDataplane, CountersAndConntrackCoverEveryWorker) {
  LbFixture f(options(2));
  auto& dp = f.dataplane();
  dp.setGateway(macOf(kRouterMac));
  ASSERT_TRUE(dp.upsertFrontend(lbFrontend("192.168.60.1", 80, 3)));
  ASSERT_TRUE(f.setBackends(3, {{.address = lbIp("10.244.1.2"), .port = 8080}}));
  (void)f.transmit(
      Packet().ipv4("192.168.50.100", "192.168.60.1").tcp(1000, 80, TcpFlags::kSyn).build(), 0);
  (void)f.transmit(
      Packet().ipv4("192.168.50.101", "192.168.60.1").tcp(1000, 80, TcpFlags::kSyn).build(), 1);
  auto counters = dp.counters();
  ASSERT_TRUE(counters.has_value());
  EXPECT_EQ(counters->services[3].new_connections, 2U);
  EXPECT_EQ(counters->conntrack_entries, 4U) << "a forward and a reply entry per flow";

  auto entries = dp.conntrack(0);
  ASSERT_TRUE(entries.has_value());
  ASSERT_EQ(entries->size(), 2U);
  EXPECT_EQ(dp.conntrack(1)->size(), 1U);
  const dataplane::FlowTuple flow{.protocol = Protocol::kTcp,
                                  .source = lbIp("192.168.50.101"),
                                  .source_port = 1000,
                                  .destination = lbIp("192.168.60.1"),
                                  .destination_port = 80};
  auto found = dp.conntrackLookup(flow);
  ASSERT_TRUE(found.has_value());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->backend.to_string(), "10.244.1.2");
  EXPECT_EQ((*found)->backend_port, 8080);
  EXPECT_TRUE((*found)->snat);
  EXPECT_EQ((*found)->state, "new");
  EXPECT_TRUE(dp.flowHash(flow).has_value());
}

// What sluice-lb does on SIGHUP: the data plane ends up holding exactly the new list, with
// unchanged objects left alone.
TEST(LbDataplane, SyncingAServiceListWritesTheDifferenceOnly) {
  lb::LbDataplane dp(options());
  auto first = dataplane::parseServiceSpec(
      "frontend 192.168.60.1:80/tcp service=1 kind=loadbalancer\n"
      "frontend 192.168.60.2:80/tcp service=2 kind=loadbalancer\n"
      "backend service=1 10.244.1.2:8080\n"
      "backend service=2 10.244.2.2:8080\n");
  ASSERT_TRUE(first.has_value()) << first.error().toString();
  auto counts = lb::syncServiceSpec(dp, *first, 13);
  ASSERT_TRUE(counts.has_value()) << counts.error().toString();
  EXPECT_EQ(counts->written, 4U);
  EXPECT_EQ(counts->deleted, 0U);
  counts = lb::syncServiceSpec(dp, *first, 13);
  ASSERT_TRUE(counts.has_value());
  EXPECT_EQ(counts->written + counts->deleted, 0U) << "nothing changed, nothing written";

  auto second = dataplane::parseServiceSpec(
      "frontend 192.168.60.1:80/tcp service=1 kind=loadbalancer dsr\n"
      "backend service=1 10.244.1.2:8080\n"
      "backend service=1 10.244.1.3:8080\n");
  ASSERT_TRUE(second.has_value()) << second.error().toString();
  counts = lb::syncServiceSpec(dp, *second, 13);
  ASSERT_TRUE(counts.has_value()) << counts.error().toString();
  EXPECT_EQ(counts->written, 2U) << "service 1's backends and its frontend";
  EXPECT_EQ(counts->deleted, 2U) << "service 2's frontend and backends";
  auto state = dp.programmed();
  ASSERT_TRUE(state.has_value());
  ASSERT_EQ(state->frontends.size(), 1U);
  EXPECT_TRUE(state->frontends[0].dsr);
  ASSERT_EQ(state->services.size(), 1U);
  EXPECT_EQ(state->services[0].backends.size(), 2U);
}

// While lcores run, conntrack() asks them (they answer between bursts) instead of reading tables
// they are writing.
TEST(LbDataplane, ConntrackIsReadThroughTheLcoresWhileTheyRun) {
  LbFixture f(options(1));
  auto& dp = f.dataplane();
  dp.setGateway(macOf(kRouterMac));
  ASSERT_TRUE(dp.upsertFrontend(lbFrontend("192.168.60.1", 80, 3)));
  ASSERT_TRUE(f.setBackends(3, {{.address = lbIp("10.244.1.2"), .port = 8080}}));
  (void)f.transmit(
      Packet().ipv4("192.168.50.100", "192.168.60.1").tcp(1000, 80, TcpFlags::kSyn).build());
  dp.setLcoresRunning(true);
  std::atomic<bool> stop{false};
  std::thread lcore([&] {
    while (!stop.load()) dp.serveInspection(0);
  });
  auto entries = dp.conntrack(0);
  stop = true;
  lcore.join();
  dp.setLcoresRunning(false);
  ASSERT_TRUE(entries.has_value());
  EXPECT_EQ(entries->size(), 1U);
}

}  // namespace
}  // namespace sluice::testing
