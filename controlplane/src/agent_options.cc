// sluice-agent flags (CLI11) and the --config file (YAML, KubeProxyConfiguration's field names
// where they exist).
#include "sluice/controlplane/agent_options.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdio>

#include "sluice/base/address.h"

namespace sluice::controlplane {
namespace {

constexpr const char* kDescription =
    "sluice-agent: the Sluice node daemon. Watches Services and EndpointSlices (from Kubernetes, "
    "or from a directory of manifests) and programs this node's data plane: ClusterIP, NodePort, "
    "LoadBalancer and externalIPs, replacing kube-proxy.";

// "30s", "500ms", "2m", "1h"; a bare number is seconds.
base::Result<std::chrono::milliseconds> parseDuration(const std::string& text) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [rest, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || rest == text.data()) {
    return base::fail(base::Errc::kInvalidArgument,
                      "\"" + text + "\" is not a duration (30s, 500ms, 2m)");
  }
  const std::string unit(rest, end);
  std::uint64_t scale = 0;
  if (unit.empty() || unit == "s") scale = 1000;
  if (unit == "ms") scale = 1;
  if (unit == "m") scale = 60'000;
  if (unit == "h") scale = 3'600'000;
  if (scale == 0 || value == 0) {
    return base::fail(base::Errc::kInvalidArgument,
                      "\"" + text + "\" is not a positive duration (30s, 500ms, 2m)");
  }
  return std::chrono::milliseconds(value * scale);
}

std::vector<std::string> splitList(const YAML::Node& node) {
  std::vector<std::string> out;
  if (node.IsSequence()) {
    for (const auto& item : node) out.push_back(item.as<std::string>());
  } else if (node.IsScalar()) {
    auto text = node.as<std::string>();
    std::size_t at = 0;
    while (at <= text.size()) {
      const std::size_t comma = text.find(',', at);
      const std::string part = text.substr(at, comma == std::string::npos ? comma : comma - at);
      if (!part.empty()) out.push_back(part);
      if (comma == std::string::npos) break;
      at = comma + 1;
    }
  }
  return out;
}

// The config file: KubeProxyConfiguration's names for the shared settings, ours for the rest.
base::Status loadConfigFile(const std::string& path, AgentOptions& o) {
  try {
    const YAML::Node root = YAML::LoadFile(path);
    if (!root.IsMap()) {
      return base::fail(base::Errc::kInvalidArgument, path + ": the config must be a mapping");
    }
    auto text = [&](const YAML::Node& node, std::string& out) {
      if (node) out = node.as<std::string>();
    };
    if (const auto client = root["clientConnection"]) text(client["kubeconfig"], o.kubeconfig);
    text(root["hostnameOverride"], o.hostname);
    if (root["clusterCIDR"]) o.cluster_cidrs = splitList(root["clusterCIDR"]);
    if (root["nodePortAddresses"]) o.nodeport_addresses = splitList(root["nodePortAddresses"]);
    text(root["metricsBindAddress"], o.metrics_bind);
    text(root["healthzBindAddress"], o.healthz_bind);
    text(root["manifests"], o.manifests);
    text(root["master"], o.master);
    text(root["apiSocket"], o.api_socket);
    text(root["dataplane"], o.dataplane);
    text(root["bpffs"], o.bpffs);
    text(root["pinSubdir"], o.pin_subdir);
    text(root["logLevel"], o.log_level);
    if (root["maglevSize"]) o.maglev_size = root["maglevSize"].as<std::uint32_t>();
    if (root["maxServices"]) o.max_services = root["maxServices"].as<std::uint32_t>();
    if (root["podInterfaces"]) o.pod_interfaces = splitList(root["podInterfaces"]);
    if (root["externalInterfaces"]) o.external_interfaces = splitList(root["externalInterfaces"]);
    if (root["cgroups"]) o.cgroups = splitList(root["cgroups"]);
    if (root["nodeIPs"]) o.node_ips = splitList(root["nodeIPs"]);
    if (root["lbMode"]) o.dsr = root["lbMode"].as<std::string>() == "dsr";
    for (const auto& [key, field] : {std::pair{"syncPeriod", &o.sync_period},
                                     std::pair{"healthzTimeout", &o.health_timeout}}) {
      if (!root[key]) continue;
      auto duration = parseDuration(root[key].as<std::string>());
      if (!duration) {
        return base::fail(std::move(duration.error()).withContext(path + ": " + key));
      }
      *field = *duration;
    }
  } catch (const YAML::Exception& e) {
    return base::fail(base::Errc::kInvalidArgument,
                      path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  return {};
}

}  // namespace

base::Result<ParsedOptions> parseAgentOptions(int argc, const char* const* argv) {
  ParsedOptions parsed;
  AgentOptions& o = parsed.options;
  // The config file is read first, so the flags given beside it override it.
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string path;
    if (arg == "--config" && i + 1 < argc) path = argv[i + 1];
    if (arg.starts_with("--config=")) path = arg.substr(9);
    if (!path.empty()) {
      if (auto loaded = loadConfigFile(path, o); !loaded) return base::fail(loaded.error());
    }
  }

  CLI::App app(kDescription, "sluice-agent");
  app.set_version_flag("--version", "sluice-agent 0.1.0");
  std::string config;
  app.add_option("--config", config,
                 "YAML file with these settings (KubeProxyConfiguration names)");
  app.add_option("--manifests", o.manifests,
                 "directory of Service/EndpointSlice manifests to serve instead of Kubernetes; "
                 "re-read when a file changes");
  app.add_option("--kubeconfig", o.kubeconfig, "kubeconfig file for the Kubernetes API");
  app.add_option("--master", o.master, "Kubernetes API server URL (overrides the kubeconfig)");
  app.add_option("--hostname-override", o.hostname, "this node's name (default: the hostname)");
  app.add_option("--cluster-cidr", o.cluster_cidrs, "pod CIDRs of the cluster (comma separated)")
      ->delimiter(',');
  app.add_option("--nodeport-addresses", o.nodeport_addresses,
                 "CIDRs of the node addresses NodePorts answer on, or \"primary\" (default: every "
                 "non-loopback address of the external interfaces)")
      ->delimiter(',');
  app.add_option("--node-ip", o.node_ips,
                 "this node's address per family: source of SNATed external flows (default: the "
                 "first NodePort address of each family)")
      ->delimiter(',');
  app.add_option("--metrics-bind-address", o.metrics_bind,
                 "IP:port for /metrics (Prometheus); empty or port 0 turns it off");
  app.add_option("--healthz-bind-address", o.healthz_bind,
                 "IP:port for /healthz and /livez; empty or port 0 turns it off");
  app.add_option("--api-socket", o.api_socket,
                 "unix socket of the local API used by the sluice CLI (root only); empty: off");
  app.add_option("--dataplane", o.dataplane,
                 "ebpf (default); lb:SOCKET to program a sluice-lb through its local API (its "
                 "--maglev-size must match); fake (in memory, for trials)");
  app.add_option("--bpffs", o.bpffs, "bpf filesystem where maps and links are pinned");
  app.add_option("--pin-subdir", o.pin_subdir, "directory under --bpffs for Sluice's pins");
  app.add_option("--maglev-size", o.maglev_size, "Maglev table size per service (a prime)");
  app.add_option("--max-services", o.max_services,
                 "data-plane services (one per port and family) that get a Maglev table; the "
                 "tables take (max+1) × maglev-size × 4 bytes of kernel memory");
  app.add_option("--pod-interfaces", o.pod_interfaces,
                 "globs of pod-facing interfaces to attach to as they appear (e.g. veth*,lxc*)")
      ->delimiter(',');
  app.add_option("--external-interfaces", o.external_interfaces,
                 "the node's external interfaces (NodePort, LoadBalancer, externalIPs)")
      ->delimiter(',');
  app.add_option("--cgroup", o.cgroups, "cgroup v2 directory for the socket hooks (repeatable)");
  std::string lb_mode;
  app.add_option("--lb-mode", lb_mode,
                 "snat (default) or dsr: how external traffic reaches remote backends")
      ->check(CLI::IsMember({"snat", "dsr"}));
  std::string sync_period, health_timeout;
  app.add_option("--sync-period", sync_period,
                 "how often the data plane is checked against the desired state (default 30s)");
  app.add_option("--healthz-timeout", health_timeout,
                 "/healthz turns 503 when updates wait longer than this (default 60s)");
  app.add_option("--v,--log-level", o.log_level, "trace, debug, info, warn or error");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    parsed.outcome = ParseOutcome::kExit;
    return parsed;
  } catch (const CLI::CallForVersion&) {
    std::puts("sluice-agent 0.1.0");
    parsed.outcome = ParseOutcome::kExit;
    return parsed;
  } catch (const CLI::ParseError& e) {
    return base::fail(base::Errc::kInvalidArgument, e.what());
  }
  if (!lb_mode.empty()) o.dsr = lb_mode == "dsr";
  for (const auto& [text, field] :
       {std::pair{&sync_period, &o.sync_period}, std::pair{&health_timeout, &o.health_timeout}}) {
    if (text->empty()) continue;
    auto duration = parseDuration(*text);
    if (!duration) return base::fail(duration.error());
    *field = *duration;
  }
  if (o.hostname.empty()) {
    char name[256] = {};
    if (::gethostname(name, sizeof(name) - 1) == 0) o.hostname = name;
  }
  return parsed;
}

