// sluice-agent's settings: kube-proxy's flag names where the meaning is the same (--kubeconfig,
// --master, --hostname-override, --cluster-cidr, --nodeport-addresses, --metrics-bind-address,
// --healthz-bind-address, --config), plus Sluice's own. A --config file (YAML) holds the same
// settings; flags given on the command line win over it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "sluice/base/error.h"

namespace sluice::controlplane {

struct AgentOptions {
  // Where services come from: a manifest directory (the embedded default), or Kubernetes.
  std::string manifests;   // --manifests DIR
  std::string kubeconfig;  // --kubeconfig FILE
  std::string master;      // --master URL (overrides the kubeconfig's server)
  std::string hostname;    // --hostname-override; default: this machine's hostname

  std::vector<std::string> cluster_cidrs;       // --cluster-cidr (comma separated)
  std::vector<std::string> nodeport_addresses;  // --nodeport-addresses CIDRs, or "primary"
  std::vector<std::string> node_ips;            // --node-ip: SNAT source per family

  std::string metrics_bind = "0.0.0.0:10249";         // --metrics-bind-address ("" or :0 = off)
  std::string healthz_bind = "0.0.0.0:10256";         // --healthz-bind-address ("" or :0 = off)
  std::string api_socket = "/run/sluice/agent.sock";  // --api-socket ("" = off)

  std::string dataplane = "ebpf";  // --dataplane ebpf|fake
  std::string bpffs = "/sys/fs/bpf";
  std::string pin_subdir = "sluice";
  std::uint32_t maglev_size = 16381;
  std::uint32_t max_services = 1023;        // data-plane services (ports × families) with a table
  std::vector<std::string> pod_interfaces;  // --pod-interfaces globs ("veth*,lxc*")
  std::vector<std::string> external_interfaces;  // --external-interfaces names
  std::vector<std::string> cgroups;              // --cgroup DIR: socket hooks
  bool dsr = false;                              // --lb-mode dsr|snat

  std::chrono::milliseconds sync_period{30'000};     // --sync-period: self-check interval
  std::chrono::milliseconds health_timeout{60'000};  // --healthz-timeout
  std::string log_level = "info";
};

enum class ParseOutcome { kRun, kExit };  // kExit: --help or --version was answered

struct ParsedOptions {
  ParseOutcome outcome = ParseOutcome::kRun;
  int exit_code = 0;
  AgentOptions options;
};

// Parses argv (and the --config file it names). Usage errors are kInvalidArgument with a message
// naming the flag; --help prints the complete help to stdout.
[[nodiscard]] base::Result<ParsedOptions> parseAgentOptions(int argc, const char* const* argv);

// Settings a user gave that cannot work together (no source, a bad CIDR, a bad address).
[[nodiscard]] base::Status validateAgentOptions(const AgentOptions& options);

}  // namespace sluice::controlplane
