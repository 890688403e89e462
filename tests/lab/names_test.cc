// Lab names: the prefix every namespace and cgroup of a run carries, and reading the owner pid
// back out of a name (what stale cleanup relies on).
#include "sluice/lab/names.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace sluice::lab {
namespace {

TEST(LabNames, PrefixCarriesPidAndLabNumber) {
  EXPECT_EQ(labPrefix(4242, 0), "sl4242-");
  EXPECT_EQ(labPrefix(4242, 1), "sl4242a-");
  EXPECT_EQ(labPrefix(4242, 26), "sl4242z-");
  EXPECT_EQ(labPrefix(4242, 27), "sl4242aa-");
}

TEST(LabNames, OwnerPidIsReadBack) {
  EXPECT_EQ(labOwnerPid("sl4242-n1"), 4242);
  EXPECT_EQ(labOwnerPid("sl4242a-p1a"), 4242);
  EXPECT_EQ(labOwnerPid("sl7aa-fab"), 7);
  EXPECT_EQ(labOwnerPid(labPrefix(99, 53) + "ext"), 99);
}

TEST(LabNames, OtherNamesHaveNoOwner) {
  for (const char* name : {"", "sl", "sl-n1", "slow-n1", "sl4242", "sl4242n1", "xsl1-n1", "sl0-fab",
                           "sl4242A-n1", "sl99999999999999999999-n1", "cni-1234"}) {
    EXPECT_EQ(labOwnerPid(name), std::nullopt) << name;
  }
}

TEST(LabNames, NextPrefixesAreDistinctAndOurs) {
  const std::string first = nextLabPrefix();
  const std::string second = nextLabPrefix();
  EXPECT_NE(first, second);
  EXPECT_EQ(labOwnerPid(first + "n1"), ::getpid());
  EXPECT_EQ(labOwnerPid(second + "n1"), ::getpid());
}

TEST(LabNames, WeAreAlive) { EXPECT_TRUE(processIsAlive(::getpid())); }

}  // namespace
}  // namespace sluice::lab
