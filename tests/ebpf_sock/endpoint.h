// Endpoint: an IP address (as text) and a port — what the tests aim at, what servers report and
// what getpeername()/recvfrom() return. IPv4-mapped IPv6 addresses stay as they are
// ("::ffff:10.96.0.10"): the tests check that a dual-stack socket sees its own kind of address.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "sluice/base/error.h"
#include "sluice/ebpf/abi.h"

namespace sluice::sock_test {

struct Endpoint {
  std::string ip;  // "10.96.0.10", "fd00:96::10", "::ffff:10.96.0.10"
  std::uint16_t port = 0;

  // "10.96.0.10:80", "[fd00:96::10]:80"
  [[nodiscard]] std::string toString() const;
  [[nodiscard]] bool isV6() const noexcept { return ip.find(':') != std::string::npos; }
  [[nodiscard]] int family() const noexcept { return isV6() ? AF_INET6 : AF_INET; }

  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  [[nodiscard]] const sockaddr* get() const noexcept;
  [[nodiscard]] sockaddr* get() noexcept;
};

[[nodiscard]] base::Result<SocketAddress> toSocketAddress(const Endpoint& endpoint);
[[nodiscard]] Endpoint fromSocketAddress(const sockaddr* address, socklen_t length);

// The endpoint as the data path keys it: network order, IPv4 in the first word.
[[nodiscard]] base::Result<sl_addr> toSlAddr(const std::string& ip);

}  // namespace sluice::sock_test
