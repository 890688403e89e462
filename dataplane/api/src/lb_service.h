// The sluice.lb.v1.LoadBalancer service over a Dataplane (see lb_api.h).
#pragma once

#include <cstdint>
#include <mutex>

#include "sluice/dataplane/dataplane.h"
#include "sluice/lb/v1/lb.grpc.pb.h"

namespace sluice::dataplane::lbapi {

class LbService final : public lb::v1::LoadBalancer::Service {
 public:
  LbService(Dataplane& dataplane, std::mutex& mutex, std::uint32_t maglev_size)
      : dataplane_(dataplane), mutex_(mutex), maglev_size_(maglev_size) {}

  grpc::Status GetStatus(grpc::ServerContext* context, const lb::v1::GetStatusRequest* request,
                         lb::v1::Status* reply) override;
  grpc::Status ListVips(grpc::ServerContext* context, const lb::v1::ListVipsRequest* request,
                        lb::v1::VipList* reply) override;
  grpc::Status UpsertVip(grpc::ServerContext* context, const lb::v1::Vip* request,
                         lb::v1::UpsertVipReply* reply) override;
  grpc::Status DeleteVip(grpc::ServerContext* context, const lb::v1::VipKey* request,
                         lb::v1::DeleteVipReply* reply) override;
  grpc::Status SetBackends(grpc::ServerContext* context, const lb::v1::SetBackendsRequest* request,
                           lb::v1::SetBackendsReply* reply) override;
  grpc::Status DeleteBackends(grpc::ServerContext* context,
                              const lb::v1::DeleteBackendsRequest* request,
                              lb::v1::DeleteBackendsReply* reply) override;
  grpc::Status ListBackends(grpc::ServerContext* context,
                            const lb::v1::ListBackendsRequest* request,
                            lb::v1::BackendList* reply) override;
  grpc::Status GetCounters(grpc::ServerContext* context, const lb::v1::GetCountersRequest* request,
                           lb::v1::Counters* reply) override;
  grpc::Status GetProgrammed(grpc::ServerContext* context,
                             const lb::v1::GetProgrammedRequest* request,
                             lb::v1::Programmed* reply) override;

 private:
  Dataplane& dataplane_;
  std::mutex& mutex_;
  std::uint32_t maglev_size_;
};

}  // namespace sluice::dataplane::lbapi
