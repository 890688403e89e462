// Health-check node ports for services with externalTrafficPolicy=Local, answered the way
// kube-proxy answers them so cloud load balancers need no change: an HTTP GET on the port gets
//   200 {"service":{"namespace":"ns","name":"web"},"localEndpoints":2,"serviceProxyHealthy":true}
// while this node has local endpoints for the service, and 503 with "localEndpoints":0 when it
// has none — so the load balancer sends external traffic only to nodes that can serve it.
//
// One server owns every health-check port of a node. Ports are set and changed at any time from
// any thread; requests are served on the io_context the server was made with.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "sluice/base/error.h"

namespace sluice::nodeport {

struct HealthCheck {
  std::string service_namespace;
  std::string service_name;
  std::uint32_t local_endpoints = 0;

  friend bool operator==(const HealthCheck&, const HealthCheck&) = default;
};

// The status code and body a health-check request gets.
struct HealthCheckAnswer {
  unsigned status = 503;
  std::string body;
};
[[nodiscard]] HealthCheckAnswer answerFor(const HealthCheck& check);

class HealthCheckServer {
 public:
  explicit HealthCheckServer(boost::asio::io_context& io);
  ~HealthCheckServer();
  HealthCheckServer(const HealthCheckServer&) = delete;
  HealthCheckServer& operator=(const HealthCheckServer&) = delete;

  // Starts listening on `port` (all addresses, IPv4 and IPv6) if it is new, and answers for
  // `check` from now on. Fails (and changes nothing) when the port cannot be bound.
  [[nodiscard]] base::Status set(std::uint16_t port, HealthCheck check);
  // Stops listening on `port`. Unknown ports are fine.
  void remove(std::uint16_t port);
  [[nodiscard]] std::size_t portCount() const;

 private:
  class Listener;
  boost::asio::io_context& io_;
  mutable std::mutex mutex_;
  std::map<std::uint16_t, std::shared_ptr<Listener>> listeners_;
};

}  // namespace sluice::nodeport
