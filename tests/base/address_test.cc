#include "sluice/base/address.h"

#include <gtest/gtest.h>

namespace sluice::base {
namespace {

IpAddress ip(const char* text) { return parseIpAddress(text).value(); }

TEST(Address, ParsesBothFamiliesAndRejectsJunk) {
  EXPECT_TRUE(ip("10.0.0.1").is_v4());
  EXPECT_TRUE(ip("fd00::1").is_v6());
  for (const char* bad : {"", "10.0.0", "10.0.0.256", "fd00:::1", "host.example", "1.2.3.4/8"}) {
    auto parsed = parseIpAddress(bad);
    ASSERT_FALSE(parsed.has_value()) << bad;
    EXPECT_NE(parsed.error().message().find(bad), std::string::npos);
  }
}

TEST(Address, FormatsEndpointsWithBracketsForIpv6) {
  EXPECT_EQ(formatEndpoint(ip("10.96.0.10"), 53), "10.96.0.10:53");
  EXPECT_EQ(formatEndpoint(ip("fd00::a"), 8080), "[fd00::a]:8080");
}

TEST(IpPrefix, NormalisesHostBitsAndContains) {
  auto p = IpPrefix::parse("10.1.2.3/8");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->toString(), "10.0.0.0/8");
  EXPECT_TRUE(p->contains(ip("10.255.0.1")));
  EXPECT_FALSE(p->contains(ip("11.0.0.1")));
  EXPECT_FALSE(p->contains(ip("::ffff:10.0.0.1"))) << "families never mix";

  auto v6 = IpPrefix::parse("fd00:244:1::7/36");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->toString(), "fd00:244::/36");
  EXPECT_TRUE(v6->contains(ip("fd00:244:f::1")));
  EXPECT_FALSE(v6->contains(ip("fd00:244:1000::1")));
}

TEST(IpPrefix, BareAddressIsAHostPrefixAndZeroLengthMatchesAll) {
  EXPECT_EQ(IpPrefix::parse("192.168.60.1")->toString(), "192.168.60.1/32");
  EXPECT_EQ(IpPrefix::parse("::1")->toString(), "::1/128");
  auto all = IpPrefix::parse("0.0.0.0/0");
  ASSERT_TRUE(all.has_value());
  EXPECT_TRUE(all->contains(ip("203.0.113.9")));
  EXPECT_EQ(IpPrefix::parse("10.0.0.0/31")->toString(), "10.0.0.0/31");
}

TEST(IpPrefix, RejectsBadLengths) {
  for (const char* bad : {"10.0.0.0/33", "fd00::/129", "10.0.0.0/", "10.0.0.0/x", "10.0.0.0/8/9",
                          "10.0.0.0/-1", "/8"}) {
    EXPECT_FALSE(IpPrefix::parse(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace sluice::base
