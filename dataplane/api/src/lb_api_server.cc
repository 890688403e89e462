// LbApiServer: the LoadBalancer service on a root-only unix socket (see lb_api.h).
#include <utility>

#include "lb_service.h"
#include "sluice/dataplane/lb_api.h"
#include "sluice/rpc/local_server.h"

namespace sluice::dataplane {

struct LbApiServer::Impl {
  Impl(Dataplane& dataplane, std::mutex& mutex, std::uint32_t maglev_size)
      : service(dataplane, mutex, maglev_size) {}

  lbapi::LbService service;
  std::unique_ptr<rpc::LocalServer> server;
};

LbApiServer::LbApiServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

LbApiServer::~LbApiServer() { stop(); }

base::Result<std::unique_ptr<LbApiServer>> LbApiServer::start(const std::string& socket_path,
                                                              Dataplane& dataplane,
                                                              std::mutex& mutex,
                                                              const LbApiOptions& options) {
  auto impl = std::make_unique<Impl>(dataplane, mutex, options.maglev_size);
  auto server =
      rpc::LocalServer::start(socket_path, {&impl->service}, {.name = "load-balancer API"});
  if (!server) return base::fail(std::move(server.error()));
  impl->server = std::move(*server);
  return std::unique_ptr<LbApiServer>(new LbApiServer(std::move(impl)));
}

void LbApiServer::stop() { impl_->server->stop(); }

const std::string& LbApiServer::socketPath() const noexcept { return impl_->server->socketPath(); }

}  // namespace sluice::dataplane
