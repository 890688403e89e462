// UDP client for echo servers: one datagram out, one reply back, with a deadline. The socket is
// connected to the server, so the kernel only accepts a reply from the server's own address and
// port (a missing reverse NAT shows up as a timeout) and an ICMP port unreachable shows up as
// kRefused.
#pragma once

#include "sluice/base/error.h"
#include "sluice/lab/echo_reply.h"
#include "sluice/lab/probe.h"
#include "sluice/lab/socket_address.h"

namespace sluice::lab {

[[nodiscard]] base::Result<EchoReply> udpEcho(const SocketAddress& server,
                                              const ProbeOptions& options = {});

}  // namespace sluice::lab
