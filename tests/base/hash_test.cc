#include "sluice/base/hash.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace sluice::base {
namespace {

TEST(Hash64, IsStableAcrossRunsAndBuilds) {
  // Pinned values: Maglev tables (and so backend choice) depend on them. Change only on purpose.
  EXPECT_EQ(hash64("", 0), 5197578548964807871ULL);
  EXPECT_EQ(hash64("10.244.1.2:8080", 1), 5402398692470662990ULL);
}

TEST(Hash64, SeedLengthAndContentAllMatter) {
  EXPECT_NE(hash64("abc", 1), hash64("abc", 2));
  EXPECT_NE(hash64(std::string("a\0", 2), 1), hash64("a", 1));
  EXPECT_NE(hash64("12345678a", 1), hash64("12345678b", 1));
  EXPECT_NE(hash64("ab", 1), hash64("ba", 1));
}

TEST(Hash64, NoCollisionsOnSimilarKeys) {
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 100000; ++i) {
    seen.insert(hash64("10.244." + std::to_string(i / 256) + "." + std::to_string(i % 256), 9));
  }
  EXPECT_EQ(seen.size(), 100000U);
}

TEST(Hash64, LowBitsAreBalanced) {
  // Maglev takes hash % M; a biased low bit would bias offsets.
  int ones = 0;
  for (int i = 0; i < 10000; ++i) ones += static_cast<int>(hash64(std::to_string(i), 3) & 1U);
  EXPECT_NEAR(ones, 5000, 250);
}

}  // namespace
}  // namespace sluice::base
