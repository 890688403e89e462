#include "clients.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <sstream>

namespace sluice::sock_test {
namespace {

constexpr int kReplyTimeoutMs = 2000;

std::int64_t nowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Outcome failed(std::string call, int err, std::int64_t started_us) {
  return {.error = err, .failed_call = std::move(call), .elapsed_us = nowUs() - started_us};
}

std::string orDash(const std::string& text) { return text.empty() ? "-" : text; }
std::string fromDash(const std::string& text) { return text == "-" ? "" : text; }

bool waitReadable(int fd) {
  pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
  return ::poll(&p, 1, kReplyTimeoutMs) == 1;
}

}  // namespace

std::string Outcome::describe() const {
  if (!ok()) {
    return failed_call + " failed: " + std::strerror(error) + " after " +
           std::to_string(elapsed_us) + " us";
  }
  return "served by " + served_by + ", peer " + peer.toString();
}

std::string serializeOutcomes(const std::vector<Outcome>& outcomes) {
  std::ostringstream out;
  for (const auto& o : outcomes) {
    out << o.error << ' ' << orDash(o.failed_call) << ' ' << orDash(o.served_by) << ' '
        << orDash(o.peer.ip) << ' ' << o.peer.port << ' ' << o.elapsed_us << '\n';
  }
  return out.str();
}

base::Result<std::vector<Outcome>> parseOutcomes(const std::string& text) {
  std::vector<Outcome> outcomes;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    Outcome o;
    std::string call, served_by, peer_ip;
    if (!(fields >> o.error >> call >> served_by >> peer_ip >> o.peer.port >> o.elapsed_us)) {
      return base::fail(base::Errc::kInvalidArgument, "bad outcome line from client: " + line);
    }
    o.failed_call = fromDash(call);
    o.served_by = fromDash(served_by);
    o.peer.ip = fromDash(peer_ip);
    outcomes.push_back(std::move(o));
  }
  return outcomes;
}

Outcome tcpExchange(const Endpoint& server) {
  const std::int64_t started = nowUs();
  auto address = toSocketAddress(server);
  if (!address) return failed("address", EINVAL, started);
  FileDescriptor fd(::socket(server.family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return failed("socket", errno, started);
  if (::connect(fd.get(), address->get(), address->length) != 0) {
    return failed("connect", errno, started);
  }
  Outcome outcome;
  SocketAddress peer;
  peer.length = sizeof peer.storage;
  if (::getpeername(fd.get(), peer.get(), &peer.length) != 0) {
    return failed("getpeername", errno, started);
  }
  outcome.peer = fromSocketAddress(peer.get(), peer.length);
  std::string reply;
  char buffer[256];
  while (reply.find('\n') == std::string::npos) {
    if (!waitReadable(fd.get())) return failed("reply", ETIMEDOUT, started);
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) return failed("read", errno, started);
    if (n == 0) break;
    reply.append(buffer, static_cast<std::size_t>(n));
  }
  outcome.served_by = reply.substr(0, reply.find('\n'));
  outcome.elapsed_us = nowUs() - started;
  return outcome;
}

UdpClient::UdpClient(int family) : fd_(::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
  if (!fd_.valid()) socket_error_ = errno;
}

Outcome UdpClient::connect(const Endpoint& server) {
  const std::int64_t started = nowUs();
  if (!fd_.valid()) return failed("socket", socket_error_, started);
  auto address = toSocketAddress(server);
  if (!address) return failed("address", EINVAL, started);
  if (::connect(fd_.get(), address->get(), address->length) != 0) {
    return failed("connect", errno, started);
  }
  SocketAddress peer;
  peer.length = sizeof peer.storage;
  if (::getpeername(fd_.get(), peer.get(), &peer.length) != 0) {
    return failed("getpeername", errno, started);
  }
  Outcome outcome;
  outcome.peer = fromSocketAddress(peer.get(), peer.length);
  outcome.elapsed_us = nowUs() - started;
  return outcome;
}

Outcome UdpClient::sendTo(const Endpoint& server) {
  const std::int64_t started = nowUs();
  if (!fd_.valid()) return failed("socket", socket_error_, started);
  auto address = toSocketAddress(server);
  if (!address) return failed("address", EINVAL, started);
  static constexpr char kPing[] = "ping";
  if (::sendto(fd_.get(), kPing, sizeof kPing - 1, 0, address->get(), address->length) < 0) {
    return failed("sendto", errno, started);
  }
  return receive({}, started);
}

Outcome UdpClient::send() {
  const std::int64_t started = nowUs();
  if (!fd_.valid()) return failed("socket", socket_error_, started);
  static constexpr char kPing[] = "ping";
  if (::send(fd_.get(), kPing, sizeof kPing - 1, 0) < 0) return failed("send", errno, started);
  return receive({}, started);
}

Outcome UdpClient::receive(Outcome outcome, std::int64_t started_us) {
  if (!waitReadable(fd_.get())) return failed("reply", ETIMEDOUT, started_us);
  char buffer[256];
  SocketAddress from;
  from.length = sizeof from.storage;
  const ssize_t n = ::recvfrom(fd_.get(), buffer, sizeof buffer, 0, from.get(), &from.length);
  if (n < 0) return failed("recvfrom", errno, started_us);
  outcome.served_by.assign(buffer, static_cast<std::size_t>(n));
  outcome.peer = fromSocketAddress(from.get(), from.length);
  outcome.elapsed_us = nowUs() - started_us;
  return outcome;
}

Outcome udpExchange(const Endpoint& server) {
  UdpClient client(server.family());
  return client.sendTo(server);
}

}  // namespace sluice::sock_test
