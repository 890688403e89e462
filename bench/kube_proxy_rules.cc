// kube-proxy-style rule sets and their load times (see kube_proxy_rules.h).
#include "kube_proxy_rules.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace sluice::bench {
namespace {

std::string serviceIp(int i) {
  return "10.96." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
}
std::string endpointIp(int service, int e) {
  const int n = service * 16 + e;
  return "10." + std::to_string(100 + n / 65536) + "." + std::to_string((n / 256) % 256) + "." +
         std::to_string(n % 256);
}
// kube-proxy names chains by a hash of the service port / endpoint; any stable unique name will do.
std::string chainId(int i, int e = -1) {
  char text[24];
  std::snprintf(text, sizeof(text), "%08X%08X", static_cast<unsigned>(i) * 2654435761U,
                static_cast<unsigned>(e + 1) * 40503U);
  return text;
}

int run(const std::string& command) { return std::system(command.c_str()); }

}  // namespace

std::string iptablesRestoreRules(int services, int endpoints) {
  std::ostringstream out;
  out << "*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-NODEPORTS - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n"
         ":KUBE-POSTROUTING - [0:0]\n";
  for (int i = 0; i < services; ++i) {
    out << ":KUBE-SVC-" << chainId(i) << " - [0:0]\n";
    for (int e = 0; e < endpoints; ++e) out << ":KUBE-SEP-" << chainId(i, e) << " - [0:0]\n";
  }
  out << "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n"
         "-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n"
         "-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j "
         "KUBE-POSTROUTING\n"
         "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000\n"
         "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n"
         "-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0\n"
         "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" "
         "-j MASQUERADE --random-fully\n";
  for (int i = 0; i < services; ++i) {
    const std::string svc = "KUBE-SVC-" + chainId(i);
    const std::string name = "bench/svc-" + std::to_string(i) + ":http";
    out << "-A KUBE-SERVICES -d " << serviceIp(i) << "/32 -p tcp -m comment --comment \"" << name
        << " cluster IP\" -m tcp --dport 80 -j " << svc << "\n";
    out << "-A " << svc << " ! -s 10.244.0.0/16 -d " << serviceIp(i)
        << "/32 -p tcp -m comment --comment \"" << name
        << " cluster IP\" -m tcp --dport 80 -j KUBE-MARK-MASQ\n";
    for (int e = 0; e < endpoints; ++e) {
      const std::string sep = "KUBE-SEP-" + chainId(i, e);
      out << "-A " << svc << " -m comment --comment \"" << name << " -> " << endpointIp(i, e)
          << ":8080\"";
      if (e + 1 < endpoints) {
        char probability[32];
        std::snprintf(probability, sizeof(probability), "%.10f", 1.0 / (endpoints - e));
        out << " -m statistic --mode random --probability " << probability;
      }
      out << " -j " << sep << "\n";
      out << "-A " << sep << " -s " << endpointIp(i, e) << "/32 -m comment --comment \"" << name
          << "\" -j KUBE-MARK-MASQ\n";
      out << "-A " << sep << " -p tcp -m comment --comment \"" << name
          << "\" -m tcp -j DNAT --to-destination " << endpointIp(i, e) << ":8080\n";
    }
  }
  out << "-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports\" -m addrtype "
         "--dst-type LOCAL -j KUBE-NODEPORTS\nCOMMIT\n";
  return out.str();
}

std::string nftablesRules(int services, int endpoints) {
  std::ostringstream out;
  out << "table ip kube-proxy {\n"
         "  chain mark-for-masquerade {\n    meta mark set meta mark or 0x4000\n  }\n"
         "  chain masquerading {\n"
         "    type nat hook postrouting priority srcnat; policy accept;\n"
         "    meta mark & 0x4000 == 0 return\n"
         "    meta mark set meta mark xor 0x4000\n"
         "    masquerade fully-random\n  }\n";
  for (int i = 0; i < services; ++i) {
    out << "  chain service-" << chainId(i) << " {\n    ip daddr " << serviceIp(i)
        << " tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade\n"
        << "    numgen random mod " << endpoints << " vmap { ";
    for (int e = 0; e < endpoints; ++e) {
      out << (e ? ", " : "") << e << " : goto endpoint-" << chainId(i, e);
    }
    out << " }\n  }\n";
    for (int e = 0; e < endpoints; ++e) {
      out << "  chain endpoint-" << chainId(i, e) << " {\n    ip saddr " << endpointIp(i, e)
          << " jump mark-for-masquerade\n    meta l4proto tcp dnat to " << endpointIp(i, e)
          << ":8080\n  }\n";
    }
  }
  out << "  map service-ips {\n    type ipv4_addr . inet_proto . inet_service : verdict\n"
         "    elements = { ";
  for (int i = 0; i < services; ++i) {
    out << (i ? ",\n      " : "") << serviceIp(i) << " . tcp . 80 : goto service-" << chainId(i);
  }
  out << " }\n  }\n"
         "  chain services {\n    ip daddr . meta l4proto . th dport vmap @service-ips\n  }\n"
         "  chain nat-prerouting {\n    type nat hook prerouting priority dstnat; policy accept;\n"
         "    jump services\n  }\n"
         "  chain nat-output {\n    type nat hook output priority -100; policy accept;\n"
         "    jump services\n  }\n"
         "}\n";
  return out.str();
}

base::Result<PeerLoadTimes> measurePeerRuleLoads(int services, int endpoints) {
  PeerLoadTimes out;
  const std::string tag = "sluice-bench-" + std::to_string(::getpid());
  const std::string ipt_file = "/tmp/" + tag + ".iptables";
  const std::string nft_file = "/tmp/" + tag + ".nft";
  const std::string ipt = iptablesRestoreRules(services, endpoints);
  const std::string nft = nftablesRules(services, endpoints);
  std::ofstream(ipt_file) << ipt;
  std::ofstream(nft_file) << nft;
  for (char c : ipt) out.iptables_rules += c == '\n' ? 1 : 0;
  for (char c : nft) out.nftables_lines += c == '\n' ? 1 : 0;

  auto timed = [&](const std::string& command) -> base::Result<double> {
    if (run("ip netns add " + tag) != 0) {
      return base::fail(base::Errc::kUnavailable, "cannot create network namespace " + tag);
    }
    const auto start = std::chrono::steady_clock::now();
    const int rc = run("ip netns exec " + tag + " " + command);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    (void)run("ip netns del " + tag);
    if (rc != 0) return base::fail(base::Errc::kInternal, "`" + command + "` failed");
    return seconds;
  };
  auto ipt_time = timed("iptables-restore " + ipt_file);
  auto nft_time = timed("nft -f " + nft_file);
  std::remove(ipt_file.c_str());
  std::remove(nft_file.c_str());
  if (!ipt_time) return base::fail(ipt_time.error());
  if (!nft_time) return base::fail(nft_time.error());
  out.iptables_s = *ipt_time;
  out.nftables_s = *nft_time;
  return out;
}

}  // namespace sluice::bench
