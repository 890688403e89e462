// SocketAddress: an IP address and a port, in the text form the echo protocol and error messages
// use: "10.244.1.2:8080", "[fd00:50::100]:41234". IPv4-mapped IPv6 addresses (::ffff:a.b.c.d, what
// a dual-stack socket reports for an IPv4 peer) are always stored as plain IPv4, so a test can
// compare what a server saw with a node's or pod's IPv4 address directly.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

#include "sluice/base/address.h"
#include "sluice/base/error.h"

namespace sluice::lab {

struct SocketAddress {
  base::IpAddress address;
  std::uint16_t port = 0;

  [[nodiscard]] std::string toString() const { return base::formatEndpoint(address, port); }
  friend bool operator==(const SocketAddress&, const SocketAddress&) = default;
};

// ::ffff:10.0.0.1 → 10.0.0.1; every other address unchanged.
[[nodiscard]] base::IpAddress unmapIpv4(const base::IpAddress& address);

// "10.0.0.1:80", "[fd00::1]:80" (the brackets are required for IPv6).
[[nodiscard]] base::Result<SocketAddress> parseSocketAddress(std::string_view text);

std::ostream& operator<<(std::ostream& out, const SocketAddress& address);

}  // namespace sluice::lab
