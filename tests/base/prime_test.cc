#include "sluice/base/prime.h"

#include <gtest/gtest.h>

namespace sluice::base {
namespace {

TEST(IsPrime, SmallNumbers) {
  const bool expected[] = {false, false, true, true,  false, true,  false, true,  false,
                           false, false, true, false, true,  false, false, false, true};
  for (std::uint64_t n = 0; n < std::size(expected); ++n) EXPECT_EQ(isPrime(n), expected[n]) << n;
}

TEST(IsPrime, MaglevSizes) {
  for (std::uint64_t p : {251ULL, 16381ULL, 65537ULL, 655373ULL, 4194301ULL}) {
    EXPECT_TRUE(isPrime(p)) << p;
  }
  for (std::uint64_t c : {16383ULL, 65535ULL, 655371ULL, 25ULL * 25, 65537ULL * 65537}) {
    EXPECT_FALSE(isPrime(c)) << c;
  }
}

TEST(IsPrime, AgreesWithASieve) {
  constexpr std::size_t kLimit = 20000;
  std::vector<bool> composite(kLimit, false);
  for (std::size_t i = 2; i * i < kLimit; ++i) {
    if (!composite[i]) {
      for (std::size_t j = i * i; j < kLimit; j += i) composite[j] = true;
    }
  }
  for (std::size_t n = 2; n < kLimit; ++n) EXPECT_EQ(isPrime(n), !composite[n]) << n;
}

}  // namespace
}  // namespace sluice::base
