// The sluice.lb.v1.LoadBalancer service (see lb_service.h): checks, then one Dataplane call under
// the daemon's control mutex.
#include "lb_service.h"

#include <algorithm>
#include <string>
#include <vector>

#include "lb_convert.h"
#include "sluice/dataplane/backend_set.h"
#include "sluice/rpc/grpc_status.h"

namespace sluice::dataplane::lbapi {
namespace {

using rpc::toGrpcStatus;

// Slots each backend holds in a table (maglev[i] indexes backends, -1 = none).
std::vector<std::uint32_t> sharesOf(const ServiceBackends& set) {
  std::vector<std::uint32_t> shares(set.backends.size(), 0);
  for (std::int32_t e : set.maglev) {
    if (e >= 0 && static_cast<std::size_t>(e) < shares.size())
      ++shares[static_cast<std::size_t>(e)];
  }
  return shares;
}

void toProto(const ServiceBackends& set, google::protobuf::RepeatedPtrField<lb::v1::Backend>& out) {
  const auto shares = sharesOf(set);
  for (std::size_t i = 0; i < set.backends.size(); ++i) {
    lbapi::toProto(set.backends[i], shares[i], *out.Add());
  }
}

void toProto(const ServiceBackends& set, lb::v1::BackendList& out) {
  out.set_service_id(set.service);
  toProto(set, *out.mutable_backends());
  out.mutable_maglev()->Add(set.maglev.begin(), set.maglev.end());
}

grpc::Status invalid(const std::string& message) {
  return toGrpcStatus(base::Error(base::Errc::kInvalidArgument, message));
}

}  // namespace

grpc::Status LbService::GetStatus(grpc::ServerContext* /*context*/,
                                  const lb::v1::GetStatusRequest* /*request*/,
                                  lb::v1::Status* reply) {
  const std::scoped_lock lock(mutex_);
  auto state = dataplane_.programmed();
  if (!state) return toGrpcStatus(state.error());
  reply->set_dataplane(std::string(dataplane_.kind()));
  reply->set_vips(static_cast<std::uint32_t>(state->frontends.size()));
  reply->set_services(static_cast<std::uint32_t>(state->services.size()));
  reply->set_maglev_size(maglev_size_);
  return grpc::Status::OK;
}

grpc::Status LbService::ListVips(grpc::ServerContext* /*context*/,
                                 const lb::v1::ListVipsRequest* /*request*/,
                                 lb::v1::VipList* reply) {
  const std::scoped_lock lock(mutex_);
  auto state = dataplane_.programmed();
  if (!state) return toGrpcStatus(state.error());
  for (const Frontend& frontend : state->frontends) lbapi::toProto(frontend, *reply->add_vips());
  return grpc::Status::OK;
}

grpc::Status LbService::UpsertVip(grpc::ServerContext* /*context*/, const lb::v1::Vip* request,
                                  lb::v1::UpsertVipReply* /*reply*/) {
  auto frontend = fromProto(*request);
  if (!frontend) return toGrpcStatus(frontend.error());
  const std::scoped_lock lock(mutex_);
  if (auto ok = dataplane_.upsertFrontend(*frontend); !ok) return toGrpcStatus(ok.error());
  return grpc::Status::OK;
}

grpc::Status LbService::DeleteVip(grpc::ServerContext* /*context*/, const lb::v1::VipKey* request,
                                  lb::v1::DeleteVipReply* /*reply*/) {
  auto key = fromProto(*request);
  if (!key) return toGrpcStatus(key.error());
  const std::scoped_lock lock(mutex_);
  if (auto ok = dataplane_.deleteFrontend(*key); !ok) return toGrpcStatus(ok.error());
  return grpc::Status::OK;
}

grpc::Status LbService::SetBackends(grpc::ServerContext* /*context*/,
                                    const lb::v1::SetBackendsRequest* request,
                                    lb::v1::SetBackendsReply* reply) {
  if (request->service_id() == 0) return invalid("service_id must be > 0");
  std::vector<Backend> backends;
  for (const lb::v1::Backend& message : request->backends()) {
    auto backend = fromProto(message);
    if (!backend) return toGrpcStatus(backend.error());
    backends.push_back(*backend);
  }
  base::Result<ServiceBackends> set;
  if (request->maglev().empty()) {
    set = buildServiceBackends(request->service_id(), std::move(backends),
                               BackendSetOptions{.maglev_size = maglev_size_});
    if (!set) return toGrpcStatus(set.error());
  } else {
    // The caller's own table: its shape is checked here, its indexes by the data plane.
    if (static_cast<std::uint32_t>(request->maglev_size()) != maglev_size_) {
      return invalid("a Maglev table of " + std::to_string(request->maglev_size()) +
                     " entries; this load balancer's tables have " + std::to_string(maglev_size_));
    }
    set = ServiceBackends{.service = request->service_id(),
                          .backends = std::move(backends),
                          .maglev = {request->maglev().begin(), request->maglev().end()}};
  }
  {
    const std::scoped_lock lock(mutex_);
    if (auto ok = dataplane_.replaceBackends(*set); !ok) return toGrpcStatus(ok.error());
  }
  reply->set_maglev_size(maglev_size_);
  toProto(*set, *reply->mutable_backends());
  return grpc::Status::OK;
}

grpc::Status LbService::DeleteBackends(grpc::ServerContext* /*context*/,
                                       const lb::v1::DeleteBackendsRequest* request,
                                       lb::v1::DeleteBackendsReply* /*reply*/) {
  const std::scoped_lock lock(mutex_);
  if (auto ok = dataplane_.deleteBackends(request->service_id()); !ok) {
    return toGrpcStatus(ok.error());
  }
  return grpc::Status::OK;
}

grpc::Status LbService::ListBackends(grpc::ServerContext* /*context*/,
                                     const lb::v1::ListBackendsRequest* request,
                                     lb::v1::BackendList* reply) {
  const std::scoped_lock lock(mutex_);
  auto state = dataplane_.programmed();
  if (!state) return toGrpcStatus(state.error());
  const auto it = std::ranges::find_if(state->services, [&](const ServiceBackends& s) {
    return s.service == request->service_id();
  });
  if (it == state->services.end()) {
    return toGrpcStatus(base::Error(
        base::Errc::kNotFound,
        "service " + std::to_string(request->service_id()) + " has no backends programmed"));
  }
  toProto(*it, *reply);
  return grpc::Status::OK;
}

grpc::Status LbService::GetProgrammed(grpc::ServerContext* /*context*/,
                                      const lb::v1::GetProgrammedRequest* /*request*/,
                                      lb::v1::Programmed* reply) {
  const std::scoped_lock lock(mutex_);
  auto state = dataplane_.programmed();
  if (!state) return toGrpcStatus(state.error());
  for (const Frontend& frontend : state->frontends) lbapi::toProto(frontend, *reply->add_vips());
  for (const ServiceBackends& set : state->services) toProto(set, *reply->add_services());
  return grpc::Status::OK;
}

grpc::Status LbService::GetCounters(grpc::ServerContext* /*context*/,
                                    const lb::v1::GetCountersRequest* /*request*/,
                                    lb::v1::Counters* reply) {
  const std::scoped_lock lock(mutex_);
  auto counters = dataplane_.counters();
  if (!counters) return toGrpcStatus(counters.error());
  for (const auto& [id, c] : counters->services) {
    lb::v1::ServiceCounters& out = *reply->add_services();
    out.set_service_id(id);
    out.set_packets(c.packets);
    out.set_bytes(c.bytes);
    out.set_new_connections(c.new_connections);
  }
  for (std::size_t reason = 1; reason < counters->drops.size(); ++reason) {
    if (counters->drops[reason] == 0) continue;
    lb::v1::DropCount& out = *reply->add_drops();
    out.set_reason(std::string(dropReasonName(static_cast<int>(reason))));
    out.set_packets(counters->drops[reason]);
  }
  reply->set_connections(counters->conntrack_entries);
  return grpc::Status::OK;
}

}  // namespace sluice::dataplane::lbapi
