// ApiClient: the client side of the agent's local gRPC API (ApiServer). Typed calls that return
// the same view structs the agent's Inspector produces, so callers (the `sluice` CLI, tests)
// never see protobuf or gRPC types.
//
//   auto client = ApiClient::connect(kDefaultApiSocketPath);
//   if (!client) ...  // kUnavailable: "cannot reach the agent at /run/sluice/agent.sock: ..."
//   auto services = client->services();
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "sluice/base/error.h"
#include "sluice/controlplane/api_socket.h"
#include "sluice/controlplane/inspect.h"

namespace sluice::controlplane {

struct ApiClientOptions {
  std::chrono::milliseconds connect_timeout{3000};  // until the agent accepts the connection
  std::chrono::milliseconds call_timeout{30000};    // per call (a full conntrack dump is big)
};

class ApiClient {
 public:
  // Checks that something listens on the socket and waits until the gRPC channel is ready. Any
  // failure is kUnavailable (kPermissionDenied when the socket may not be opened) with the
  // message "cannot reach the agent at <path>: <reason>".
  [[nodiscard]] static base::Result<ApiClient> connect(const std::string& socket_path,
                                                       const ApiClientOptions& options = {});

  ApiClient(ApiClient&&) noexcept;
  ApiClient& operator=(ApiClient&&) noexcept;
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;
  ~ApiClient();

  // The calls of Inspector. An error the agent returned keeps its category where the gRPC status
  // code carries it (kNotFound, kInvalidArgument, kUnavailable, ...) and the agent's message.
  [[nodiscard]] base::Result<StatusView> status() const;
  [[nodiscard]] base::Result<std::vector<ServiceView>> services() const;
  [[nodiscard]] base::Result<std::vector<BackendView>> backends(const std::string& service) const;
  [[nodiscard]] base::Result<std::vector<ConntrackView>> conntrack(std::size_t limit) const;
  [[nodiscard]] base::Result<ExplainView> explain(const ExplainRequest& request) const;
  [[nodiscard]] base::Result<std::string> metricsText() const;

 private:
  struct Impl;
  explicit ApiClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::controlplane
