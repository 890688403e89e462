#include "sluice/lab/offload.h"

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sluice/lab/run_in_netns.h"

namespace sluice::lab {

base::Status setTxChecksumming(std::string_view netns, const std::string& interface, bool on) {
  if (interface.size() >= IFNAMSIZ) {
    return base::fail(base::Errc::kInvalidArgument, "interface name too long: " + interface);
  }
  return runInNetns(netns, [&]() -> base::Status {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return base::failErrno("socket for SIOCETHTOOL", errno);
    ethtool_value value{};
    value.cmd = ETHTOOL_STXCSUM;
    value.data = on ? 1 : 0;
    ifreq request{};
    std::memcpy(request.ifr_name, interface.c_str(), interface.size() + 1);
    request.ifr_data = reinterpret_cast<char*>(&value);
    const int rc = ::ioctl(fd, SIOCETHTOOL, &request);
    const int err = errno;
    ::close(fd);
    if (rc != 0) {
      return base::failErrno(
          "setting tx checksumming on " + interface + " in " + std::string(netns), err);
    }
    return {};
  });
}

}  // namespace sluice::lab
