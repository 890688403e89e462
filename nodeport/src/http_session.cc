// serveHttp: one connection's read → answer → write loop (see http_session.h).
#include "sluice/nodeport/http_session.h"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>

namespace sluice::nodeport {
namespace {

namespace http = boost::beast::http;
using boost::asio::ip::tcp;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::function<HttpAnswer(const std::string&)> answer)
      : socket_(std::move(socket)), answer_(std::move(answer)) {}

  void read() {
    request_ = {};
    http::async_read(socket_, buffer_, request_,
                     [self = shared_from_this()](boost::beast::error_code error, std::size_t) {
                       if (!error) self->respond();
                     });
  }

 private:
  void respond() {
    const HttpAnswer a = answer_(std::string(request_.target()));
    response_ = {static_cast<http::status>(a.status), request_.version()};
    response_.set(http::field::content_type, a.content_type);
    response_.set(http::field::server, "sluice");
    response_.keep_alive(request_.keep_alive());
    response_.body() = a.body;
    response_.prepare_payload();
    http::async_write(socket_, response_,
                      [self = shared_from_this()](boost::beast::error_code error, std::size_t) {
                        if (error || !self->response_.keep_alive()) {
                          boost::beast::error_code ignored;
                          self->socket_.shutdown(tcp::socket::shutdown_both, ignored);
                          return;
                        }
                        self->read();
                      });
  }

  tcp::socket socket_;
  std::function<HttpAnswer(const std::string&)> answer_;
  boost::beast::flat_buffer buffer_{8192};
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
};

}  // namespace

void serveHttp(tcp::socket socket, std::function<HttpAnswer(const std::string& target)> answer) {
  std::make_shared<Session>(std::move(socket), std::move(answer))->read();
}

}  // namespace sluice::nodeport
