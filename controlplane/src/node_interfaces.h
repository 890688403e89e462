// This node's interfaces as the agent needs them: which pod-facing interfaces to attach to (by
// glob, as they come and go), and which addresses NodePorts answer on (--nodeport-addresses).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "sluice/base/address.h"

namespace sluice::controlplane {

struct InterfaceAddress {
  std::string interface;
  base::IpAddress address;
};

// Every address of every interface that is up, in the calling thread's network namespace.
[[nodiscard]] std::vector<InterfaceAddress> localAddresses();
// Every interface name → ifindex.
[[nodiscard]] std::map<std::string, int> localInterfaces();

// NodePort addresses: those inside `cidrs` ("primary": the first global address of each family
// on the external interfaces); with no CIDRs, every global address of the external interfaces
// (or of every interface when none is named). Loopback and link-local never qualify.
[[nodiscard]] std::vector<base::IpAddress> nodePortAddresses(
    const std::vector<InterfaceAddress>& addresses, const std::vector<std::string>& cidrs,
    const std::vector<std::string>& external_interfaces);

// fnmatch-style globs ("veth*", "lxc?*").
[[nodiscard]] bool matchesAny(const std::string& name, const std::vector<std::string>& globs);

}  // namespace sluice::controlplane
