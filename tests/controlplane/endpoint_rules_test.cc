// Address checks of endpoint_rules (CVE-2021-25737 and friends).
#include "endpoint_rules.h"

#include <gtest/gtest.h>

namespace sluice::controlplane::detail {
namespace {

std::string reasonFor(const char* text) { return unsafeAddressReason(*base::parseIpAddress(text)); }

TEST(EndpointRulesTest, RefusesAddressesThatAreNotPods) {
  EXPECT_EQ(reasonFor("127.0.0.1"), "is loopback");
  EXPECT_EQ(reasonFor("127.3.4.5"), "is loopback");
  EXPECT_EQ(reasonFor("::1"), "is loopback");
  EXPECT_EQ(reasonFor("169.254.169.254"), "is link-local");
  EXPECT_EQ(reasonFor("fe80::1"), "is link-local");
  EXPECT_EQ(reasonFor("0.0.0.0"), "is unspecified");
  EXPECT_EQ(reasonFor("::"), "is unspecified");
  EXPECT_EQ(reasonFor("224.0.0.1"), "is multicast");
  EXPECT_EQ(reasonFor("::ffff:10.0.0.1"), "is an IPv4-mapped IPv6 address");
  EXPECT_EQ(reasonFor("10.244.1.2"), "");
  EXPECT_EQ(reasonFor("fd00:244::2"), "");
}

}  // namespace
}  // namespace sluice::controlplane::detail
