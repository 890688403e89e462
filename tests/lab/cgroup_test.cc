// Lab cgroups (LAB.md rule 3): made under <cgroup2>/sluice-lab, filled with our processes, and
// removed with whatever is inside.
#include "sluice/lab/cgroup.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "sluice/lab/lab.h"
#include "sluice/lab/names.h"
#include "sluice/lab/privileged.h"

namespace sluice::lab {
namespace {

using std::chrono::milliseconds;

std::string cgroupOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cgroup");
  std::stringstream text;
  text << in.rdbuf();
  const std::string all = text.str();
  const auto at = all.find("0::");
  return at == std::string::npos ? "" : all.substr(at + 3, all.find('\n', at) - at - 3);
}

class LabCgroup : public ::testing::Test {
 protected:
  void SetUp() override {
    SLUICE_REQUIRE_ROOT();
    auto mount = findCgroup2Mount();
    if (!mount) SLUICE_SKIP_OR_FAIL(mount.error().message());
    mount_ = *mount;
  }
  std::string mount_;
};

TEST_F(LabCgroup, HoldsProcessesAndKillsThemOnRemoval) {
  auto cgroup = Cgroup::create(nextLabPrefix() + "test");
  ASSERT_TRUE(cgroup.has_value()) << cgroup.error().toString();
  const std::string path = (*cgroup)->path();
  EXPECT_TRUE(path.starts_with(mount_ + "/sluice-lab/sl")) << path;

  auto inside = Process::start({"sleep", "30"}, {.cgroup = path});
  auto moved_in = Process::start({"sleep", "30"});
  ASSERT_TRUE(inside.has_value()) << inside.error().toString();
  ASSERT_TRUE(moved_in.has_value()) << moved_in.error().toString();
  ASSERT_TRUE((*cgroup)->addProcess((*moved_in)->pid()));
  const std::string relative = path.substr(mount_.size());
  EXPECT_EQ(cgroupOf((*inside)->pid()), relative);
  EXPECT_EQ(cgroupOf((*moved_in)->pid()), relative);
  auto members = (*cgroup)->processes();
  ASSERT_TRUE(members.has_value());
  EXPECT_EQ(members->size(), 2U);
  EXPECT_TRUE((*cgroup)->open().has_value());

  ASSERT_TRUE((*cgroup)->remove());
  EXPECT_FALSE(std::filesystem::exists(path));
  for (auto* process : {inside->get(), moved_in->get()}) {
    auto ended = process->waitExit(deadlineAfter(milliseconds(5000)));
    ASSERT_TRUE(ended.has_value()) << ended.error().toString();
    EXPECT_EQ(ended->signal, SIGKILL);
  }
}

TEST_F(LabCgroup, ThisProcessMayJoinAndIsMovedBackNotKilled) {
  const std::string before = cgroupOf(::getpid());
  auto cgroup = Cgroup::create(nextLabPrefix() + "self");
  ASSERT_TRUE(cgroup.has_value()) << cgroup.error().toString();
  ASSERT_TRUE((*cgroup)->addProcess(::getpid()));
  EXPECT_EQ(cgroupOf(::getpid()), (*cgroup)->path().substr(mount_.size()));
  ASSERT_TRUE((*cgroup)->remove());
  EXPECT_EQ(cgroupOf(::getpid()), before);
}

TEST_F(LabCgroup, LabRemovesItsCgroups) {
  SLUICE_REQUIRE_LAB();
  auto lab = Lab::create({.nodes = 1, .pods_per_node = 0});
  ASSERT_TRUE(lab.has_value()) << lab.error().toString();
  auto cgroup = (*lab)->createCgroup("clients");
  ASSERT_TRUE(cgroup.has_value()) << cgroup.error().toString();
  const std::string path = (*cgroup)->path();
  EXPECT_EQ(std::filesystem::path(path).filename(), (*lab)->prefix() + "clients");
  lab->reset();
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(LabCgroup, NamesMustBeOneComponent) {
  for (const char* name : {"", ".", "..", "a/b"}) {
    EXPECT_FALSE(Cgroup::create(name).has_value()) << name;
  }
}

}  // namespace
}  // namespace sluice::lab
