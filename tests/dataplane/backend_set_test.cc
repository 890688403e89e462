// Which backends take new flows, and the Maglev table the data planes get.
#include "sluice/dataplane/backend_set.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "sluice/dataplane/dataplane.h"

namespace sluice::dataplane {
namespace {

Backend backend(const char* ip, std::uint16_t port, BackendState state = BackendState::kReady,
                bool local = false) {
  return {.address = base::parseIpAddress(ip).value(),
          .port = port,
          .weight = 1,
          .state = state,
          .node_local = local};
}

std::set<std::string> chosen(const ServiceBackends& s) {
  std::set<std::string> out;
  for (std::int32_t e : s.maglev) {
    if (e >= 0) {
      const Backend& b = s.backends[static_cast<std::size_t>(e)];
      out.insert(base::formatEndpoint(b.address, b.port));
    }
  }
  return out;
}

TEST(BackendSet, ReadyBackendsShareTheTableEvenly) {
  auto s = buildServiceBackends(
      7, {backend("10.244.1.2", 80), backend("10.244.2.2", 80), backend("10.244.1.3", 80)},
      {.maglev_size = 251});
  ASSERT_TRUE(s.has_value()) << s.error().toString();
  EXPECT_EQ(s->service, 7U);
  EXPECT_EQ(s->maglev.size(), 251U);
  EXPECT_TRUE(validateBackends(*s).has_value());
  for (std::int32_t i = 0; i < 3; ++i) {
    const auto n = std::ranges::count(s->maglev, i);
    EXPECT_TRUE(n == 83 || n == 84) << n;
  }
}

TEST(BackendSet, TerminatingServeOnlyWhenNoneIsReady) {
  auto mixed = buildServiceBackends(
      1, {backend("10.0.0.1", 80), backend("10.0.0.2", 80, BackendState::kTerminating)},
      {.maglev_size = 13});
  ASSERT_TRUE(mixed.has_value());
  EXPECT_EQ(chosen(*mixed), std::set<std::string>{"10.0.0.1:80"});
  EXPECT_EQ(mixed->backends.size(), 2U) << "the terminating backend stays for established flows";

  auto only_terminating = buildServiceBackends(1,
                                               {backend("10.0.0.2", 80, BackendState::kTerminating),
                                                backend("10.0.0.3", 80, BackendState::kDraining)},
                                               {.maglev_size = 13});
  ASSERT_TRUE(only_terminating.has_value());
  EXPECT_EQ(chosen(*only_terminating), std::set<std::string>{"10.0.0.2:80"});
}

TEST(BackendSet, DrainingOnlyMeansRejectNewFlows) {
  auto s = buildServiceBackends(1, {backend("10.0.0.3", 80, BackendState::kDraining)},
                                {.maglev_size = 13});
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(std::ranges::all_of(s->maglev, [](std::int32_t e) { return e == -1; }));
  EXPECT_EQ(s->backends.size(), 1U);
}

TEST(BackendSet, LocalOnlyPicksNodeLocalBackends) {
  std::vector<Backend> backends = {backend("10.244.1.2", 80, BackendState::kReady, true),
                                   backend("10.244.2.2", 80, BackendState::kReady, false)};
  auto s = buildServiceBackends(1, backends, {.maglev_size = 13, .local_only = true});
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(chosen(*s), std::set<std::string>{"10.244.1.2:80"});

  // A local terminating backend beats a remote ready one under local_only.
  backends[0].state = BackendState::kTerminating;
  s = buildServiceBackends(1, backends, {.maglev_size = 13, .local_only = true});
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(chosen(*s), std::set<std::string>{"10.244.1.2:80"});
}

TEST(BackendSet, SameEndpointsInAnyOrderGiveTheSameState) {
  std::vector<Backend> a = {backend("fd00::2", 80), backend("10.0.0.1", 80),
                            backend("10.0.0.1", 81)};
  std::vector<Backend> b = {a[2], a[0], a[1]};
  auto sa = buildServiceBackends(3, a, {.maglev_size = 251});
  auto sb = buildServiceBackends(3, b, {.maglev_size = 251});
  ASSERT_TRUE(sa.has_value() && sb.has_value());
  EXPECT_EQ(*sa, *sb);
}

TEST(BackendSet, WeightsCarryIntoTheTable) {
  std::vector<Backend> backends = {backend("10.0.0.1", 80), backend("10.0.0.2", 80)};
  backends[1].weight = 3;
  auto s = buildServiceBackends(1, backends, {.maglev_size = 1009});
  ASSERT_TRUE(s.has_value());
  EXPECT_NEAR(static_cast<double>(std::ranges::count(s->maglev, 1)), 1009.0 * 3 / 4, 2);
}

TEST(BackendSet, BadInputIsAClearError) {
  auto dup = buildServiceBackends(9, {backend("10.0.0.1", 80), backend("10.0.0.1", 80)}, {});
  ASSERT_FALSE(dup.has_value());
  EXPECT_NE(dup.error().message().find("10.0.0.1:80 is listed twice"), std::string::npos);
  EXPECT_FALSE(buildServiceBackends(9, {backend("10.0.0.1", 0)}, {}).has_value());
  auto size = buildServiceBackends(9, {backend("10.0.0.1", 80)}, {.maglev_size = 1000});
  ASSERT_FALSE(size.has_value());
  EXPECT_NE(size.error().message().find("service 9"), std::string::npos);
}

}  // namespace
}  // namespace sluice::dataplane
