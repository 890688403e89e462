// ApiClient: typed calls to the agent's local gRPC API (see api_client.h).
#include "sluice/controlplane/api_client.h"

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <cerrno>
#include <string>
#include <utility>

#include "convert.h"
#include "sluice/rpc/grpc_status.h"
#include "sluice/rpc/unix_socket.h"
#include "sluice/v1/agent.grpc.pb.h"

namespace sluice::controlplane {
namespace {

using base::Errc;
using base::fail;

std::string seconds(std::chrono::milliseconds timeout) {
  const auto ms = timeout.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

}  // namespace

struct ApiClient::Impl {
  std::string path;
  ApiClientOptions options;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::Agent::Stub> stub;

  // One unary call with the call deadline; `invoke(context, reply)` calls the stub.
  template <typename Reply, typename Invoke>
  base::Result<Reply> call(const char* name, Invoke&& invoke) const {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + options.call_timeout);
    Reply reply;
    const grpc::Status status = invoke(&context, &reply);
    if (status.ok()) return reply;
    if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      return fail(Errc::kTimeout, std::string(name) + ": the agent at " + path +
                                      " did not answer within " + seconds(options.call_timeout));
    }
    return fail(rpc::fromGrpcStatus(status, name));
  }
};

ApiClient::ApiClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ApiClient::ApiClient(ApiClient&&) noexcept = default;
ApiClient& ApiClient::operator=(ApiClient&&) noexcept = default;
ApiClient::~ApiClient() = default;

base::Result<ApiClient> ApiClient::connect(const std::string& socket_path,
                                           const ApiClientOptions& options) {
  const std::string what = "cannot reach the agent at " + socket_path;
  // A plain connect() first: it says why ("No such file or directory", "Permission denied"),
  // where a gRPC channel would only say that it is not ready.
  if (const int err = rpc::probeConnect(socket_path); err != 0) {
    const Errc code = err == EACCES || err == EPERM ? Errc::kPermissionDenied : Errc::kUnavailable;
    return fail(base::Error(code, base::Error::fromErrno(what, err).message(), err));
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);  // a full conntrack dump may exceed the 4 MiB default
  auto impl = std::make_unique<Impl>();
  impl->path = socket_path;
  impl->options = options;
  impl->channel =
      grpc::CreateCustomChannel("unix:" + socket_path, grpc::InsecureChannelCredentials(), args);
  if (!impl->channel->WaitForConnected(std::chrono::system_clock::now() +
                                       options.connect_timeout)) {
    return fail(Errc::kUnavailable, what + ": no gRPC answer within " +
                                        seconds(options.connect_timeout) +
                                        " (is this the agent's socket?)");
  }
  impl->stub = v1::Agent::NewStub(impl->channel);
  return ApiClient(std::move(impl));
}

base::Result<StatusView> ApiClient::status() const {
  auto reply = impl_->call<v1::AgentStatus>("Status", [&](auto* context, auto* out) {
    return impl_->stub->Status(context, v1::StatusRequest(), out);
  });
  if (!reply) return fail(std::move(reply.error()));
  return api::fromProto(*reply);
}

base::Result<std::vector<ServiceView>> ApiClient::services() const {
  auto reply = impl_->call<v1::ListServicesResponse>("ListServices", [&](auto* context, auto* out) {
    return impl_->stub->ListServices(context, v1::ListServicesRequest(), out);
  });
  if (!reply) return fail(std::move(reply.error()));
  std::vector<ServiceView> views;
  views.reserve(static_cast<std::size_t>(reply->services_size()));
  for (const v1::Service& message : reply->services()) views.push_back(api::fromProto(message));
  return views;
}

base::Result<std::vector<BackendView>> ApiClient::backends(const std::string& service) const {
  v1::ListBackendsRequest request;
  request.set_service(service);
  auto reply = impl_->call<v1::ListBackendsResponse>("ListBackends", [&](auto* context, auto* out) {
    return impl_->stub->ListBackends(context, request, out);
  });
  if (!reply) return fail(std::move(reply.error()));
  std::vector<BackendView> views;
  views.reserve(static_cast<std::size_t>(reply->backends_size()));
  for (const v1::Backend& message : reply->backends()) views.push_back(api::fromProto(message));
  return views;
}

base::Result<std::vector<ConntrackView>> ApiClient::conntrack(std::size_t limit) const {
  v1::ListConntrackRequest request;
  request.set_limit(limit);
  auto reply = impl_->call<v1::ListConntrackResponse>(
      "ListConntrack",
      [&](auto* context, auto* out) { return impl_->stub->ListConntrack(context, request, out); });
  if (!reply) return fail(std::move(reply.error()));
  std::vector<ConntrackView> views;
  views.reserve(static_cast<std::size_t>(reply->entries_size()));
  for (const v1::ConntrackEntry& message : reply->entries()) {
    views.push_back(api::fromProto(message));
  }
  return views;
}

base::Result<ExplainView> ApiClient::explain(const ExplainRequest& request) const {
  v1::ExplainRequest message;
  api::toProto(request, message);
  auto reply = impl_->call<v1::Explanation>("Explain", [&](auto* context, auto* out) {
    return impl_->stub->Explain(context, message, out);
  });
  if (!reply) return fail(std::move(reply.error()));
  return api::fromProto(*reply);
}

base::Result<std::string> ApiClient::metricsText() const {
  auto reply = impl_->call<v1::MetricsResponse>("Metrics", [&](auto* context, auto* out) {
    return impl_->stub->Metrics(context, v1::MetricsRequest(), out);
  });
  if (!reply) return fail(std::move(reply.error()));
  return std::move(*reply->mutable_text());
}

}  // namespace sluice::controlplane
