// The peers of the programming benchmark: the rules kube-proxy's iptables and nftables modes
// write for N ClusterIP services × E endpoints, generated here in the same layout (chains per
// service and endpoint, random-probability or numgen load balancing, masquerade marks), and the
// time the kernel tools take to load them into a network namespace made for the purpose.
#pragma once

#include <cstddef>
#include <string>

#include "sluice/base/error.h"

namespace sluice::bench {

// Endpoint e of service i is 10.(100+n/65536).(n/256%256).(n%256) with n = i*16 + e; service i
// is 10.96.(i/250).(i%250+1):80 — the same content programming_latency gives Sluice.
[[nodiscard]] std::string iptablesRestoreRules(int services, int endpoints);
[[nodiscard]] std::string nftablesRules(int services, int endpoints);

struct PeerLoadTimes {
  double iptables_s = 0;
  double nftables_s = 0;
  std::size_t iptables_rules = 0;
  std::size_t nftables_lines = 0;
};

// Loads both rule sets (each into a fresh network namespace, deleted afterwards) and times it.
[[nodiscard]] base::Result<PeerLoadTimes> measurePeerRuleLoads(int services, int endpoints);

}  // namespace sluice::bench
