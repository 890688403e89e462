// kube-proxy's rule layouts for the Mpps benchmark's peers, written from kube-proxy's documented
// iptables and nftables modes (v1.31): the chains, maps and matches a packet walks through, with
// this benchmark's services. Chain names carry a hash of the service port's name, as
// kube-proxy's do.
#include <fmt/format.h>

#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

#include "mpps.h"

namespace sluice::bench::mpps {

namespace {

// 16 characters of RFC 4648 base32 from a 64-bit FNV-1a hash of `name` (kube-proxy takes them
// from a SHA-256; only their shape matters here).
std::string chainHash(std::string_view name) {
  std::uint64_t h = 1469598103934665603ULL;
  for (const char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    out += kAlphabet[h & 31U];
    h = (h >> 5) | (h << 59);
    if (i == 11) h *= 1099511628211ULL;  // the last four characters from fresh bits
  }
  return out;
}

struct ServicePort {
  int service = 0;
  std::string_view proto;  // "tcp" / "udp"
  std::string name;        // "bench/svc12:p80-tcp"
  std::string cluster_ip;
  std::string lb_ip;
  int node_port = 0;
  int target_port = 0;
};

ServicePort servicePort(int service, std::string_view proto) {
  ServicePort p;
  p.service = service;
  p.proto = proto;
  p.name = "bench/svc" + std::to_string(service) + ":p80-" + std::string(proto);
  p.cluster_ip = clusterIp(service).to_string();
  p.lb_ip = serviceAddress(service).to_string();
  p.node_port = kFirstNodePort + service;
  p.target_port = kFirstBackendPort + service;
  return p;
}

std::string endpointText(const ServicePort& p, int e) {
  return endpointAddress(e).to_string() + ":" + std::to_string(p.target_port);
}

}  // namespace

std::string iptablesRules(int services) {
  std::string chains;
  std::string nat;
  std::string nodeports;
  auto chains_out = std::back_inserter(chains);
  auto nat_out = std::back_inserter(nat);
  for (int s = 0; s < services; ++s) {
    for (const std::string_view proto : {"tcp", "udp"}) {
      const ServicePort p = servicePort(s, proto);
      const std::string svc = fmt::format("KUBE-SVC-{}", chainHash(p.name));
      const std::string ext = fmt::format("KUBE-EXT-{}", chainHash(p.name));
      const std::string match = fmt::format(" -p {} -m comment --comment \"{}", proto, p.name);
      fmt::format_to(chains_out, ":{} - [0:0]\n:{} - [0:0]\n", svc, ext);
      fmt::format_to(nat_out, "-A KUBE-SERVICES -d {}/32{} cluster IP\" -m {} --dport 80 -j {}\n",
                     p.cluster_ip, match, proto, svc);
      fmt::format_to(nat_out,
                     "-A KUBE-SERVICES -d {}/32{} loadbalancer IP\" -m {} --dport 80 -j {}\n",
                     p.lb_ip, match, proto, ext);
      fmt::format_to(std::back_inserter(nodeports),
                     "-A KUBE-NODEPORTS{}\" -m {} --dport {} -j {}\n", match, proto, p.node_port,
                     ext);
      fmt::format_to(nat_out,
                     "-A {} -m comment --comment \"masquerade traffic for {} external "
                     "destinations\" -j KUBE-MARK-MASQ\n-A {} -j {}\n",
                     ext, p.name, ext, svc);
      fmt::format_to(nat_out,
                     "-A {} ! -s 10.244.0.0/16 -d {}/32{} cluster IP\" -m {} --dport 80 -j "
                     "KUBE-MARK-MASQ\n",
                     svc, p.cluster_ip, match, proto);
      for (int e = 0; e < kEndpointsPerService; ++e) {
        const std::string endpoint = endpointText(p, e);
        const std::string sep = fmt::format("KUBE-SEP-{}", chainHash(p.name + endpoint));
        fmt::format_to(chains_out, ":{} - [0:0]\n", sep);
        // Endpoint i of n is taken with probability 1/(n-i); the last one always.
        std::string pick;
        if (e + 1 < kEndpointsPerService) {
          pick = fmt::format(" -m statistic --mode random --probability {:.11f}",
                             1.0 / static_cast<double>(kEndpointsPerService - e));
        }
        fmt::format_to(nat_out, "-A {} -m comment --comment \"{} -> {}\"{} -j {}\n", svc, p.name,
                       endpoint, pick, sep);
        fmt::format_to(nat_out, "-A {} -s {}/32 -m comment --comment \"{}\" -j KUBE-MARK-MASQ\n",
                       sep, endpointAddress(e).to_string(), p.name);
        fmt::format_to(nat_out, "-A {}{}\" -m {} -j DNAT --to-destination {}\n", sep, match, proto,
                       endpoint);
      }
    }
  }
  std::string out =
      "*filter\n"
      ":INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
      ":KUBE-EXTERNAL-SERVICES - [0:0]\n:KUBE-FIREWALL - [0:0]\n:KUBE-FORWARD - [0:0]\n"
      ":KUBE-NODEPORTS - [0:0]\n:KUBE-PROXY-FIREWALL - [0:0]\n:KUBE-SERVICES - [0:0]\n"
      "-A INPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer "
      "firewall\" -j KUBE-PROXY-FIREWALL\n"
      "-A INPUT -m comment --comment \"kubernetes health check service ports\" -j "
      "KUBE-NODEPORTS\n"
      "-A INPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible "
      "service portals\" -j KUBE-EXTERNAL-SERVICES\n"
      "-A INPUT -j KUBE-FIREWALL\n"
      "-A FORWARD -m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer "
      "firewall\" -j KUBE-PROXY-FIREWALL\n"
      "-A FORWARD -m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD\n"
      "-A FORWARD -m conntrack --ctstate NEW -m comment --comment \"kubernetes service "
      "portals\" -j KUBE-SERVICES\n"
      "-A FORWARD -m conntrack --ctstate NEW -m comment --comment \"kubernetes "
      "externally-visible service portals\" -j KUBE-EXTERNAL-SERVICES\n"
      "-A OUTPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer "
      "firewall\" -j KUBE-PROXY-FIREWALL\n"
      "-A OUTPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" "
      "-j KUBE-SERVICES\n"
      "-A OUTPUT -j KUBE-FIREWALL\n"
      "-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment \"block incoming "
      "localnet connections\" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP\n"
      "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP\n"
      "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding rules\" -m mark --mark "
      "0x4000/0x4000 -j ACCEPT\n"
      "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding conntrack rule\" -m "
      "conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
      "COMMIT\n"
      "*nat\n"
      ":PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
      ":POSTROUTING ACCEPT [0:0]\n"
      ":KUBE-MARK-MASQ - [0:0]\n:KUBE-NODEPORTS - [0:0]\n:KUBE-POSTROUTING - [0:0]\n"
      ":KUBE-SERVICES - [0:0]\n";
  out += chains;
  out +=
      "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n"
      "-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n"
      "-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j "
      "KUBE-POSTROUTING\n"
      "-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000\n"
      "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n"
      "-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000\n"
      "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" "
      "-j MASQUERADE --random-fully\n";
  out += nat;
  out += nodeports;
  out +=
      "-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be "
      "the last rule in this chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS\n"
      "COMMIT\n";
  return out;
}

std::string nftablesRules(int services, const base::IpAddress& node) {
  std::string chains;
  std::string service_ips;
  std::string service_nodeports;
  std::string cluster_ips;
  auto chains_out = std::back_inserter(chains);
  for (int s = 0; s < services; ++s) {
    for (const std::string_view proto : {"tcp", "udp"}) {
      const ServicePort p = servicePort(s, proto);
      const std::string suffix = fmt::format("bench/svc{}/{}/p80", s, proto);
      const std::string hash = chainHash(p.name).substr(0, 8);
      const std::string svc = fmt::format("service-{}-{}", hash, suffix);
      const std::string ext = fmt::format("external-{}-{}", hash, suffix);
      std::string vmap;
      for (int e = 0; e < kEndpointsPerService; ++e) {
        const std::string endpoint = endpointText(p, e);
        const std::string address = endpointAddress(e).to_string();
        const std::string ep_name =
            fmt::format("endpoint-{}-{}__{}/{}", chainHash(p.name + endpoint).substr(0, 8), suffix,
                        address, p.target_port);
        fmt::format_to(chains_out,
                       "\tchain {} {{\n\t\tip saddr {} jump mark-for-masquerade\n\t\tmeta "
                       "l4proto {} dnat to {}\n\t}}\n",
                       ep_name, address, proto, endpoint);
        fmt::format_to(std::back_inserter(vmap), "{}{} : goto {}", e ? ", " : "", e, ep_name);
      }
      fmt::format_to(chains_out,
                     "\tchain {} {{\n\t\tip daddr {} {} dport 80 ip saddr != 10.244.0.0/16 jump "
                     "mark-for-masquerade\n\t\tnumgen random mod {} vmap {{ {} }}\n\t}}\n",
                     svc, p.cluster_ip, proto, kEndpointsPerService, vmap);
      fmt::format_to(chains_out, "\tchain {} {{\n\t\tjump mark-for-masquerade\n\t\tgoto {}\n\t}}\n",
                     ext, svc);
      fmt::format_to(
          std::back_inserter(service_ips), "{}{} . {} . 80 : goto {},\n\t\t{} . {} . 80 : goto {}",
          service_ips.empty() ? "" : ",\n\t\t", p.cluster_ip, proto, svc, p.lb_ip, proto, ext);
      fmt::format_to(std::back_inserter(service_nodeports), "{}{} . {} : goto {}",
                     service_nodeports.empty() ? "" : ",\n\t\t", proto, p.node_port, ext);
      if (proto == "tcp") {
        fmt::format_to(std::back_inserter(cluster_ips), "{}{}", cluster_ips.empty() ? "" : ", ",
                       p.cluster_ip);
      }
    }
  }
  std::string out =
      "table ip kube-proxy {\n"
      "\tcomment \"rules for kube-proxy\"\n"
      "\tset cluster-ips {\n\t\ttype ipv4_addr\n\t\tcomment \"Active ClusterIPs\"\n\t}\n"
      "\tset nodeport-ips {\n\t\ttype ipv4_addr\n\t\tcomment \"IPs that accept NodePort "
      "traffic\"\n\t}\n"
      "\tmap firewall-ips {\n\t\ttype ipv4_addr . inet_proto . inet_service : verdict\n\t}\n"
      "\tmap no-endpoint-nodeports {\n\t\ttype inet_proto . inet_service : verdict\n\t}\n"
      "\tmap no-endpoint-services {\n\t\ttype ipv4_addr . inet_proto . inet_service : "
      "verdict\n\t}\n"
      "\tmap service-ips {\n\t\ttype ipv4_addr . inet_proto . inet_service : verdict\n"
      "\t\tcomment \"ClusterIP, ExternalIP and LoadBalancer IP traffic\"\n\t}\n"
      "\tmap service-nodeports {\n\t\ttype inet_proto . inet_service : verdict\n"
      "\t\tcomment \"NodePort traffic\"\n\t}\n"
      "\tchain filter-prerouting {\n\t\ttype filter hook prerouting priority dstnat - 10; "
      "policy accept;\n\t\tct state new jump firewall-check\n\t}\n"
      "\tchain filter-input {\n\t\ttype filter hook input priority -110; policy accept;\n"
      "\t\tct state new jump nodeport-endpoints-check\n"
      "\t\tct state new jump service-endpoints-check\n\t}\n"
      "\tchain filter-forward {\n\t\ttype filter hook forward priority -110; policy accept;\n"
      "\t\tct state new jump service-endpoints-check\n"
      "\t\tct state new jump cluster-ips-check\n\t}\n"
      "\tchain filter-output {\n\t\ttype filter hook output priority -110; policy accept;\n"
      "\t\tct state new jump service-endpoints-check\n"
      "\t\tct state new jump cluster-ips-check\n\t}\n"
      "\tchain filter-output-post-dnat {\n\t\ttype filter hook output priority -90; "
      "policy accept;\n\t\tct state new jump firewall-check\n\t}\n"
      "\tchain nat-prerouting {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
      "\t\tjump services\n\t}\n"
      "\tchain nat-output {\n\t\ttype nat hook output priority -100; policy accept;\n"
      "\t\tjump services\n\t}\n"
      "\tchain nat-postrouting {\n\t\ttype nat hook postrouting priority srcnat; policy "
      "accept;\n\t\tjump masquerading\n\t}\n"
      "\tchain firewall-check {\n\t\tip daddr . meta l4proto . th dport vmap @firewall-ips\n\t}\n"
      "\tchain cluster-ips-check {\n"
      "\t\tip daddr @cluster-ips reject comment \"Reject traffic to invalid ports of "
      "ClusterIPs\"\n"
      "\t\tip daddr 10.96.0.0/16 drop comment \"Drop traffic to unallocated ClusterIPs\"\n\t}\n"
      "\tchain service-endpoints-check {\n\t\tip daddr . meta l4proto . th dport vmap "
      "@no-endpoint-services\n\t}\n"
      "\tchain nodeport-endpoints-check {\n\t\tip daddr @nodeport-ips meta l4proto . th dport "
      "vmap @no-endpoint-nodeports\n\t}\n"
      "\tchain mark-for-masquerade {\n\t\tmark set mark or 0x4000\n\t}\n"
      "\tchain masquerading {\n\t\tmark and 0x4000 == 0 return\n"
      "\t\tmark set mark xor 0x4000\n\t\tmasquerade fully-random\n\t}\n"
      "\tchain services {\n\t\tip daddr . meta l4proto . th dport vmap @service-ips\n"
      "\t\tip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports\n\t}\n";
  out += chains;
  out += "}\n";
  if (!cluster_ips.empty()) {
    fmt::format_to(std::back_inserter(out),
                   "add element ip kube-proxy cluster-ips {{ {} }}\n"
                   "add element ip kube-proxy service-ips {{\n\t\t{}\n}}\n"
                   "add element ip kube-proxy service-nodeports {{\n\t\t{}\n}}\n",
                   cluster_ips, service_ips, service_nodeports);
  }
  fmt::format_to(std::back_inserter(out), "add element ip kube-proxy nodeport-ips {{ {} }}\n",
                 node.to_string());
  return out;
}

}  // namespace sluice::bench::mpps
