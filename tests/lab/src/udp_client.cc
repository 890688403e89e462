#include "sluice/lab/udp_client.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <vector>

#include "client_socket.h"
#include "fd_wait.h"
#include "sluice/lab/deadline.h"
#include "sluice/lab/sockaddr.h"

namespace sluice::lab {

base::Result<EchoReply> udpEcho(const SocketAddress& server, const ProbeOptions& options) {
  const std::string what = detail::describeProbe("udp", server, options);
  const Deadline deadline = deadlineAfter(options.timeout);
  auto fd = detail::openClientSocket(server, SOCK_DGRAM, options);
  if (!fd) return base::fail(std::move(fd.error()).withContext(what));

  auto address = toSockaddr(server, familyOf(server.address));
  if (!address) return base::fail(std::move(address.error()).withContext(what));
  // Connected: only the server's address:port may answer, and ICMP errors reach this socket.
  if (::connect(fd->get(), address->get(), address->length) != 0) {
    return base::failErrno(what + ": connect", errno);
  }
  if (::send(fd->get(), options.message.data(), options.message.size(), 0) < 0) {
    return base::failErrno(what + ": send", errno);
  }
  std::vector<char> buffer(65536);
  while (true) {
    const ssize_t n = ::recv(fd->get(), buffer.data(), buffer.size(), 0);
    if (n >= 0) {
      auto reply = parseEchoReply(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
      if (!reply) return base::fail(std::move(reply.error()).withContext(what));
      return reply;
    }
    if (errno != EAGAIN && errno != EINTR) return base::failErrno(what + ": recv", errno);
    auto ready = detail::waitForFd(fd->get(), POLLIN, deadline, "waiting for a reply");
    if (!ready) return base::fail(std::move(ready.error()).withContext(what));
  }
}

}  // namespace sluice::lab
