// LabTest: a GoogleTest fixture that gives each test a fresh standard lab, skipping (or failing,
// under SLUICE_REQUIRE_PRIVILEGED=1) when namespaces cannot be made. Override labOptions() for
// another shape.
//
//   class ClusterIpTest : public sluice::lab::LabTest {};
//   TEST_F(ClusterIpTest, ReachesBackend) {
//     ASSERT_TRUE(lab().startEchoInAllPods());
//     ...
//   }
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "sluice/lab/lab.h"
#include "sluice/lab/privileged.h"

namespace sluice::lab {

class LabTest : public ::testing::Test {
 protected:
  [[nodiscard]] virtual LabOptions labOptions() const { return {}; }

  void SetUp() override {
    SLUICE_REQUIRE_LAB();
    auto created = Lab::create(labOptions());
    ASSERT_TRUE(created.has_value()) << created.error().toString();
    lab_ = std::move(*created);
  }
  void TearDown() override { lab_.reset(); }

  [[nodiscard]] Lab& lab() { return *lab_; }

 private:
  std::unique_ptr<Lab> lab_;
};

}  // namespace sluice::lab
