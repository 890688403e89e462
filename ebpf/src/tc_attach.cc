// Attaching the pod packet path with tc (clsact ingress/egress, direct-action). The attachment
// belongs to the interface, not to this process: it keeps forwarding after the agent exits, and
// a new agent replaces it in place (BPF_TC_F_REPLACE at our handle and priority).
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include <cerrno>
#include <string>

#include "sluice/ebpf/ebpf_dataplane.h"

namespace sluice::ebpf {

namespace {

// Our filter's identity on every hook; other tc users pick their own.
constexpr std::uint32_t kTcHandle = 0x51c3;
constexpr std::uint32_t kTcPriority = 0x51c3 & 0x7fff;

base::Status attachOne(int ifindex, bpf_tc_attach_point point, int prog_fd) {
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
  const int created = bpf_tc_hook_create(&hook);
  if (created != 0 && created != -EEXIST) {
    return base::failErrno("creating clsact on ifindex " + std::to_string(ifindex), -created);
  }
  LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE, .handle = kTcHandle,
              .priority = kTcPriority);
  const int attached = bpf_tc_attach(&hook, &opts);
  if (attached != 0) {
    return base::failErrno(std::string("attaching tc ") +
                               (point == BPF_TC_INGRESS ? "ingress" : "egress") + " on ifindex " +
                               std::to_string(ifindex),
                           -attached);
  }
  return {};
}

base::Status detachOne(int ifindex, bpf_tc_attach_point point) {
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
  LIBBPF_OPTS(bpf_tc_opts, opts, .handle = kTcHandle, .priority = kTcPriority);
  const int rc = bpf_tc_detach(&hook, &opts);
  if (rc != 0 && rc != -ENOENT) {
    return base::failErrno("detaching tc on ifindex " + std::to_string(ifindex), -rc);
  }
  return {};
}

std::uint32_t programId(int prog_fd) {
  bpf_prog_info info{};
  std::uint32_t length = sizeof(info);
  if (bpf_obj_get_info_by_fd(prog_fd, &info, &length) != 0) return 0;
  return info.id;
}

// Our filter on that hook runs `prog_fd` (not removed, not replaced by something else).
bool tcRuns(int ifindex, bpf_tc_attach_point point, int prog_fd) {
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
  LIBBPF_OPTS(bpf_tc_opts, opts, .handle = kTcHandle, .priority = kTcPriority);
  if (bpf_tc_query(&hook, &opts) != 0) return false;
  return opts.prog_id != 0 && opts.prog_id == programId(prog_fd);
}

}  // namespace

bool EbpfDataplane::podInterfaceAttached(int ifindex) const {
  return tcRuns(ifindex, BPF_TC_INGRESS, podIngressProgram()) &&
         tcRuns(ifindex, BPF_TC_EGRESS, podEgressProgram());
}

bool EbpfDataplane::externalInterfaceAttached(int ifindex) const {
  std::uint32_t xdp_id = 0;
  if (bpf_xdp_query_id(ifindex, XDP_FLAGS_DRV_MODE, &xdp_id) != 0) return false;
  return xdp_id != 0 && xdp_id == programId(externalIngressProgram()) &&
         tcRuns(ifindex, BPF_TC_INGRESS, externalTcIngressProgram()) &&
         tcRuns(ifindex, BPF_TC_EGRESS, externalEgressProgram());
}

base::Status EbpfDataplane::attachPodInterface(int ifindex) {
  if (auto ok = attachOne(ifindex, BPF_TC_INGRESS, podIngressProgram()); !ok) return ok;
  return attachOne(ifindex, BPF_TC_EGRESS, podEgressProgram());
}

// XDP in native (driver) mode; veth supports it, as do the NICs that matter. The attachment
// belongs to the interface and outlives the agent; attaching again replaces the program.
base::Status EbpfDataplane::attachExternalInterface(int ifindex) {
  if (const int rc = bpf_xdp_attach(ifindex, externalIngressProgram(), XDP_FLAGS_DRV_MODE, nullptr);
      rc != 0) {
    return base::failErrno("attaching XDP on ifindex " + std::to_string(ifindex), -rc);
  }
  if (auto ok = attachOne(ifindex, BPF_TC_INGRESS, externalTcIngressProgram()); !ok) return ok;
  return attachOne(ifindex, BPF_TC_EGRESS, externalEgressProgram());
}

base::Status EbpfDataplane::detachExternalInterface(int ifindex) {
  if (const int rc = bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, nullptr); rc != 0) {
    return base::failErrno("detaching XDP on ifindex " + std::to_string(ifindex), -rc);
  }
  if (auto ok = detachOne(ifindex, BPF_TC_INGRESS); !ok) return ok;
  return detachOne(ifindex, BPF_TC_EGRESS);
}

base::Status EbpfDataplane::detachPodInterface(int ifindex) {
  if (auto ok = detachOne(ifindex, BPF_TC_INGRESS); !ok) return ok;
  return detachOne(ifindex, BPF_TC_EGRESS);
}

}  // namespace sluice::ebpf
