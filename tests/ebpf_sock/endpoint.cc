#include "endpoint.h"

#include <arpa/inet.h>

#include <cstring>

namespace sluice::sock_test {

std::string Endpoint::toString() const {
  const std::string host = isV6() ? "[" + ip + "]" : ip;
  return host + ":" + std::to_string(port);
}

const sockaddr* SocketAddress::get() const noexcept {
  return reinterpret_cast<const sockaddr*>(&storage);
}

sockaddr* SocketAddress::get() noexcept { return reinterpret_cast<sockaddr*>(&storage); }

base::Result<SocketAddress> toSocketAddress(const Endpoint& endpoint) {
  SocketAddress out;
  if (endpoint.isV6()) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(endpoint.port);
    if (::inet_pton(AF_INET6, endpoint.ip.c_str(), &sin6->sin6_addr) != 1) {
      return base::fail(base::Errc::kInvalidArgument, "not an IPv6 address: " + endpoint.ip);
    }
    out.length = sizeof(sockaddr_in6);
  } else {
    auto* sin = reinterpret_cast<sockaddr_in*>(&out.storage);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(endpoint.port);
    if (::inet_pton(AF_INET, endpoint.ip.c_str(), &sin->sin_addr) != 1) {
      return base::fail(base::Errc::kInvalidArgument, "not an IPv4 address: " + endpoint.ip);
    }
    out.length = sizeof(sockaddr_in);
  }
  return out;
}

Endpoint fromSocketAddress(const sockaddr* address, socklen_t length) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(address);
    ::inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof text);
    return {.ip = text, .port = ntohs(sin6->sin6_port)};
  }
  if (address->sa_family == AF_INET && length >= sizeof(sockaddr_in)) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(address);
    ::inet_ntop(AF_INET, &sin->sin_addr, text, sizeof text);
    return {.ip = text, .port = ntohs(sin->sin_port)};
  }
  return {.ip = "?family" + std::to_string(address->sa_family), .port = 0};
}

base::Result<sl_addr> toSlAddr(const std::string& ip) {
  sl_addr out{};
  const int family = ip.find(':') != std::string::npos ? AF_INET6 : AF_INET;
  if (::inet_pton(family, ip.c_str(), out.bytes) != 1) {
    return base::fail(base::Errc::kInvalidArgument, "not an IP address: " + ip);
  }
  return out;
}

}  // namespace sluice::sock_test
