// LocalServer: gRPC on a root-only unix socket (see local_server.h).
#include "sluice/rpc/local_server.h"

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

#include "sluice/rpc/unix_socket.h"

namespace sluice::rpc {
namespace {

// Calls still running when stop() is called get this long before they are cancelled.
constexpr std::chrono::seconds kShutdownGrace{2};

}  // namespace

struct LocalServer::Impl {
  std::string path;
  std::mutex mutex;  // guards server: stop() may race with the destructor's
  std::unique_ptr<grpc::Server> server;
  // The socket file this server made, so stop() never removes one that a later daemon made.
  dev_t device = 0;
  ino_t inode = 0;
};

LocalServer::LocalServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

LocalServer::~LocalServer() { stop(); }

base::Result<std::unique_ptr<LocalServer>> LocalServer::start(
    const std::string& socket_path, const std::vector<grpc::Service*>& services,
    const LocalServerOptions& options) {
  if (auto ready = prepareListenPath(socket_path); !ready) {
    return base::fail(std::move(ready.error()).withContext(options.name));
  }
  auto impl = std::make_unique<Impl>();
  impl->path = socket_path;

  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix:" + socket_path, grpc::InsecureServerCredentials());
  for (grpc::Service* service : services) builder.RegisterService(service);
  grpc::ResourceQuota quota(options.name);
  quota.SetMaxThreads(options.max_threads);
  builder.SetResourceQuota(quota);
  {
    // bind() creates the socket file with 0777 & ~umask: with this umask it is born 0600. The
    // umask is process-wide, so it is held only around the bind.
    const mode_t previous = ::umask(0177);
    impl->server = builder.BuildAndStart();
    ::umask(previous);
  }
  if (!impl->server) {
    return base::fail(base::Errc::kUnavailable, options.name + ": cannot listen on unix:" +
                                                    socket_path + " (the gRPC log above says why)");
  }
  auto server = std::unique_ptr<LocalServer>(new LocalServer(std::move(impl)));

  struct stat st {};
  if (::stat(socket_path.c_str(), &st) == 0) {
    server->impl_->device = st.st_dev;
    server->impl_->inode = st.st_ino;
  }
  // Belt and braces: the mode must not depend on the umask having worked.
  if (::chmod(socket_path.c_str(), 0600) != 0) {
    const int err = errno;
    server->stop();
    return base::failErrno(options.name + ": cannot make " + socket_path + " root-only", err);
  }
  return server;
}

void LocalServer::stop() {
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

const std::string& LocalServer::socketPath() const noexcept { return impl_->path; }

}  // namespace sluice::rpc
