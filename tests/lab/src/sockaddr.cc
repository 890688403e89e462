#include "sluice/lab/sockaddr.h"

#include <netinet/in.h>

#include <cerrno>
#include <cstring>

namespace sluice::lab {

const sockaddr* Sockaddr::get() const noexcept {
  return reinterpret_cast<const sockaddr*>(&storage);
}
sockaddr* Sockaddr::get() noexcept { return reinterpret_cast<sockaddr*>(&storage); }

int familyOf(const base::IpAddress& address) noexcept {
  return address.is_v4() ? AF_INET : AF_INET6;
}

base::Result<Sockaddr> toSockaddr(const SocketAddress& address, int family) {
  Sockaddr out;
  if (family == AF_INET) {
    if (!address.address.is_v4()) {
      return base::fail(
          base::Errc::kInvalidArgument,
          address.toString() + " is not an IPv4 address; an AF_INET socket needs one");
    }
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(address.port);
    const auto bytes = address.address.to_v4().to_bytes();
    std::memcpy(&in.sin_addr, bytes.data(), bytes.size());
    std::memcpy(&out.storage, &in, sizeof(in));
    out.length = sizeof(in);
    return out;
  }
  if (family == AF_INET6) {
    const boost::asio::ip::address_v6 v6 =
        address.address.is_v4()
            ? boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, address.address.to_v4())
            : address.address.to_v6();
    sockaddr_in6 in6{};
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(address.port);
    in6.sin6_scope_id = static_cast<std::uint32_t>(v6.scope_id());
    const auto bytes = v6.to_bytes();
    std::memcpy(&in6.sin6_addr, bytes.data(), bytes.size());
    std::memcpy(&out.storage, &in6, sizeof(in6));
    out.length = sizeof(in6);
    return out;
  }
  return base::fail(base::Errc::kInvalidArgument,
                    "socket family " + std::to_string(family) + " is neither AF_INET nor AF_INET6");
}

base::Result<SocketAddress> fromSockaddr(const sockaddr* address, socklen_t length) {
  if (address->sa_family == AF_INET && length >= sizeof(sockaddr_in)) {
    sockaddr_in in{};
    std::memcpy(&in, address, sizeof(in));
    boost::asio::ip::address_v4::bytes_type bytes{};
    std::memcpy(bytes.data(), &in.sin_addr, bytes.size());
    return SocketAddress{.address = boost::asio::ip::address_v4(bytes), .port = ntohs(in.sin_port)};
  }
  if (address->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, address, sizeof(in6));
    boost::asio::ip::address_v6::bytes_type bytes{};
    std::memcpy(bytes.data(), &in6.sin6_addr, bytes.size());
    const boost::asio::ip::address_v6 v6(bytes, in6.sin6_scope_id);
    return SocketAddress{.address = unmapIpv4(v6), .port = ntohs(in6.sin6_port)};
  }
  return base::fail(base::Errc::kInvalidArgument, "socket address of family " +
                                                      std::to_string(address->sa_family) +
                                                      " is neither IPv4 nor IPv6");
}

namespace {

template <typename Query>
base::Result<SocketAddress> queryAddress(int fd, Query query, const char* what) {
  Sockaddr address;
  address.length = sizeof(address.storage);
  if (query(fd, address.get(), &address.length) != 0) return base::failErrno(what, errno);
  return fromSockaddr(address.get(), address.length);
}

}  // namespace

base::Result<SocketAddress> localAddressOf(int fd) {
  return queryAddress(fd, ::getsockname, "getsockname");
}

base::Result<SocketAddress> peerAddressOf(int fd) {
  return queryAddress(fd, ::getpeername, "getpeername");
}

}  // namespace sluice::lab
