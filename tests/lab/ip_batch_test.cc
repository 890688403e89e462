// IpBatch's reading of ip -batch failures (running it needs root: see lab_smoke_test.cc).
#include "sluice/lab/ip_batch.h"

#include <gtest/gtest.h>

namespace sluice::lab {
namespace {

TEST(LabIpBatch, FindsTheFailedCommand) {
  EXPECT_EQ(failedBatchCommand("Cannot find device \"nope\"\nCommand failed -:4\n"), 3U);
  EXPECT_EQ(failedBatchCommand("RTNETLINK answers: File exists\nCommand failed -:1"), 0U);
}

TEST(LabIpBatch, NoLineNumberNoCommand) {
  EXPECT_EQ(failedBatchCommand(""), std::nullopt);
  EXPECT_EQ(failedBatchCommand("Command failed -:"), std::nullopt);
  EXPECT_EQ(failedBatchCommand("Command failed -:0"), std::nullopt);
  EXPECT_EQ(failedBatchCommand("Error: something else"), std::nullopt);
}

TEST(LabIpBatch, CollectsCommandsInOrder) {
  IpBatch batch("sl1-n1");
  EXPECT_TRUE(batch.empty());
  batch.add("link set lo up").add("link set eth0 up");
  ASSERT_EQ(batch.commands().size(), 2U);
  EXPECT_EQ(batch.commands()[1], "link set eth0 up");
  EXPECT_EQ(batch.netns(), "sl1-n1");
  EXPECT_TRUE(IpBatch("sl1-n1").run().has_value()) << "an empty batch runs nothing";
}

}  // namespace
}  // namespace sluice::lab
