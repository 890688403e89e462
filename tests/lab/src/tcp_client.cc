#include "sluice/lab/tcp_client.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include "client_socket.h"
#include "fd_wait.h"
#include "sluice/lab/sockaddr.h"

namespace sluice::lab {

namespace {

constexpr std::size_t kMaxLine = 1 << 20;

}  // namespace

base::Result<TcpConnection> TcpConnection::connect(const SocketAddress& server,
                                                   const ProbeOptions& options) {
  const std::string what = detail::describeProbe("tcp", server, options);
  const Deadline deadline = deadlineAfter(options.timeout);
  auto fd = detail::openClientSocket(server, SOCK_STREAM, options);
  if (!fd) return base::fail(std::move(fd.error()).withContext(what));

  auto address = toSockaddr(server, familyOf(server.address));
  if (!address) return base::fail(std::move(address.error()).withContext(what));
  if (::connect(fd->get(), address->get(), address->length) != 0 && errno != EINPROGRESS) {
    return base::failErrno(what + ": connect", errno);
  }
  auto ready = detail::waitForFd(fd->get(), POLLOUT, deadline, "waiting for the connection");
  if (!ready) return base::fail(std::move(ready.error()).withContext(what));
  int error = 0;
  socklen_t length = sizeof(error);
  if (::getsockopt(fd->get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
    return base::failErrno(what + ": getsockopt SO_ERROR", errno);
  }
  if (error != 0) return base::failErrno(what + ": connect", error);

  auto local = localAddressOf(fd->get());
  if (!local) return base::fail(std::move(local.error()).withContext(what));
  return TcpConnection(std::move(*fd), *local, server, options.reset_on_close);
}

TcpConnection::~TcpConnection() {
  if (reset_on_close_) {
    abort();
  } else {
    close();
  }
}

std::string TcpConnection::describe() const {
  return "tcp connection " + local_.toString() + " -> " + remote_.toString();
}

base::Status TcpConnection::sendLine(std::string_view line, Deadline deadline) {
  if (!fd_.valid()) return base::fail(base::Errc::kInvalidArgument, describe() + " is closed");
  std::string data(line);
  data += '\n';
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd_.get(), data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      return base::failErrno(describe() + ": send", errno);
    }
    auto ready = detail::waitForFd(fd_.get(), POLLOUT, deadline, "waiting to send");
    if (!ready) return base::fail(std::move(ready.error()).withContext(describe()));
  }
  return {};
}

base::Result<std::string> TcpConnection::readLine(Deadline deadline) {
  if (!fd_.valid()) return base::fail(base::Errc::kInvalidArgument, describe() + " is closed");
  std::array<char, 4096> buffer{};
  while (true) {
    if (const auto newline = inbox_.find('\n'); newline != std::string::npos) {
      std::string line = inbox_.substr(0, newline);
      inbox_.erase(0, newline + 1);
      if (line.ends_with('\r')) line.pop_back();
      return line;
    }
    if (inbox_.size() > kMaxLine) {
      return base::fail(base::Errc::kOutOfRange,
                        describe() + ": reply line longer than " + std::to_string(kMaxLine));
    }
    const ssize_t n = ::recv(fd_.get(), buffer.data(), buffer.size(), 0);
    if (n > 0) {
      inbox_.append(buffer.data(), static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) return base::fail(closedByPeerError(describe()));
    if (errno != EAGAIN && errno != EINTR) return base::failErrno(describe() + ": recv", errno);
    auto ready = detail::waitForFd(fd_.get(), POLLIN, deadline, "waiting for a reply");
    if (!ready) return base::fail(std::move(ready.error()).withContext(describe()));
  }
}

base::Result<std::string> TcpConnection::exchange(std::string_view line,
                                                  std::chrono::milliseconds timeout) {
  const Deadline deadline = deadlineAfter(timeout);
  if (auto sent = sendLine(line, deadline); !sent) return base::fail(std::move(sent.error()));
  return readLine(deadline);
}

base::Result<EchoReply> TcpConnection::echo(std::string_view text,
                                            std::chrono::milliseconds timeout) {
  auto line = exchange(text, timeout);
  if (!line) return base::fail(std::move(line.error()));
  auto reply = parseEchoReply(*line);
  if (!reply) return base::fail(std::move(reply.error()).withContext(describe()));
  return reply;
}

void TcpConnection::close() { fd_.reset(); }

void TcpConnection::abort() {
  if (!fd_.valid()) return;
  const linger reset{.l_onoff = 1, .l_linger = 0};
  (void)::setsockopt(fd_.get(), SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
  fd_.reset();
}

base::Result<EchoReply> tcpEcho(const SocketAddress& server, const ProbeOptions& options) {
  const Deadline deadline = deadlineAfter(options.timeout);
  auto connection = TcpConnection::connect(server, options);
  if (!connection) return base::fail(std::move(connection.error()));
  // connect() used part of the budget; the round trip gets what is left (at least 1 ms).
  const auto left = std::max(std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()),
                             std::chrono::milliseconds(1));
  return connection->echo(options.message, left);
}

}  // namespace sluice::lab
