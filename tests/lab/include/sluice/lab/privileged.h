// GoogleTest helpers for tests that need root: skip with a clear message when the privilege is
// missing — or fail, when SLUICE_REQUIRE_PRIVILEGED=1 says this run must exercise them (CI).
//
//   TEST(Ebpf, LoadsProgram) {
//     SLUICE_REQUIRE_ROOT();   // or SLUICE_REQUIRE_LAB() to also need network namespaces
//     ...
//   }
//
// Use them at the top of a TEST body or a fixture's SetUp (they return from the function).
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "sluice/lab/environment.h"

// Skips the current test with `reason`, or fails it under SLUICE_REQUIRE_PRIVILEGED=1.
#define SLUICE_SKIP_OR_FAIL(reason)                                                \
  do {                                                                             \
    const std::string sluice_skip_reason_ = (reason);                              \
    if (::sluice::lab::privilegedTestsRequired()) {                                \
      GTEST_FAIL() << "SLUICE_REQUIRE_PRIVILEGED=1, but this test cannot run: "    \
                   << sluice_skip_reason_;                                         \
    } else {                                                                       \
      GTEST_SKIP() << sluice_skip_reason_                                          \
                   << " (set SLUICE_REQUIRE_PRIVILEGED=1 to make this a failure)"; \
    }                                                                              \
  } while (false)

// Needs euid 0 (BPF, cgroups).
#define SLUICE_REQUIRE_ROOT()                                             \
  do {                                                                    \
    if (const std::string sluice_problem_ = ::sluice::lab::rootProblem(); \
        !sluice_problem_.empty()) {                                       \
      SLUICE_SKIP_OR_FAIL(sluice_problem_);                               \
    }                                                                     \
  } while (false)

// Needs everything a lab needs: root, iproute2, network namespaces.
#define SLUICE_REQUIRE_LAB()                                             \
  do {                                                                   \
    if (const std::string sluice_problem_ = ::sluice::lab::labProblem(); \
        !sluice_problem_.empty()) {                                      \
      SLUICE_SKIP_OR_FAIL(sluice_problem_);                              \
    }                                                                    \
  } while (false)
