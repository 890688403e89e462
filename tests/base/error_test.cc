#include "sluice/base/error.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace sluice::base {
namespace {

Result<int> half(int x) {
  if (x % 2 != 0) return fail(Errc::kInvalidArgument, std::to_string(x) + " is odd");
  return x / 2;
}

TEST(Error, ResultCarriesValueOrError) {
  ASSERT_TRUE(half(4).has_value());
  EXPECT_EQ(*half(4), 2);
  auto odd = half(3);
  ASSERT_FALSE(odd.has_value());
  EXPECT_EQ(odd.error().code(), Errc::kInvalidArgument);
  EXPECT_EQ(odd.error().toString(), "invalid argument: 3 is odd");
}

TEST(Error, FromErrnoMapsCategoryAndKeepsErrno) {
  const Error e = Error::fromErrno("open /run/netns/x", ENOENT);
  EXPECT_EQ(e.code(), Errc::kNotFound);
  EXPECT_EQ(e.sysErrno(), ENOENT);
  EXPECT_EQ(e.message(), "open /run/netns/x: No such file or directory");
  EXPECT_EQ(Error::fromErrno("bpf", EPERM).code(), Errc::kPermissionDenied);
  EXPECT_EQ(Error::fromErrno("read", EIO).code(), Errc::kIo);
}

TEST(Error, WithContextPrependsWhere) {
  Error e = Error(Errc::kIo, "bind: address in use").withContext("echo server p1a");
  EXPECT_EQ(e.message(), "echo server p1a: bind: address in use");
  EXPECT_EQ(e.code(), Errc::kIo);
}

TEST(Error, StatusIsResultOfVoid) {
  Status ok{};
  EXPECT_TRUE(ok.has_value());
  Status bad = failErrno("connect", ECONNREFUSED);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().sysErrno(), ECONNREFUSED);
}

}  // namespace
}  // namespace sluice::base