base::Status validateAgentOptions(const AgentOptions& o) {
  auto invalid = [](std::string message) {
    return base::fail(base::Errc::kInvalidArgument, std::move(message));
  };
  if (!o.manifests.empty() && (!o.kubeconfig.empty() || !o.master.empty())) {
    return invalid("--manifests and --kubeconfig/--master name two sources; choose one");
  }
  if (o.manifests.empty() && o.kubeconfig.empty() && o.master.empty() &&
      std::getenv("KUBERNETES_SERVICE_HOST") == nullptr) {
    return invalid(
        "no source of services: give --manifests DIR, --kubeconfig FILE or --master URL, or run "
        "in a pod (KUBERNETES_SERVICE_HOST)");
  }
  for (const auto& cidr : o.cluster_cidrs) {
    if (!base::IpPrefix::parse(cidr))
      return invalid("--cluster-cidr: \"" + cidr + "\" is not a CIDR");
  }
  for (const auto& cidr : o.nodeport_addresses) {
    if (cidr != "primary" && !base::IpPrefix::parse(cidr)) {
      return invalid("--nodeport-addresses: \"" + cidr + R"(" is not a CIDR or "primary")");
    }
  }
  for (const auto& ip : o.node_ips) {
    if (!base::parseIpAddress(ip)) return invalid("--node-ip: \"" + ip + "\" is not an IP address");
  }
  if (o.dataplane != "ebpf" && o.dataplane != "fake" &&
      !(o.dataplane.starts_with("lb:") && o.dataplane.size() > 3)) {
    return invalid("--dataplane: \"" + o.dataplane +
                   "\" is not ebpf, fake or lb:SOCKET (e.g. lb:/run/sluice/lb.sock)");
  }
  if (o.hostname.empty()) return invalid("the node name is unknown: give --hostname-override");
  return {};
}

}  // namespace sluice::controlplane
