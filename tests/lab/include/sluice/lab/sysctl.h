// Reading and writing sysctls of one network namespace (/proc/sys/net/... is per namespace: the
// writes happen on a thread that has joined it).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "sluice/base/error.h"

namespace sluice::lab {

struct Sysctl {
  std::string key;  // "net.ipv4.ip_forward"
  std::string value;
};

[[nodiscard]] base::Status writeSysctls(std::string_view netns, std::span<const Sysctl> sysctls);
[[nodiscard]] base::Result<std::string> readSysctl(std::string_view netns, std::string_view key);

}  // namespace sluice::lab
