// The echo protocol. sluice-echo answers each TCP line and each UDP datagram with one line that
// says who answered and what it saw, so a test can assert which backend served a request and
// which source address reached it (NAT or not):
//
//   name=p1a proto=tcp peer=192.168.50.100:41234 local=10.244.1.2:8080 echo=hello world
//
// Fields come in this order. echo= comes last and runs to the end of the line (it may hold
// spaces); peer= and local= use SocketAddress's text form (IPv4-mapped addresses as plain IPv4).
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>

#include "sluice/base/error.h"
#include "sluice/lab/socket_address.h"

namespace sluice::lab {

struct EchoReply {
  std::string name;     // the server's --name, e.g. "p1a"
  std::string proto;    // "tcp" or "udp"
  SocketAddress peer;   // the client's address as the server saw it
  SocketAddress local;  // the address and port the request arrived at
  std::string echo;     // the request text, without its line ending

  friend bool operator==(const EchoReply&, const EchoReply&) = default;
};

// One line, without a line ending.
[[nodiscard]] std::string formatEchoReply(const EchoReply& reply);

// Accepts a trailing "\n" or "\r\n". Errors quote the line and name the field that is wrong.
[[nodiscard]] base::Result<EchoReply> parseEchoReply(std::string_view line);

std::ostream& operator<<(std::ostream& out, const EchoReply& reply);

}  // namespace sluice::lab
