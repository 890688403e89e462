// What `sluice ct list` and `sluice explain` read from the eBPF data plane: the flow hash the
// programs use (flow_hash.h, the same code) and the client-side conntrack entries.
#include <arpa/inet.h>

#include <ctime>

#include "convert.h"
#include "skeletons.h"
#include "sluice/ebpf/flow_hash.h"

namespace sluice::ebpf {
namespace {

sl_ct_key forwardKey(const dataplane::FlowTuple& flow) {
  sl_ct_key key{};
  key.src = detail::toAbi(flow.source);
  key.dst = detail::toAbi(flow.destination);
  key.sport = htons(flow.source_port);
  key.dport = htons(flow.destination_port);
  key.proto = static_cast<std::uint8_t>(flow.protocol);
  key.family = detail::familyOf(flow.source);
  key.dir = SL_CT_FORWARD;
  return key;
}

std::uint64_t monotonicNs() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);  // what bpf_ktime_get_ns() counts
  return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000ULL +
         static_cast<std::uint64_t>(now.tv_nsec);
}

const char* stateName(std::uint8_t state) {
  switch (state) {
    case SL_CT_NEW: return "new";
    case SL_CT_ESTABLISHED: return "established";
    case SL_CT_CLOSING: return "closing";
    default: return "unknown";
  }
}

dataplane::ConntrackEntry toEntry(const sl_ct_key& key, const sl_ct_entry& value,
                                  std::uint64_t now_ns) {
  dataplane::ConntrackEntry out;
  out.flow = dataplane::FlowTuple{.protocol = static_cast<dataplane::Protocol>(key.proto),
                                  .source = detail::fromAbi(key.src, key.family),
                                  .source_port = ntohs(key.sport),
                                  .destination = detail::fromAbi(key.dst, key.family),
                                  .destination_port = ntohs(key.dport)};
  out.backend = detail::fromAbi(value.nat_addr, key.family);
  out.backend_port = ntohs(value.nat_port);
  out.service = value.service_id;
  out.snat = (value.flags & SL_CT_F_SNAT) != 0;
  out.external = (value.flags & SL_CT_F_EXTERNAL) != 0;
  out.dsr = (value.flags & SL_CT_F_DSR) != 0;
  out.idle_ms = now_ns > value.last_seen_ns ? (now_ns - value.last_seen_ns) / 1'000'000 : 0;
  out.state = stateName(value.state);
  return out;
}

}  // namespace

std::optional<std::uint32_t> EbpfDataplane::flowHash(const dataplane::FlowTuple& flow) const {
  const sl_addr src = detail::toAbi(flow.source);
  const sl_addr dst = detail::toAbi(flow.destination);
  return lb_flow_hash(&src, &dst, htons(flow.source_port), htons(flow.destination_port),
                      static_cast<std::uint8_t>(flow.protocol));
}

base::Result<std::vector<dataplane::ConntrackEntry>> EbpfDataplane::conntrack(
    std::size_t limit) const {
  auto entries = skel_->conntrack().entries();
  if (!entries) return base::fail(std::move(entries.error()));
  const std::uint64_t now = monotonicNs();
  std::vector<dataplane::ConntrackEntry> out;
  for (const auto& [key, value] : *entries) {
    if (key.dir != SL_CT_FORWARD) continue;  // one line per connection: its client side
    out.push_back(toEntry(key, value, now));
    if (limit > 0 && out.size() >= limit) break;
  }
  return out;
}

base::Result<std::optional<dataplane::ConntrackEntry>> EbpfDataplane::conntrackLookup(
    const dataplane::FlowTuple& flow) const {
  const sl_ct_key key = forwardKey(flow);
  auto value = skel_->conntrack().lookup(key);
  if (!value) return base::fail(std::move(value.error()));
  if (!*value) return std::optional<dataplane::ConntrackEntry>();
  return std::optional(toEntry(key, **value, monotonicNs()));
}

}  // namespace sluice::ebpf
