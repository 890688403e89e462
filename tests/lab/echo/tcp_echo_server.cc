#include "tcp_echo_server.h"

#include <boost/asio/buffer.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <string>
#include <utility>

#include "sluice/lab/echo_reply.h"
#include "sluice/lab/socket_address.h"

namespace sluice::lab::echo {

namespace {

using boost::asio::ip::tcp;

constexpr std::size_t kMaxLine = 64 * 1024;
// A request longer than this is answered with "<N bytes>" instead of itself, so a bulk upload
// (a path-MTU test, say) gets a reply that fits one small packet.
constexpr std::size_t kMaxEcho = 512;

SocketAddress toSocketAddress(const tcp::endpoint& endpoint) {
  return {.address = unmapIpv4(endpoint.address()), .port = endpoint.port()};
}

// One client connection: read a line, write the reply, repeat until the client goes away.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<const std::string> name)
      : socket_(std::move(socket)), name_(std::move(name)) {}

  void start() {
    boost::system::error_code peer_error;
    boost::system::error_code local_error;
    peer_ = toSocketAddress(socket_.remote_endpoint(peer_error));
    local_ = toSocketAddress(socket_.local_endpoint(local_error));
    if (peer_error || local_error) return;  // the client is already gone
    readLine();
  }

 private:
  void readLine() {
    boost::asio::async_read_until(
        socket_, buffer_, '\n',
        [self = shared_from_this()](const boost::system::error_code& error, std::size_t length) {
          self->onLine(error, length);
        });
  }

  void onLine(const boost::system::error_code& error, std::size_t length) {
    // EOF, a reset, or a line longer than kMaxLine: this connection ends, the server goes on.
    if (error) return;
    const auto begin = boost::asio::buffers_begin(buffer_.data());
    std::string line(begin, begin + static_cast<std::ptrdiff_t>(length));
    buffer_.consume(length);
    line.pop_back();  // '\n'
    if (line.ends_with('\r')) line.pop_back();
    if (line.size() > kMaxEcho) line = "<" + std::to_string(line.size()) + " bytes>";
    reply_ = formatEchoReply(
        {.name = *name_, .proto = "tcp", .peer = peer_, .local = local_, .echo = std::move(line)});
    reply_ += '\n';
    boost::asio::async_write(
        socket_, boost::asio::buffer(reply_),
        [self = shared_from_this()](const boost::system::error_code& write_error, std::size_t) {
          if (!write_error) self->readLine();
        });
  }

  tcp::socket socket_;
  std::shared_ptr<const std::string> name_;
  boost::asio::streambuf buffer_{kMaxLine};
  std::string reply_;
  SocketAddress peer_;
  SocketAddress local_;
};

}  // namespace

TcpEchoServer::TcpEchoServer(boost::asio::io_context& io, std::string name)
    : acceptor_(io), name_(std::make_shared<const std::string>(std::move(name))) {}

base::Status TcpEchoServer::listen(std::uint16_t port) {
  const tcp::endpoint endpoint(tcp::v6(), port);
  const std::string where = "tcp listen on [::]:" + std::to_string(port);
  boost::system::error_code error;
  if (acceptor_.open(endpoint.protocol(), error); error) {
    return base::fail(base::Errc::kIo, where + ": open: " + error.message());
  }
  // Dual stack: one socket serves IPv4 (as ::ffff:a.b.c.d) and IPv6.
  if (acceptor_.set_option(boost::asio::ip::v6_only(false), error); error) {
    return base::fail(base::Errc::kIo, where + ": IPV6_V6ONLY off: " + error.message());
  }
  if (acceptor_.set_option(tcp::acceptor::reuse_address(true), error); error) {
    return base::fail(base::Errc::kIo, where + ": SO_REUSEADDR: " + error.message());
  }
  if (acceptor_.bind(endpoint, error); error) {
    return base::fail(base::Errc::kIo, where + ": bind: " + error.message());
  }
  if (acceptor_.listen(tcp::acceptor::max_listen_connections, error); error) {
    return base::fail(base::Errc::kIo, where + ": listen: " + error.message());
  }
  return {};
}

void TcpEchoServer::start() { acceptNext(); }

void TcpEchoServer::acceptNext() {
  acceptor_.async_accept([this](const boost::system::error_code& error, tcp::socket socket) {
    if (error == boost::asio::error::operation_aborted) return;  // shutting down
    if (!error) std::make_shared<Session>(std::move(socket), name_)->start();
    acceptNext();
  });
}

}  // namespace sluice::lab::echo
