// The sluice.v1.Agent service over an Inspector (see agent_service.h).
#include "agent_service.h"

#include <exception>
#include <string>

#include "convert.h"
#include "sluice/rpc/grpc_status.h"

namespace sluice::controlplane::api {
using rpc::toGrpcStatus;

namespace {

// Runs one call; an exception escaping the Inspector becomes INTERNAL instead of taking the
// agent down.
template <typename Fn>
grpc::Status guarded(const char* call, Fn&& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    return {grpc::StatusCode::INTERNAL, std::string(call) + ": " + e.what()};
  } catch (...) {
    return {grpc::StatusCode::INTERNAL, std::string(call) + ": unknown exception"};
  }
}

}  // namespace

grpc::Status AgentService::Status(grpc::ServerContext* /*context*/,
                                  const v1::StatusRequest* /*request*/, v1::AgentStatus* reply) {
  return guarded("Status", [&] {
    toProto(inspector_.status(), *reply);
    return grpc::Status::OK;
  });
}

grpc::Status AgentService::ListServices(grpc::ServerContext* /*context*/,
                                        const v1::ListServicesRequest* /*request*/,
                                        v1::ListServicesResponse* reply) {
  return guarded("ListServices", [&] {
    for (const ServiceView& view : inspector_.services()) toProto(view, *reply->add_services());
    return grpc::Status::OK;
  });
}

grpc::Status AgentService::ListBackends(grpc::ServerContext* /*context*/,
                                        const v1::ListBackendsRequest* request,
                                        v1::ListBackendsResponse* reply) {
  return guarded("ListBackends", [&] {
    auto backends = inspector_.backends(request->service());
    if (!backends) return toGrpcStatus(backends.error());
    for (const BackendView& view : *backends) toProto(view, *reply->add_backends());
    return grpc::Status::OK;
  });
}

grpc::Status AgentService::ListConntrack(grpc::ServerContext* /*context*/,
                                         const v1::ListConntrackRequest* request,
                                         v1::ListConntrackResponse* reply) {
  return guarded("ListConntrack", [&] {
    auto entries = inspector_.conntrack(static_cast<std::size_t>(request->limit()));
    if (!entries) return toGrpcStatus(entries.error());
    for (const ConntrackView& view : *entries) toProto(view, *reply->add_entries());
    return grpc::Status::OK;
  });
}

grpc::Status AgentService::Explain(grpc::ServerContext* /*context*/,
                                   const v1::ExplainRequest* request, v1::Explanation* reply) {
  return guarded("Explain", [&] {
    auto explanation = inspector_.explain(fromProto(*request));
    if (!explanation) return toGrpcStatus(explanation.error());
    toProto(*explanation, *reply);
    return grpc::Status::OK;
  });
}

grpc::Status AgentService::Metrics(grpc::ServerContext* /*context*/,
                                   const v1::MetricsRequest* /*request*/,
                                   v1::MetricsResponse* reply) {
  return guarded("Metrics", [&] {
    reply->set_text(inspector_.metricsText());
    return grpc::Status::OK;
  });
}

}  // namespace sluice::controlplane::api
