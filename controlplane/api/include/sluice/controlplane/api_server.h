// ApiServer: the agent's local gRPC API (service sluice.v1.Agent, proto/sluice/v1/agent.proto) on
// a unix socket that only root can use. It serves what an Inspector shows and nothing else: every
// call is read-only.
//
//   auto server = ApiServer::start(kDefaultApiSocketPath, inspector);
//   if (!server) return fail(std::move(server.error()));
//   ...
//   (*server)->stop();   // or let it go out of scope
#pragma once

#include <memory>
#include <string>

#include "sluice/base/error.h"
#include "sluice/controlplane/api_socket.h"
#include "sluice/controlplane/inspect.h"

namespace sluice::controlplane {

class ApiServer {
 public:
  // Listens on unix:<socket_path>. Creates the socket's directory (0755) when it is missing,
  // replaces a stale socket file (one nobody listens on) and creates the socket 0600 (a umask is
  // held while binding, so there is no moment with wider permissions). Fails with kAlreadyExists
  // when another process already serves that socket, or when the path is something other than a
  // socket (which is never removed). `inspector` must outlive the server; its methods are called
  // from the server's threads.
  [[nodiscard]] static base::Result<std::unique_ptr<ApiServer>> start(
      const std::string& socket_path, const Inspector& inspector);

  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;
  ~ApiServer();  // stop()

  // Stops accepting calls, lets calls in progress finish (cancelling them after a short grace
  // period) and removes the socket file. Idempotent.
  void stop();

  [[nodiscard]] const std::string& socketPath() const noexcept;

 private:
  struct Impl;
  explicit ApiServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::controlplane
