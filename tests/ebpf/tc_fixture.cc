#include "tc_fixture.h"

#include <unistd.h>

#include <cerrno>

namespace sluice::testing {

namespace {

using dataplane::Frontend;
using dataplane::FrontendKind;
using dataplane::Protocol;

Frontend frontend(const char* address, std::uint16_t port, Protocol protocol,
                  dataplane::ServiceId id) {
  return {.key = {.address = ip(address), .port = port, .protocol = protocol},
          .service = id,
          .kind = FrontendKind::kClusterIp};
}

}  // namespace

base::Result<std::unique_ptr<TcFixture>> TcFixture::create() {
  std::unique_ptr<TcFixture> f(new TcFixture());
  auto fs = PrivateBpffs::create();
  if (!fs) return base::fail(std::move(fs.error()));
  f->bpffs_.emplace(std::move(*fs));
  auto dp = ebpf::EbpfDataplane::open({.bpffs = f->bpffs_->path(),
                                       .pin_subdir = "sluice",
                                       .maglev_size = kMaglevSize,
                                       .node_ipv4 = ip(kNodeV4),
                                       .node_ipv6 = ip(kNodeV6)});
  if (!dp) return base::fail(std::move(dp.error()));
  f->dp_ = std::move(*dp);

  const Frontend frontends[] = {
      frontend("10.96.0.10", 80, Protocol::kTcp, svc::kWebTcp),
      frontend("10.96.0.10", 53, Protocol::kUdp, svc::kDnsUdp),
      frontend("fd00:96::10", 80, Protocol::kTcp, svc::kWeb6Tcp),
      frontend("fd00:96::10", 53, Protocol::kUdp, svc::kDns6Udp),
      frontend("10.96.0.20", 80, Protocol::kTcp, svc::kEmptyTcp),
      frontend("10.96.0.20", 53, Protocol::kUdp, svc::kEmptyUdp),
      frontend("fd00:96::20", 80, Protocol::kTcp, svc::kEmpty6),
      frontend("fd00:96::20", 53, Protocol::kUdp, svc::kEmpty6Udp),
      frontend("10.96.0.30", 80, Protocol::kTcp, svc::kTrio),
  };
  for (const auto& fe : frontends) {
    if (auto ok = f->dp_->upsertFrontend(fe); !ok) return base::fail(std::move(ok.error()));
  }
  const std::pair<dataplane::ServiceId, std::vector<dataplane::Backend>> services[] = {
      {svc::kWebTcp, {backend("10.244.2.3", 8080)}},
      {svc::kDnsUdp, {backend("10.244.2.3", 5353)}},
      {svc::kWeb6Tcp, {backend("fd00:244:2::3", 8080)}},
      {svc::kDns6Udp, {backend("fd00:244:2::3", 5353)}},
      {svc::kEmptyTcp, {}},
      {svc::kEmptyUdp, {}},
      {svc::kEmpty6, {}},
      {svc::kEmpty6Udp, {}},
      {svc::kTrio,
       {backend("10.244.1.9", 80), backend("10.244.2.9", 80), backend("10.244.3.9", 80)}},
  };
  for (const auto& [id, backends] : services) {
    if (auto ok = f->setBackends(id, backends); !ok) return base::fail(std::move(ok.error()));
  }
  f->ct_fd_ = bpf_obj_get((f->dp_->pinDirectory() + "/" SL_MAP_CONNTRACK).c_str());
  if (f->ct_fd_ < 0) return base::failErrno("opening the pinned conntrack map", errno);
  f->ct_ = ebpf::BpfMap<sl_ct_key, sl_ct_entry>(f->ct_fd_, SL_MAP_CONNTRACK);
  return f;
}

base::Status TcFixture::setBackends(dataplane::ServiceId id,
                                    std::vector<dataplane::Backend> backends) {
  auto set = dataplane::buildServiceBackends(id, std::move(backends), {.maglev_size = kMaglevSize});
  if (!set) return base::fail(std::move(set.error()));
  return dp_->replaceBackends(*set);
}

base::Result<RunResult> TcFixture::run(int prog_fd, const packet::Bytes& frame) const {
  RunResult result;
  result.output.resize(frame.size() + 256);
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_out = result.output.data(),
              .data_size_in = static_cast<std::uint32_t>(frame.size()),
              .data_size_out = static_cast<std::uint32_t>(result.output.size()), .repeat = 1);
  if (bpf_prog_test_run_opts(prog_fd, &opts) != 0) {
    return base::failErrno("BPF_PROG_RUN", errno);
  }
  result.verdict = static_cast<int>(opts.retval);
  result.output.resize(opts.data_size_out);
  return result;
}

base::Result<RunResult> TcFixture::ingress(const packet::Bytes& frame) const {
  return run(dp_->podIngressProgram(), frame);
}

base::Result<RunResult> TcFixture::egress(const packet::Bytes& frame) const {
  return run(dp_->podEgressProgram(), frame);
}

base::Result<RunResult> TcFixture::xdp(const packet::Bytes& frame) const {
  return run(dp_->externalIngressProgram(), frame);
}

base::Result<RunResult> TcFixture::extEgress(const packet::Bytes& frame) const {
  return run(dp_->externalEgressProgram(), frame);
}

base::Result<RunResult> TcFixture::extTcIngress(const packet::Bytes& frame) const {
  return run(dp_->externalTcIngressProgram(), frame);
}

std::uint64_t TcFixture::drops(int reason) const {
  auto counters = dp_->counters();
  return counters ? counters->drops[static_cast<std::size_t>(reason)] : ~0ULL;
}

dataplane::ServiceCounters TcFixture::serviceCounters(dataplane::ServiceId id) const {
  auto counters = dp_->counters();
  if (!counters || !counters->services.contains(id)) return {};
  return counters->services.at(id);
}

std::uint64_t TcFixture::conntrackEntries() const {
  auto counters = dp_->counters();
  return counters ? counters->conntrack_entries : ~0ULL;
}

}  // namespace sluice::testing
