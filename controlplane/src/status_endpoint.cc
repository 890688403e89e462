// StatusEndpoint: bind, accept, hand each connection to serveHttp.
#include "status_endpoint.h"

#include <boost/asio/post.hpp>
#include <charconv>

#include "sluice/base/address.h"

namespace sluice::controlplane {

namespace asio = boost::asio;
using asio::ip::tcp;

base::Result<tcp::endpoint> parseBindAddress(const std::string& text) {
  const std::size_t colon = text.rfind(':');
  auto bad = [&] {
    return base::fail(base::Errc::kInvalidArgument,
                      "\"" + text + "\" is not IP:port (0.0.0.0:10256, [::]:10256)");
  };
  if (colon == std::string::npos) return bad();
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "0.0.0.0";
  unsigned port = 0;
  const std::string port_text = text.substr(colon + 1);
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) return bad();
  auto address = base::parseIpAddress(host);
  if (!address) return bad();
  return tcp::endpoint(*address, static_cast<std::uint16_t>(port));
}

StatusEndpoint::StatusEndpoint(asio::io_context& io, Answer answer)
    : acceptor_(io), answer_(std::move(answer)) {}

base::Result<std::shared_ptr<StatusEndpoint>> StatusEndpoint::start(asio::io_context& io,
                                                                    const std::string& bind_address,
                                                                    Answer answer) {
  auto endpoint = parseBindAddress(bind_address);
  if (!endpoint) return base::fail(endpoint.error());
  auto self = std::make_shared<StatusEndpoint>(io, std::move(answer));
  boost::system::error_code error;
  self->acceptor_.open(endpoint->protocol(), error);
  if (!error) self->acceptor_.set_option(tcp::acceptor::reuse_address(true), error);
  if (!error) self->acceptor_.bind(*endpoint, error);
  if (!error) self->acceptor_.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    return base::fail(base::Errc::kUnavailable,
                      "listening on " + bind_address + ": " + error.message());
  }
  self->accept();
  return self;
}

std::uint16_t StatusEndpoint::port() const {
  boost::system::error_code error;
  return acceptor_.local_endpoint(error).port();
}

void StatusEndpoint::close() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
  });
}

void StatusEndpoint::accept() {
  acceptor_.async_accept(
      [self = shared_from_this()](boost::system::error_code error, tcp::socket socket) {
        if (error == asio::error::operation_aborted || !self->acceptor_.is_open()) return;
        if (!error) nodeport::serveHttp(std::move(socket), self->answer_);
        self->accept();
      });
}

}  // namespace sluice::controlplane
