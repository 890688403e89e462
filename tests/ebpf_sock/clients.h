// Clients of the test's echo servers (echo_servers.h), written with plain socket calls so the
// test sees exactly what an application sees: the errno of connect()/sendto(), the address
// getpeername() and recvfrom() report, and which server answered.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "endpoint.h"
#include "kernel_env.h"

namespace sluice::sock_test {

struct Outcome {
  int error = 0;            // errno of the call that failed; 0 when the reply came back
  std::string failed_call;  // "connect", "sendto", "reply" (no reply in time) ...
  std::string served_by;    // the reply: the local endpoint of the server's socket
  Endpoint peer;            // getpeername() (TCP, connected UDP) or recvfrom()'s source (UDP)
  std::int64_t elapsed_us = 0;

  [[nodiscard]] bool ok() const noexcept { return error == 0; }
  [[nodiscard]] std::string describe() const;
};

// One line per outcome, for the pipe from a client process.
[[nodiscard]] std::string serializeOutcomes(const std::vector<Outcome>& outcomes);
[[nodiscard]] base::Result<std::vector<Outcome>> parseOutcomes(const std::string& text);

// connect(), getpeername(), read the server's one-line reply.
[[nodiscard]] Outcome tcpExchange(const Endpoint& server);

// A UDP socket of one family (AF_INET6 also reaches IPv4-mapped addresses).
class UdpClient {
 public:
  explicit UdpClient(int family);

  [[nodiscard]] int fd() const noexcept { return fd_.get(); }
  // connect() and getpeername().
  [[nodiscard]] Outcome connect(const Endpoint& server);
  // sendto(server) then recvfrom(): the reply and its source.
  [[nodiscard]] Outcome sendTo(const Endpoint& server);
  // send() on a connected socket, then recvfrom().
  [[nodiscard]] Outcome send();

 private:
  [[nodiscard]] Outcome receive(Outcome outcome, std::int64_t started_us);

  FileDescriptor fd_;
  int socket_error_ = 0;
};

// A fresh unconnected socket, one datagram (sendto), one reply.
[[nodiscard]] Outcome udpExchange(const Endpoint& server);

}  // namespace sluice::sock_test
