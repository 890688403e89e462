// The eBPF data plane's control side against the real kernel: programs load and pass the
// verifier, the Dataplane contract round-trips through the pinned maps, and a second instance
// (a restarted agent) finds everything the first one programmed.
#include "sluice/ebpf/ebpf_dataplane.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "private_bpffs.h"
#include "sluice/dataplane/backend_set.h"
#include "sluice/lab/privileged.h"

namespace sluice::ebpf {
namespace {

using dataplane::Backend;
using dataplane::BackendState;
using dataplane::Frontend;
using dataplane::FrontendKind;
using dataplane::Protocol;

base::IpAddress ip(const char* text) { return base::parseIpAddress(text).value(); }

class EbpfDataplaneTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SLUICE_REQUIRE_ROOT();
    auto fs = testing::PrivateBpffs::create();
    ASSERT_TRUE(fs.has_value()) << fs.error().toString();
    bpffs_.emplace(std::move(*fs));
    auto dp = EbpfDataplane::open(options());
    ASSERT_TRUE(dp.has_value()) << dp.error().toString();
    dp_ = std::move(*dp);
  }

  [[nodiscard]] EbpfOptions options() const {
    return {.bpffs = bpffs_->path(), .pin_subdir = "sluice", .maglev_size = 251};
  }

  static dataplane::ServiceBackends threeBackends(dataplane::ServiceId id) {
    auto s = dataplane::buildServiceBackends(
        id,
        {{.address = ip("10.244.1.2"), .port = 8080},
         {.address = ip("10.244.2.2"), .port = 8080, .node_local = true},
         {.address = ip("10.244.2.3"), .port = 8080, .state = BackendState::kTerminating}},
        {.maglev_size = 251});
    EXPECT_TRUE(s.has_value());
    return *s;
  }

  std::optional<testing::PrivateBpffs> bpffs_;
  std::unique_ptr<EbpfDataplane> dp_;
};

TEST_F(EbpfDataplaneTest, MapsArePinnedWithVersionedNames) {
  for (const char* name : {"sl_fe_v1", "sl_be_v1", "sl_maglev_v2", "sl_maglev_on_v1", "sl_ct_v2",
                           "sl_aff_v1", "sl_svc_stats_v1", "sl_drops_v1", "sl_sock_rev_v1"}) {
    struct stat st {};
    EXPECT_EQ(::stat((dp_->pinDirectory() + "/" + name).c_str(), &st), 0) << name;
  }
}

TEST_F(EbpfDataplaneTest, ProgrammedStateReadsBackWhatWasWritten) {
  const Frontend fe = {.key = {.address = ip("10.96.0.10"), .port = 80, .protocol = Protocol::kTcp},
                       .service = 7,
                       .kind = FrontendKind::kClusterIp,
                       .affinity_timeout_s = 10800};
  ASSERT_TRUE(dp_->upsertFrontend(fe).has_value());
  const auto backends = threeBackends(7);
  ASSERT_TRUE(dp_->replaceBackends(backends).has_value());

  auto state = dp_->programmed();
  ASSERT_TRUE(state.has_value()) << state.error().toString();
  ASSERT_EQ(state->frontends.size(), 1U);
  EXPECT_EQ(state->frontends[0], fe);
  ASSERT_EQ(state->services.size(), 1U);
  EXPECT_EQ(state->services[0], backends);
}

TEST_F(EbpfDataplaneTest, ARestartedDataplaneFindsThePinnedState) {
  ASSERT_TRUE(dp_->upsertFrontend(
                     {.key = {.address = ip("fd00:96::10"), .port = 53, .protocol = Protocol::kUdp},
                      .service = 3})
                  .has_value());
  auto v6 = dataplane::buildServiceBackends(3, {{.address = ip("fd00:244:1::2"), .port = 53}},
                                            {.maglev_size = 251});
  ASSERT_TRUE(v6.has_value());
  ASSERT_TRUE(dp_->replaceBackends(*v6).has_value());
  auto before = dp_->programmed();
  dp_.reset();  // the agent exits

  auto again = EbpfDataplane::open(options());
  ASSERT_TRUE(again.has_value()) << again.error().toString();
  auto after = (*again)->programmed();
  ASSERT_TRUE(before.has_value() && after.has_value());
  EXPECT_EQ(after->frontends, before->frontends);
  EXPECT_EQ(after->services, before->services);

  // Known backends keep their ids across the restart: replacing with the same set changes
  // nothing visible.
  ASSERT_TRUE((*again)->replaceBackends(*v6).has_value());
  EXPECT_EQ((*again)->programmed()->services, before->services);
}

TEST_F(EbpfDataplaneTest, BadInputIsRefusedAndStateKept) {
  ASSERT_TRUE(dp_->replaceBackends(threeBackends(7)).has_value());
  const auto before = dp_->programmed();
  auto wrong_size = dataplane::buildServiceBackends(7, {{.address = ip("10.0.0.1"), .port = 1}},
                                                    {.maglev_size = 13});
  ASSERT_TRUE(wrong_size.has_value());
  EXPECT_FALSE(dp_->replaceBackends(*wrong_size).has_value());
  auto mixed = dataplane::buildServiceBackends(
      7, {{.address = ip("10.0.0.1"), .port = 1}, {.address = ip("fd00::1"), .port = 1}},
      {.maglev_size = 251});
  ASSERT_TRUE(mixed.has_value());
  EXPECT_FALSE(dp_->replaceBackends(*mixed).has_value());
  EXPECT_FALSE(dp_->upsertFrontend({.key = {.address = ip("fd00::10"), .port = 80}, .service = 7})
                   .has_value())
      << "IPv6 frontend for a service with IPv4 backends";
  EXPECT_EQ(dp_->programmed()->services, before->services);
  EXPECT_FALSE(EbpfDataplane::open({.bpffs = bpffs_->path(), .maglev_size = 1000}).has_value());
}

TEST_F(EbpfDataplaneTest, DeletesRemoveEverythingOfTheService) {
  ASSERT_TRUE(dp_->replaceBackends(threeBackends(7)).has_value());
  ASSERT_TRUE(dp_->deleteBackends(7).has_value());
  EXPECT_TRUE(dp_->programmed()->services.empty());
  EXPECT_EQ(dp_->deleteBackends(7).error().code(), base::Errc::kNotFound);
  EXPECT_EQ(dp_->deleteFrontend({.address = ip("10.96.0.1"), .port = 1}).error().code(),
            base::Errc::kNotFound);
}

TEST_F(EbpfDataplaneTest, CountersStartAtZero) {
  ASSERT_TRUE(dp_->replaceBackends(threeBackends(7)).has_value());
  auto counters = dp_->counters();
  ASSERT_TRUE(counters.has_value()) << counters.error().toString();
  EXPECT_EQ(counters->services.at(7).packets, 0U);
  EXPECT_EQ(counters->conntrack_entries, 0U);
  for (auto n : counters->drops) EXPECT_EQ(n, 0U);
}

}  // namespace
}  // namespace sluice::ebpf
