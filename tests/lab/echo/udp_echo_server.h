// The UDP half of sluice-echo: bound to [::]:<port> (dual stack) and answering every datagram
// with one echo reply datagram. It learns each datagram's destination address (IPV6_PKTINFO) to
// report it as local= and to send the reply from that same address, as a client expects.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "sluice/base/error.h"

namespace sluice::lab::echo {

class UdpEchoServer {
 public:
  UdpEchoServer(boost::asio::io_context& io, std::string name);

  [[nodiscard]] base::Status listen(std::uint16_t port);
  void start();

 private:
  void waitReadable();
  void answerPending();  // every datagram queued now, without blocking

  boost::asio::ip::udp::socket socket_;
  std::string name_;
  std::uint16_t port_ = 0;
  std::vector<char> buffer_;
};

}  // namespace sluice::lab::echo
