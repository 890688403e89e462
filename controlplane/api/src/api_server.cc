// ApiServer: the agent's local gRPC API on a root-only unix socket (see api_server.h).
#include "sluice/controlplane/api_server.h"

#include <utility>

#include "agent_service.h"
#include "sluice/rpc/local_server.h"

namespace sluice::controlplane {

struct ApiServer::Impl {
  explicit Impl(const Inspector& inspector) : service(inspector) {}

  api::AgentService service;
  std::unique_ptr<rpc::LocalServer> server;
};

ApiServer::ApiServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ApiServer::~ApiServer() { stop(); }

base::Result<std::unique_ptr<ApiServer>> ApiServer::start(const std::string& socket_path,
                                                          const Inspector& inspector) {
  auto impl = std::make_unique<Impl>(inspector);
  auto server = rpc::LocalServer::start(socket_path, {&impl->service}, {.name = "local API"});
  if (!server) return base::fail(std::move(server.error()));
  impl->server = std::move(*server);
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(impl)));
}

void ApiServer::stop() { impl_->server->stop(); }

const std::string& ApiServer::socketPath() const noexcept { return impl_->server->socketPath(); }

}  // namespace sluice::controlplane
