#include "sluice/dataplane/fake_dataplane.h"

#include <gtest/gtest.h>

#include "sluice/dataplane/backend_set.h"

namespace sluice::dataplane {
namespace {

base::IpAddress ip(const char* text) { return base::parseIpAddress(text).value(); }

Frontend clusterIp(const char* address, std::uint16_t port, ServiceId service) {
  return {.key = {.address = ip(address), .port = port, .protocol = Protocol::kTcp},
          .service = service};
}

TEST(FakeDataplane, DumpIsStableText) {
  FakeDataplane dp;
  Frontend lb = {.key = {.address = ip("192.168.60.1"), .port = 80, .protocol = Protocol::kTcp},
                 .service = 2,
                 .kind = FrontendKind::kLoadBalancer,
                 .local_only = true,
                 .source_ranges = {base::IpPrefix::parse("192.168.50.0/24").value()}};
  ASSERT_TRUE(dp.upsertFrontend(lb).has_value());
  ASSERT_TRUE(dp.upsertFrontend(clusterIp("10.96.0.10", 53, 1)).has_value());
  auto backends = buildServiceBackends(
      1, {{.address = ip("10.244.1.2"), .port = 53}, {.address = ip("10.244.2.2"), .port = 53}},
      {.maglev_size = 13});
  ASSERT_TRUE(backends.has_value());
  ASSERT_TRUE(dp.replaceBackends(*backends).has_value());
  EXPECT_EQ(dp.dump(),
            "frontend 10.96.0.10:53/TCP -> service 1 ClusterIP\n"
            "frontend 192.168.60.1:80/TCP -> service 2 LoadBalancer local-only "
            "allow=192.168.50.0/24\n"
            "service 1 maglev=13\n"
            "  backend 10.244.1.2:53 ready weight=1 share=7\n"
            "  backend 10.244.2.2:53 ready weight=1 share=6\n");
  EXPECT_EQ(dp.mutations(), 3U);
}

TEST(FakeDataplane, InvalidInputIsRefusedAndStateKept) {
  FakeDataplane dp;
  ASSERT_TRUE(dp.upsertFrontend(clusterIp("10.96.0.1", 443, 1)).has_value());
  const std::string before = dp.dump();
  EXPECT_FALSE(dp.upsertFrontend(clusterIp("10.96.0.2", 0, 1)).has_value());
  EXPECT_FALSE(dp.upsertFrontend(clusterIp("10.96.0.2", 80, 0)).has_value());
  EXPECT_FALSE(dp.upsertFrontend(clusterIp("0.0.0.0", 80, 1)).has_value());
  Frontend mixed = clusterIp("10.96.0.3", 80, 1);
  mixed.source_ranges.push_back(base::IpPrefix::parse("fd00::/8").value());
  EXPECT_FALSE(dp.upsertFrontend(mixed).has_value());
  EXPECT_FALSE(dp.replaceBackends({.service = 1, .backends = {}, .maglev = {0, 0, 0}}).has_value())
      << "entry names a backend that is not there";
  EXPECT_FALSE(
      dp.replaceBackends({.service = 1, .backends = {}, .maglev = {-1, -1, -1, -1}}).has_value())
      << "4 is not prime";
  EXPECT_EQ(dp.dump(), before);
}

TEST(FakeDataplane, InjectedFailureChangesNothingAndIsConsumed) {
  FakeDataplane dp;
  dp.failNextCall(base::Error(base::Errc::kUnavailable, "map full"));
  auto r = dp.upsertFrontend(clusterIp("10.96.0.1", 443, 1));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(), "map full");
  EXPECT_EQ(dp.dump(), "");
  EXPECT_TRUE(dp.upsertFrontend(clusterIp("10.96.0.1", 443, 1)).has_value());
}

TEST(FakeDataplane, DeletesReportWhatWasMissing) {
  FakeDataplane dp;
  auto r = dp.deleteFrontend(clusterIp("10.96.0.1", 443, 1).key);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), base::Errc::kNotFound);
  EXPECT_NE(r.error().message().find("10.96.0.1:443/TCP"), std::string::npos);
  EXPECT_EQ(dp.deleteBackends(4).error().code(), base::Errc::kNotFound);
}

TEST(FakeDataplane, ProgrammedReadsBackInKeyOrder) {
  FakeDataplane dp;
  ASSERT_TRUE(dp.upsertFrontend(clusterIp("10.96.0.2", 80, 2)).has_value());
  ASSERT_TRUE(dp.upsertFrontend(clusterIp("10.96.0.1", 80, 1)).has_value());
  auto state = dp.programmed();
  ASSERT_TRUE(state.has_value());
  ASSERT_EQ(state->frontends.size(), 2U);
  EXPECT_EQ(state->frontends[0].service, 1U);
}

TEST(DropReason, EveryReasonHasAMetricName) {
  for (int r = 0; r < SLUICE_DROP_MAX; ++r) EXPECT_NE(dropReasonName(r), "unknown") << r;
  EXPECT_EQ(dropReasonName(SLUICE_DROP_NO_BACKEND), "no_backend");
  EXPECT_EQ(dropReasonName(SLUICE_DROP_MAX), "unknown");
}

}  // namespace
}  // namespace sluice::dataplane
