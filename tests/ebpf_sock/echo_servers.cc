#include "echo_servers.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

namespace sluice::sock_test {
namespace {

base::Result<FileDescriptor> bound(const Endpoint& endpoint, int type) {
  auto address = toSocketAddress(endpoint);
  if (!address) return base::fail(std::move(address.error()));
  FileDescriptor fd(::socket(endpoint.family(), type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) return base::failErrno("socket for server " + endpoint.toString(), errno);
  const int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (endpoint.isV6()) ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (::bind(fd.get(), address->get(), address->length) != 0) {
    return base::failErrno("bind server " + endpoint.toString(), errno);
  }
  if (type == SOCK_STREAM && ::listen(fd.get(), 512) != 0) {
    return base::failErrno("listen server " + endpoint.toString(), errno);
  }
  return fd;
}

std::string localEndpointOf(int fd) {
  SocketAddress local;
  local.length = sizeof local.storage;
  if (::getsockname(fd, local.get(), &local.length) != 0) return "?";
  return fromSocketAddress(local.get(), local.length).toString();
}

void answerTcp(int listener) {
  while (true) {
    const int conn = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) return;  // EAGAIN: all accepted
    const std::string line = localEndpointOf(conn) + "\n";
    (void)!::write(conn, line.data(), line.size());
    ::close(conn);
  }
}

void answerUdp(int fd) {
  while (true) {
    char buffer[512];
    SocketAddress from;
    from.length = sizeof from.storage;
    if (::recvfrom(fd, buffer, sizeof buffer, 0, from.get(), &from.length) < 0) return;
    const std::string reply = localEndpointOf(fd);
    (void)!::sendto(fd, reply.data(), reply.size(), 0, from.get(), from.length);
  }
}

}  // namespace

base::Result<std::unique_ptr<EchoServers>> EchoServers::start(
    const TestNetns& netns, const std::vector<Endpoint>& endpoints) {
  std::unique_ptr<EchoServers> servers(new EchoServers());
  base::Status made;
  auto ran = netns.run([&] {
    for (const auto& endpoint : endpoints) {
      auto tcp = bound(endpoint, SOCK_STREAM);
      auto udp = bound(endpoint, SOCK_DGRAM);
      if (!tcp || !udp) {
        made = base::fail(std::move(!tcp ? tcp.error() : udp.error()));
        return;
      }
      servers->tcp_.push_back(std::move(*tcp));
      servers->udp_.push_back(std::move(*udp));
    }
  });
  if (!ran) return base::fail(std::move(ran.error()));
  if (!made) return base::fail(std::move(made.error()));
  servers->stop_.reset(::eventfd(0, EFD_CLOEXEC));
  if (!servers->stop_.valid()) return base::failErrno("eventfd", errno);
  servers->thread_ = std::thread([s = servers.get()] { s->serve(); });
  return servers;
}

EchoServers::~EchoServers() {
  if (thread_.joinable()) {
    const std::uint64_t one = 1;
    (void)!::write(stop_.get(), &one, sizeof one);
    thread_.join();
  }
}

void EchoServers::serve() {
  std::vector<pollfd> fds;
  fds.push_back({.fd = stop_.get(), .events = POLLIN, .revents = 0});
  for (const auto& fd : tcp_) fds.push_back({.fd = fd.get(), .events = POLLIN, .revents = 0});
  for (const auto& fd : udp_) fds.push_back({.fd = fd.get(), .events = POLLIN, .revents = 0});
  while (true) {
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[0].revents != 0) return;
    for (std::size_t i = 1; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      if (i <= tcp_.size()) {
        answerTcp(fds[i].fd);
      } else {
        answerUdp(fds[i].fd);
      }
    }
  }
}

}  // namespace sluice::sock_test
