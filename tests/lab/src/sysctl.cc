#include "sluice/lab/sysctl.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include "sluice/lab/run_in_netns.h"
#include "sluice/lab/unique_fd.h"

namespace sluice::lab {

namespace {

std::string sysctlPath(std::string_view key) {
  std::string path = "/proc/sys/" + std::string(key);
  std::replace(path.begin() + 10, path.end(), '.', '/');
  return path;
}

std::string inNetns(std::string_view netns) {
  return netns.empty() ? "" : " in netns " + std::string(netns);
}

}  // namespace

base::Status writeSysctls(std::string_view netns, std::span<const Sysctl> sysctls) {
  auto written = runInNetns(netns, [&]() -> base::Status {
    for (const Sysctl& sysctl : sysctls) {
      const std::string path = sysctlPath(sysctl.key);
      const UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
      if (!fd.valid() || ::write(fd.get(), sysctl.value.data(), sysctl.value.size()) !=
                             static_cast<ssize_t>(sysctl.value.size())) {
        return base::failErrno("sysctl " + sysctl.key + "=" + sysctl.value + inNetns(netns), errno);
      }
    }
    return {};
  });
  return written;
}

base::Result<std::string> readSysctl(std::string_view netns, std::string_view key) {
  return runInNetns(netns, [&]() -> base::Result<std::string> {
    const std::string path = sysctlPath(key);
    const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid())
      return base::failErrno("read sysctl " + std::string(key) + inNetns(netns), errno);
    std::array<char, 256> buffer{};
    const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0) return base::failErrno("read sysctl " + std::string(key) + inNetns(netns), errno);
    std::string value(buffer.data(), static_cast<std::size_t>(n));
    while (!value.empty() && (value.back() == '\n' || value.back() == ' ')) value.pop_back();
    return value;
  });
}

}  // namespace sluice::lab
