// LocalServer: gRPC services on a unix socket that only root can use — the one way Sluice's
// daemons (sluice-agent, sluice-lb) serve their local APIs. It owns the socket file's life:
// the directory is created 0755 when missing, a stale socket is replaced, the socket is born 0600
// (a umask is held around the bind) and removed again on stop() if it is still this server's.
//
//   auto server = LocalServer::start(path, {&service}, {.name = "local API"});
//   if (!server) return fail(std::move(server.error()));
//   ...
//   (*server)->stop();   // or let it go out of scope
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sluice/base/error.h"

namespace grpc {
class Service;
}  // namespace grpc

namespace sluice::rpc {

struct LocalServerOptions {
  std::string name = "local API";  // for errors: "<name>: cannot listen on ..."
  // A few threads are plenty for a person at a terminal and for probes; the bound keeps a
  // misbehaving client from growing the daemon.
  int max_threads = 8;
};

class LocalServer {
 public:
  // Listens on unix:<socket_path> with `services` (which must outlive the server; they are
  // called from its threads). kAlreadyExists when another process serves that socket or the path
  // is something other than a socket (which is never removed).
  [[nodiscard]] static base::Result<std::unique_ptr<LocalServer>> start(
      const std::string& socket_path, const std::vector<grpc::Service*>& services,
      const LocalServerOptions& options = {});

  LocalServer(const LocalServer&) = delete;
  LocalServer& operator=(const LocalServer&) = delete;
  ~LocalServer();  // stop()

  // Stops accepting calls, lets calls in progress finish (cancelling them after a short grace
  // period) and removes the socket file. Idempotent.
  void stop();

  [[nodiscard]] const std::string& socketPath() const noexcept;

 private:
  struct Impl;
  explicit LocalServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::rpc
