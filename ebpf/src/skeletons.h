// The loaded BPF objects of one EbpfDataplane and typed handles on their maps; private to the
// ebpf/ sources (ebpf_dataplane.cc programs through it, inspection.cc reads through it).
#pragma once

#include <memory>

#include "sluice/bpf/ext.skel.h"
#include "sluice/bpf/maglev_writer.skel.h"
#include "sluice/bpf/sock.skel.h"
#include "sluice/bpf/tc_pod.skel.h"
#include "sluice/ebpf/abi.h"
#include "sluice/ebpf/bpf_map.h"
#include "sluice/ebpf/ebpf_dataplane.h"

namespace sluice::ebpf {

struct EbpfDataplane::Skeletons {
  struct Deleter {
    void operator()(tc_pod* skel) const { tc_pod::destroy(skel); }
    void operator()(sock* skel) const { sock::destroy(skel); }
    void operator()(ext* skel) const { ext::destroy(skel); }
    void operator()(maglev_writer* skel) const { maglev_writer::destroy(skel); }
  };
  std::unique_ptr<tc_pod, Deleter> tc;
  std::unique_ptr<::sock, Deleter> socket;         // shares tc's pinned maps (pinned by name)
  std::unique_ptr<::ext, Deleter> external;        // likewise
  std::unique_ptr<maglev_writer, Deleter> writer;  // writes Maglev rows (BPF_PROG_RUN)

  [[nodiscard]] BpfMap<sl_frontend_key, sl_frontend> frontends() const {
    return {bpf_map__fd(tc->maps.sl_fe_v1), SL_MAP_FRONTENDS};
  }
  [[nodiscard]] BpfMap<std::uint32_t, sl_backend> backends() const {
    return {bpf_map__fd(tc->maps.sl_be_v1), SL_MAP_BACKENDS};
  }
  [[nodiscard]] BpfMap<std::uint32_t, std::uint32_t> maglev() const {
    return {bpf_map__fd(tc->maps.sl_maglev_v2), SL_MAP_MAGLEV};
  }
  [[nodiscard]] BpfMap<std::uint32_t, std::uint8_t> maglevOn() const {
    return {bpf_map__fd(tc->maps.sl_maglev_on_v1), SL_MAP_MAGLEV_ON};
  }
  [[nodiscard]] BpfMap<sl_ct_key, sl_ct_entry> conntrack() const {
    return {bpf_map__fd(tc->maps.sl_ct_v2), SL_MAP_CONNTRACK};
  }
  [[nodiscard]] PerCpuMap<std::uint32_t, sl_service_stats> serviceStats() const {
    return {bpf_map__fd(tc->maps.sl_svc_stats_v1), SL_MAP_SERVICE_STATS};
  }
  [[nodiscard]] BpfMap<sl_source_range_key, std::uint8_t> sourceRanges() const {
    return {bpf_map__fd(external->maps.sl_srcrange_v1), SL_MAP_SOURCE_RANGES};
  }
  [[nodiscard]] BpfMap<sl_vip_key, std::uint8_t> vips() const {
    return {bpf_map__fd(external->maps.sl_vip_v1), SL_MAP_VIPS};
  }
  [[nodiscard]] PerCpuMap<std::uint32_t, std::uint64_t> drops() const {
    return {bpf_map__fd(tc->maps.sl_drops_v1), SL_MAP_DROPS};
  }
};

}  // namespace sluice::ebpf
