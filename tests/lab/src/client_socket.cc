#include "client_socket.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>

#include "sluice/lab/sockaddr.h"

namespace sluice::lab::detail {

std::string describeProbe(std::string_view proto, const SocketAddress& server,
                          const ProbeOptions& options) {
  std::string text(proto);
  text += " to " + server.toString();
  text += options.netns.empty() ? " from this namespace" : " from netns " + options.netns;
  if (options.source_address || options.source_port != 0) {
    text += " (source ";
    text += options.source_address ? options.source_address->to_string() : "*";
    text += ":" + std::to_string(options.source_port) + ")";
  }
  return text;
}

base::Result<UniqueFd> openClientSocket(const SocketAddress& server, int type,
                                        const ProbeOptions& options) {
  const int family = familyOf(server.address);
  auto fd = openSocket(options.netns, family, type | SOCK_NONBLOCK);
  if (!fd) return fd;
  if (!options.source_address && options.source_port == 0) return fd;

  const int on = 1;
  if (::setsockopt(fd->get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0) {
    return base::failErrno("setsockopt SO_REUSEADDR", errno);
  }
  SocketAddress source{.address = options.source_address.value_or(
                           family == AF_INET ? base::IpAddress(boost::asio::ip::address_v4::any())
                                             : base::IpAddress(boost::asio::ip::address_v6::any())),
                       .port = options.source_port};
  if (familyOf(source.address) != family) {
    return base::fail(base::Errc::kInvalidArgument, "source address " + source.address.to_string() +
                                                        " and server " + server.toString() +
                                                        " are of different IP families");
  }
  auto bind_address = toSockaddr(source, family);
  if (!bind_address) return base::fail(std::move(bind_address.error()));
  if (::bind(fd->get(), bind_address->get(), bind_address->length) != 0) {
    return base::failErrno("bind to " + source.toString(), errno);
  }
  return fd;
}

}  // namespace sluice::lab::detail
