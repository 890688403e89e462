// Finding the cgroup v2 mount in /proc/self/mountinfo, on hybrid and unified hosts.
#include <gtest/gtest.h>

#include "sluice/lab/cgroup.h"

namespace sluice::lab {
namespace {

TEST(LabCgroupMount, HybridLayoutFindsUnified) {
  const char* mountinfo =
      "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
      "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
      "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
      "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
  EXPECT_EQ(cgroup2MountFromMountinfo(mountinfo), "/sys/fs/cgroup/unified");
}

TEST(LabCgroupMount, UnifiedLayoutWithOptionalFields) {
  const char* mountinfo =
      "22 28 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n"
      "26 21 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 master:1 - cgroup2 "
      "cgroup2 rw,nsdelegate,memory_recursiveprot\n";
  EXPECT_EQ(cgroup2MountFromMountinfo(mountinfo), "/sys/fs/cgroup");
}

TEST(LabCgroupMount, EscapedSpacesAreDecoded) {
  EXPECT_EQ(cgroup2MountFromMountinfo("41 31 0:38 / /mnt/my\\040cg rw - cgroup2 none rw"),
            "/mnt/my cg");
}

TEST(LabCgroupMount, NoCgroup2) {
  EXPECT_EQ(cgroup2MountFromMountinfo(""), std::nullopt);
  EXPECT_EQ(cgroup2MountFromMountinfo("35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw"),
            std::nullopt);
  EXPECT_EQ(cgroup2MountFromMountinfo("garbage without separator cgroup2"), std::nullopt);
}

}  // namespace
}  // namespace sluice::lab
