// RemoteLbDataplane: the Dataplane interface as sluice.lb.v1 requests (see lb_client.h).
#include "sluice/dataplane/lb_client.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <cstring>
#include <utility>

#include "lb_convert.h"
#include "sluice/lb/v1/lb.grpc.pb.h"
#include "sluice/rpc/grpc_status.h"
#include "sluice/rpc/unix_socket.h"

namespace sluice::dataplane {

namespace v1 = lb::v1;

struct RemoteLbDataplane::Impl {
  std::string socket;
  std::chrono::milliseconds deadline{};
  std::unique_ptr<v1::LoadBalancer::Stub> stub;

  // A context whose deadline is this client's.
  [[nodiscard]] std::unique_ptr<grpc::ClientContext> context() const {
    auto c = std::make_unique<grpc::ClientContext>();
    c->set_deadline(std::chrono::system_clock::now() + deadline);
    return c;
  }
  [[nodiscard]] base::Error error(const grpc::Status& status, std::string_view call) const {
    return rpc::fromGrpcStatus(status, call).withContext("load balancer at " + socket);
  }
};

RemoteLbDataplane::RemoteLbDataplane(std::unique_ptr<Impl> impl, std::string kind)
    : impl_(std::move(impl)), kind_(std::move(kind)) {}

RemoteLbDataplane::~RemoteLbDataplane() = default;

base::Result<std::unique_ptr<RemoteLbDataplane>> RemoteLbDataplane::connect(
    const std::string& socket_path, std::uint32_t maglev_size, std::chrono::milliseconds deadline) {
  if (const int err = rpc::probeConnect(socket_path); err != 0) {
    return base::fail(base::Errc::kUnavailable,
                      "no load balancer answers on " + socket_path + ": " + std::strerror(err));
  }
  auto impl = std::make_unique<Impl>();
  impl->socket = socket_path;
  impl->deadline = deadline;
  impl->stub = v1::LoadBalancer::NewStub(
      grpc::CreateChannel("unix:" + socket_path, grpc::InsecureChannelCredentials()));
  v1::Status status;
  const grpc::Status rpc_status = impl->stub->GetStatus(impl->context().get(), {}, &status);
  if (!rpc_status.ok()) return base::fail(impl->error(rpc_status, "GetStatus"));
  if (status.maglev_size() != maglev_size) {
    return base::fail(base::Errc::kInvalidArgument,
                      "the load balancer at " + socket_path + " has Maglev tables of " +
                          std::to_string(status.maglev_size()) + " entries; this side builds " +
                          std::to_string(maglev_size) + " (make --maglev-size agree)");
  }
  std::string kind = status.dataplane() + " via " + socket_path;
  return std::unique_ptr<RemoteLbDataplane>(new RemoteLbDataplane(std::move(impl), kind));
}

base::Status RemoteLbDataplane::upsertFrontend(const Frontend& frontend) {
  if (auto ok = validateFrontend(frontend); !ok) return ok;
  v1::Vip request;
  lbapi::toProto(frontend, request);
  v1::UpsertVipReply reply;
  const grpc::Status status = impl_->stub->UpsertVip(impl_->context().get(), request, &reply);
  if (!status.ok()) return base::fail(impl_->error(status, "UpsertVip"));
  return {};
}

base::Status RemoteLbDataplane::deleteFrontend(const FrontendKey& key) {
  v1::VipKey request;
  lbapi::toProto(key, request);
  v1::DeleteVipReply reply;
  const grpc::Status status = impl_->stub->DeleteVip(impl_->context().get(), request, &reply);
  if (!status.ok()) return base::fail(impl_->error(status, "DeleteVip"));
  return {};
}

base::Status RemoteLbDataplane::replaceBackends(const ServiceBackends& backends) {
  if (auto ok = validateBackends(backends); !ok) return ok;
  v1::SetBackendsRequest request;
  request.set_service_id(backends.service);
  for (const Backend& b : backends.backends) lbapi::toProto(b, 0, *request.add_backends());
  request.mutable_maglev()->Add(backends.maglev.begin(), backends.maglev.end());
  v1::SetBackendsReply reply;
  const grpc::Status status = impl_->stub->SetBackends(impl_->context().get(), request, &reply);
  if (!status.ok()) return base::fail(impl_->error(status, "SetBackends"));
  return {};
}

base::Status RemoteLbDataplane::deleteBackends(ServiceId service) {
  v1::DeleteBackendsRequest request;
  request.set_service_id(service);
  v1::DeleteBackendsReply reply;
  const grpc::Status status = impl_->stub->DeleteBackends(impl_->context().get(), request, &reply);
  if (!status.ok()) return base::fail(impl_->error(status, "DeleteBackends"));
  return {};
}

base::Result<ProgrammedState> RemoteLbDataplane::programmed() const {
  v1::Programmed reply;
  const grpc::Status status = impl_->stub->GetProgrammed(impl_->context().get(), {}, &reply);
  if (!status.ok()) return base::fail(impl_->error(status, "GetProgrammed"));
  ProgrammedState out;
  for (const v1::Vip& vip : reply.vips()) {
    auto frontend = lbapi::fromProto(vip);
    if (!frontend) return base::fail(std::move(frontend.error()).withContext("GetProgrammed"));
    out.frontends.push_back(std::move(*frontend));
  }
  for (const v1::BackendList& list : reply.services()) {
    ServiceBackends set{.service = list.service_id(), .backends = {}, .maglev = {}};
    for (const v1::Backend& message : list.backends()) {
      auto backend = lbapi::fromProto(message);
      if (!backend) return base::fail(std::move(backend.error()).withContext("GetProgrammed"));
      set.backends.push_back(*backend);
    }
    set.maglev.assign(list.maglev().begin(), list.maglev().end());
    out.services.push_back(std::move(set));
  }
  return out;
}

base::Result<Counters> RemoteLbDataplane::counters() const {
  v1::Counters reply;
  const grpc::Status status = impl_->stub->GetCounters(impl_->context().get(), {}, &reply);
  if (!status.ok()) return base::fail(impl_->error(status, "GetCounters"));
  Counters out;
  for (const auto& s : reply.services()) {
    out.services[s.service_id()] = ServiceCounters{
        .packets = s.packets(), .bytes = s.bytes(), .new_connections = s.new_connections()};
  }
  for (const auto& d : reply.drops()) {
    for (int reason = 1; reason < SLUICE_DROP_MAX; ++reason) {
      if (dropReasonName(reason) == d.reason()) {
        out.drops[static_cast<std::size_t>(reason)] = d.packets();
      }
    }
  }
  out.conntrack_entries = reply.connections();
  return out;
}

}  // namespace sluice::dataplane
