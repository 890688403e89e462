// Conversions between SocketAddress and the kernel's sockaddr structures, for code that talks to
// sockets directly (the lab's clients, the echo server's UDP path).
#pragma once

#include <sys/socket.h>

#include "sluice/base/error.h"
#include "sluice/lab/socket_address.h"

namespace sluice::lab {

struct Sockaddr {
  sockaddr_storage storage{};
  socklen_t length = 0;

  [[nodiscard]] const sockaddr* get() const noexcept;
  [[nodiscard]] sockaddr* get() noexcept;
};

// For a socket of `family`: AF_INET takes IPv4 only; an AF_INET6 socket takes IPv6 and IPv4 (as
// ::ffff:a.b.c.d, for dual-stack sockets). Fails when the address cannot be used with the family.
[[nodiscard]] base::Result<Sockaddr> toSockaddr(const SocketAddress& address, int family);

// The family of socket that speaks to `address` natively: AF_INET or AF_INET6.
[[nodiscard]] int familyOf(const base::IpAddress& address) noexcept;

// sockaddr_in / sockaddr_in6 → SocketAddress (IPv4-mapped addresses come back as IPv4).
[[nodiscard]] base::Result<SocketAddress> fromSockaddr(const sockaddr* address, socklen_t length);

// The local and the remote address of a socket (getsockname / getpeername).
[[nodiscard]] base::Result<SocketAddress> localAddressOf(int fd);
[[nodiscard]] base::Result<SocketAddress> peerAddressOf(int fd);

}  // namespace sluice::lab
