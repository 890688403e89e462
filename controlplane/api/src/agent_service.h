// AgentService: the sluice.v1.Agent gRPC service, answering each call from an Inspector. It only
// converts: views to messages, base::Error to gRPC status codes, stray exceptions to INTERNAL.
#pragma once

#include "sluice/controlplane/inspect.h"
#include "sluice/v1/agent.grpc.pb.h"

namespace sluice::controlplane::api {

class AgentService final : public v1::Agent::Service {
 public:
  explicit AgentService(const Inspector& inspector) : inspector_(inspector) {}

  grpc::Status Status(grpc::ServerContext* context, const v1::StatusRequest* request,
                      v1::AgentStatus* reply) override;
  grpc::Status ListServices(grpc::ServerContext* context, const v1::ListServicesRequest* request,
                            v1::ListServicesResponse* reply) override;
  grpc::Status ListBackends(grpc::ServerContext* context, const v1::ListBackendsRequest* request,
                            v1::ListBackendsResponse* reply) override;
  grpc::Status ListConntrack(grpc::ServerContext* context, const v1::ListConntrackRequest* request,
                             v1::ListConntrackResponse* reply) override;
  grpc::Status Explain(grpc::ServerContext* context, const v1::ExplainRequest* request,
                       v1::Explanation* reply) override;
  grpc::Status Metrics(grpc::ServerContext* context, const v1::MetricsRequest* request,
                       v1::MetricsResponse* reply) override;

 private:
  const Inspector& inspector_;
};

}  // namespace sluice::controlplane::api
