// ApiServer: the local gRPC API on a root-only unix socket (see api_server.h).
#include "sluice/controlplane/api_server.h"

#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <mutex>
#include <utility>

#include "agent_service.h"
#include "unix_socket.h"

namespace sluice::controlplane {
namespace {

using base::Errc;
using base::fail;

// Calls still running when stop() is called get this long before they are cancelled.
constexpr std::chrono::seconds kShutdownGrace{2};
// The API is for a person at a terminal and for probes; a few threads are plenty, and a bound
// keeps a misbehaving client from growing the agent.
constexpr int kMaxThreads = 8;

}  // namespace

struct ApiServer::Impl {
  Impl(std::string socket_path, const Inspector& inspector)
      : path(std::move(socket_path)), service(inspector) {}

  std::string path;
  api::AgentService service;
  std::mutex mutex;  // guards server: stop() may race with the destructor's
  std::unique_ptr<grpc::Server> server;
  // The socket file this server made, so stop() never removes one that a later agent made.
  dev_t device = 0;
  ino_t inode = 0;
};

ApiServer::ApiServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ApiServer::~ApiServer() { stop(); }

base::Result<std::unique_ptr<ApiServer>> ApiServer::start(const std::string& socket_path,
                                                          const Inspector& inspector) {
  if (auto ready = api::prepareListenPath(socket_path); !ready) {
    return fail(std::move(ready.error()).withContext("local API"));
  }
  auto impl = std::make_unique<Impl>(socket_path, inspector);

  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix:" + socket_path, grpc::InsecureServerCredentials());
  builder.RegisterService(&impl->service);
  grpc::ResourceQuota quota("sluice-api");
  quota.SetMaxThreads(kMaxThreads);
  builder.SetResourceQuota(quota);
  {
    // bind() creates the socket file with 0777 & ~umask: with this umask it is born 0600. The
    // umask is process-wide, so it is held only around the bind.
    const mode_t previous = ::umask(0177);
    impl->server = builder.BuildAndStart();
    ::umask(previous);
  }
  if (!impl->server) {
    return fail(Errc::kUnavailable, "local API: cannot listen on unix:" + socket_path +
                                        " (the gRPC log above says why)");
  }
  auto server = std::unique_ptr<ApiServer>(new ApiServer(std::move(impl)));

  struct stat st {};
  if (::stat(socket_path.c_str(), &st) == 0) {
    server->impl_->device = st.st_dev;
    server->impl_->inode = st.st_ino;
  }
  // Belt and braces: the mode must not depend on the umask having worked.
  if (::chmod(socket_path.c_str(), 0600) != 0) {
    const int err = errno;
    server->stop();
    return base::failErrno("local API: cannot make " + socket_path + " root-only", err);
  }
  return server;
}

void ApiServer::stop() {
  const std::scoped_lock lock(impl_->mutex);
  if (!impl_->server) return;
  impl_->server->Shutdown(std::chrono::system_clock::now() + kShutdownGrace);
  impl_->server->Wait();
  impl_->server.reset();
  // gRPC usually removes the file itself; if not, remove it when it is still ours.
  struct stat st {};
  if (::lstat(impl_->path.c_str(), &st) == 0 && st.st_dev == impl_->device &&
      st.st_ino == impl_->inode) {
    ::unlink(impl_->path.c_str());
  }
}

const std::string& ApiServer::socketPath() const noexcept { return impl_->path; }

}  // namespace sluice::controlplane
