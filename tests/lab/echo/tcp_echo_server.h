// The TCP half of sluice-echo: accepts on [::]:<port> (dual stack, so IPv4 clients arrive as
// IPv4-mapped peers) and answers every line received with one echo reply line. Connections are
// independent; any number may be open at once on one thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "sluice/base/error.h"

namespace sluice::lab::echo {

class TcpEchoServer {
 public:
  TcpEchoServer(boost::asio::io_context& io, std::string name);

  [[nodiscard]] base::Status listen(std::uint16_t port);
  void start();

 private:
  void acceptNext();

  boost::asio::ip::tcp::acceptor acceptor_;
  std::shared_ptr<const std::string> name_;
};

}  // namespace sluice::lab::echo
