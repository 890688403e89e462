#include "sluice/nodeport/health_check_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <utility>

#include "sluice/nodeport/http_session.h"

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
            serveHttp(std::move(socket), [weak](const std::string& /*target*/) {
              auto listener = weak.lock();
              const HealthCheckAnswer a = answerFor(listener ? listener->check() : HealthCheck{});
              return HttpAnswer{.status = a.status, .body = a.body};
            });
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
