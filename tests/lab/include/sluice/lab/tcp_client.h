// TCP clients for echo servers: a one-shot round trip (tcpEcho) and a persistent connection that
// sends a line and reads the reply as often as wanted (TcpConnection) — the building block for
// tests that hold hundreds of connections open across a data-plane change and count resets.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "sluice/base/error.h"
#include "sluice/lab/deadline.h"
#include "sluice/lab/echo_reply.h"
#include "sluice/lab/probe.h"
#include "sluice/lab/socket_address.h"
#include "sluice/lab/unique_fd.h"

namespace sluice::lab {

class TcpConnection {
 public:
  // Connects to `server` from options.netns (source address/port as in options), waiting at most
  // options.timeout. Errors name both ends and the namespace; classifyFailure() tells why.
  [[nodiscard]] static base::Result<TcpConnection> connect(const SocketAddress& server,
                                                           const ProbeOptions& options = {});

  TcpConnection(TcpConnection&&) noexcept = default;
  TcpConnection& operator=(TcpConnection&&) noexcept = default;
  ~TcpConnection();

  // Sends `line` plus "\n" and returns the next line that comes back (without "\n").
  [[nodiscard]] base::Result<std::string> exchange(std::string_view line,
                                                   std::chrono::milliseconds timeout);
  // exchange() and parse the reply as an echo reply.
  [[nodiscard]] base::Result<EchoReply> echo(std::string_view text,
                                             std::chrono::milliseconds timeout);

  [[nodiscard]] base::Status sendLine(std::string_view line, Deadline deadline);
  [[nodiscard]] base::Result<std::string> readLine(Deadline deadline);

  [[nodiscard]] const SocketAddress& local() const noexcept { return local_; }
  [[nodiscard]] const SocketAddress& remote() const noexcept { return remote_; }
  [[nodiscard]] int fd() const noexcept { return fd_.get(); }
  [[nodiscard]] bool isOpen() const noexcept { return fd_.valid(); }

  void close();  // orderly close (FIN)
  void abort();  // close with a reset (RST), no TIME_WAIT

 private:
  TcpConnection(UniqueFd fd, SocketAddress local, SocketAddress remote, bool reset_on_close)
      : fd_(std::move(fd)),
        local_(std::move(local)),
        remote_(std::move(remote)),
        reset_on_close_(reset_on_close) {}
  [[nodiscard]] std::string describe() const;

  UniqueFd fd_;
  SocketAddress local_;
  SocketAddress remote_;
  bool reset_on_close_ = false;
  std::string inbox_;  // bytes received after the last complete line
};

// Connect, send options.message, read and parse the reply, close.
[[nodiscard]] base::Result<EchoReply> tcpEcho(const SocketAddress& server,
                                              const ProbeOptions& options = {});

}  // namespace sluice::lab
