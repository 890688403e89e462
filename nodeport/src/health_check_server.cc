#include "sluice/nodeport/health_check_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <utility>

namespace sluice::nodeport {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;

HealthCheckAnswer answerFor(const HealthCheck& check) {
  boost::json::object body;
  body["service"] = {{"namespace", check.service_namespace}, {"name", check.service_name}};
  body["localEndpoints"] = check.local_endpoints;
  body["serviceProxyHealthy"] = true;
  return {.status = check.local_endpoints > 0 ? 200U : 503U, .body = boost::json::serialize(body)};
}

namespace {

// One connection: read requests, answer each with the listener's current check, until the
// client closes (or sends something that is not HTTP).
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::function<HealthCheck()> current)
      : socket_(std::move(socket)), current_(std::move(current)) {}

  void start() { read(); }

 private:
  void read() {
    request_ = {};
    http::async_read(socket_, buffer_, request_,
                     [self = shared_from_this()](boost::beast::error_code error, std::size_t) {
                       if (!error) self->answer();
                     });
  }

  void answer() {
    const HealthCheckAnswer a = answerFor(current_());
    response_ = {static_cast<http::status>(a.status), request_.version()};
    response_.set(http::field::content_type, "application/json");
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
  std::function<HealthCheck()> current_;
  boost::beast::flat_buffer buffer_{8192};
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
};

}  // namespace

class HealthCheckServer::Listener : public std::enable_shared_from_this<Listener> {
 public:
  explicit Listener(asio::io_context& io) : acceptor_(io) {}

  base::Status open(std::uint16_t port) {
    boost::system::error_code error;
    // IPv6 socket with v6only off: one port for both families.
    acceptor_.open(tcp::v6(), error);
    if (!error) acceptor_.set_option(asio::ip::v6_only(false), error);
    if (!error) acceptor_.set_option(tcp::acceptor::reuse_address(true), error);
    if (!error) acceptor_.bind({tcp::v6(), port}, error);
    if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
    if (error) {
      return base::fail(base::Errc::kUnavailable,
                        "health-check port " + std::to_string(port) + ": " + error.message());
    }
    return {};
  }

  void start() { accept(); }
  void close() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      boost::system::error_code ignored;
      self->acceptor_.close(ignored);
    });
  }

  void setCheck(HealthCheck check) {
    std::lock_guard lock(mutex_);
    check_ = std::move(check);
  }
  HealthCheck check() const {
    std::lock_guard lock(mutex_);
    return check_;
  }

 private:
  void accept() {
    acceptor_.async_accept(
        [self = shared_from_this()](boost::system::error_code error, tcp::socket socket) {
          if (error == asio::error::operation_aborted || !self->acceptor_.is_open()) return;
          if (!error) {
            std::weak_ptr<Listener> weak = self;
            std::make_shared<Session>(std::move(socket), [weak] {
              auto listener = weak.lock();
              return listener ? listener->check() : HealthCheck{};
            })->start();
          }
          self->accept();
        });
  }

  tcp::acceptor acceptor_;
  mutable std::mutex mutex_;
  HealthCheck check_;
};

HealthCheckServer::HealthCheckServer(asio::io_context& io) : io_(io) {}

HealthCheckServer::~HealthCheckServer() {
  std::lock_guard lock(mutex_);
  for (auto& [port, listener] : listeners_) listener->close();
}

base::Status HealthCheckServer::set(std::uint16_t port, HealthCheck check) {
  if (port == 0) return base::fail(base::Errc::kInvalidArgument, "health-check port 0");
  std::lock_guard lock(mutex_);
  if (auto it = listeners_.find(port); it != listeners_.end()) {
    it->second->setCheck(std::move(check));
    return {};
  }
  auto listener = std::make_shared<Listener>(io_);
  if (auto ok = listener->open(port); !ok) return ok;
  listener->setCheck(std::move(check));
  listener->start();
  listeners_.emplace(port, std::move(listener));
  return {};
}

void HealthCheckServer::remove(std::uint16_t port) {
  std::lock_guard lock(mutex_);
  if (auto it = listeners_.find(port); it != listeners_.end()) {
    it->second->close();
    listeners_.erase(it);
  }
}

std::size_t HealthCheckServer::portCount() const {
  std::lock_guard lock(mutex_);
  return listeners_.size();
}

}  // namespace sluice::nodeport
