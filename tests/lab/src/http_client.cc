#include "sluice/lab/http_client.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>

#include "sluice/lab/probe.h"
#include "sluice/lab/sockaddr.h"

namespace sluice::lab {

base::Result<HttpResponse> httpGet(std::string_view netns, const SocketAddress& to,
                                   std::string_view path) {
  const int family = familyOf(to.address);
  auto fd = openSocket(netns, family, SOCK_STREAM);
  if (!fd) return base::fail(std::move(fd.error()));
  auto address = toSockaddr(to, family);
  if (!address) return base::fail(std::move(address.error()));
  timeval timeout{.tv_sec = 2, .tv_usec = 0};
  ::setsockopt(fd->get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  ::setsockopt(fd->get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  if (::connect(fd->get(), address->get(), address->length) != 0) {
    return base::failErrno("HTTP GET " + to.toString() + ": connect", errno);
  }
  const std::string request =
      "GET " + std::string(path) + " HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n";
  if (::send(fd->get(), request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    return base::failErrno("HTTP GET " + to.toString() + ": send", errno);
  }
  std::string response;
  char chunk[4096];
  for (;;) {
    const ssize_t n = ::recv(fd->get(), chunk, sizeof(chunk), 0);
    if (n < 0) return base::failErrno("HTTP GET " + to.toString() + ": recv", errno);
    if (n == 0) break;
    response.append(chunk, static_cast<std::size_t>(n));
  }
  const std::size_t line_end = response.find("\r\n");
  const std::size_t body_start = response.find("\r\n\r\n");
  if (line_end == std::string::npos || body_start == std::string::npos) {
    return base::fail(base::Errc::kIo, "HTTP GET " + to.toString() + ": not HTTP: " + response);
  }
  return HttpResponse{.status_line = response.substr(0, line_end),
                      .body = response.substr(body_start + 4)};
}

}  // namespace sluice::lab
