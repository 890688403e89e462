// Node interfaces and addresses (see node_interfaces.h).
#include "node_interfaces.h"

#include <fnmatch.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

namespace sluice::controlplane {

std::vector<InterfaceAddress> localAddresses() {
  std::vector<InterfaceAddress> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (const ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr || (entry->ifa_flags & IFF_UP) == 0) continue;
    if (entry->ifa_addr->sa_family == AF_INET) {
      sockaddr_in sin{};
      std::memcpy(&sin, entry->ifa_addr, sizeof(sin));
      boost::asio::ip::address_v4::bytes_type bytes{};
      std::memcpy(bytes.data(), &sin.sin_addr, bytes.size());
      out.push_back({entry->ifa_name, boost::asio::ip::address_v4(bytes)});
    } else if (entry->ifa_addr->sa_family == AF_INET6) {
      sockaddr_in6 sin6{};
      std::memcpy(&sin6, entry->ifa_addr, sizeof(sin6));
      boost::asio::ip::address_v6::bytes_type bytes{};
      std::memcpy(bytes.data(), &sin6.sin6_addr, bytes.size());
      out.push_back({entry->ifa_name, boost::asio::ip::address_v6(bytes)});
    }
  }
  freeifaddrs(list);
  return out;
}

std::map<std::string, int> localInterfaces() {
  std::map<std::string, int> out;
  struct if_nameindex* list = if_nameindex();
  if (list == nullptr) return out;
  for (const struct if_nameindex* entry = list; entry->if_index != 0; ++entry) {
    out.emplace(entry->if_name, static_cast<int>(entry->if_index));
  }
  if_freenameindex(list);
  return out;
}

std::vector<base::IpAddress> nodePortAddresses(const std::vector<InterfaceAddress>& addresses,
                                               const std::vector<std::string>& cidrs,
                                               const std::vector<std::string>& external) {
  auto global = [](const base::IpAddress& a) {
    return !a.is_loopback() && !a.is_unspecified() && !a.is_multicast() &&
           !(a.is_v6() && a.to_v6().is_link_local()) &&
           !(a.is_v4() && a.to_v4().to_bytes()[0] == 169 && a.to_v4().to_bytes()[1] == 254);
  };
  auto onExternal = [&](const InterfaceAddress& entry) {
    return external.empty() ||
           std::find(external.begin(), external.end(), entry.interface) != external.end();
  };
  std::vector<base::IpAddress> out;
  auto add = [&](const base::IpAddress& a) {
    if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
  };
  const bool primary = std::find(cidrs.begin(), cidrs.end(), "primary") != cidrs.end();
  bool have_v4 = false, have_v6 = false;
  for (const auto& entry : addresses) {
    if (!global(entry.address)) continue;
    if (cidrs.empty()) {
      if (onExternal(entry)) add(entry.address);
      continue;
    }
    if (primary && onExternal(entry)) {
      bool& have = entry.address.is_v4() ? have_v4 : have_v6;
      if (!have) add(entry.address);
      have = true;
    }
    for (const auto& text : cidrs) {
      auto prefix = base::IpPrefix::parse(text);
      if (prefix && prefix->contains(entry.address)) add(entry.address);
    }
  }
  return out;
}

bool matchesAny(const std::string& name, const std::vector<std::string>& globs) {
  return std::any_of(globs.begin(), globs.end(), [&](const std::string& glob) {
    return fnmatch(glob.c_str(), name.c_str(), 0) == 0;
  });
}

}  // namespace sluice::controlplane
