// A listening socket for one of the agent's small HTTP endpoints (/healthz and /livez on
// --healthz-bind-address), answering through nodeport's serveHttp.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <string>

#include "sluice/base/error.h"
#include "sluice/nodeport/http_session.h"

namespace sluice::controlplane {

class StatusEndpoint : public std::enable_shared_from_this<StatusEndpoint> {
 public:
  using Answer = std::function<nodeport::HttpAnswer(const std::string& target)>;

  // Binds "IP:port" ("0.0.0.0:10256", "[::]:10256") and serves on `io`.
  [[nodiscard]] static base::Result<std::shared_ptr<StatusEndpoint>> start(
      boost::asio::io_context& io, const std::string& bind_address, Answer answer);
  void close();
  [[nodiscard]] std::uint16_t port() const;

  StatusEndpoint(boost::asio::io_context& io, Answer answer);

 private:
  void accept();

  boost::asio::ip::tcp::acceptor acceptor_;
  Answer answer_;
};

// "IP:port" or "[IPv6]:port" → endpoint; kInvalidArgument otherwise.
[[nodiscard]] base::Result<boost::asio::ip::tcp::endpoint> parseBindAddress(
    const std::string& text);

}  // namespace sluice::controlplane
