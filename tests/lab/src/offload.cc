#include "sluice/lab/offload.h"

#include <bpf/libbpf.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "sluice/bpf/lab_xdp_pass.skel.h"
#include "sluice/lab/run_in_netns.h"

namespace sluice::lab {

namespace {

base::Status setFeature(std::string_view netns, const std::string& interface, std::uint32_t cmd,
                        bool on, const char* what) {
  if (interface.size() >= IFNAMSIZ) {
    return base::fail(base::Errc::kInvalidArgument, "interface name too long: " + interface);
  }
  return runInNetns(netns, [&]() -> base::Status {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return base::failErrno("socket for SIOCETHTOOL", errno);
    ethtool_value value{};
    value.cmd = cmd;
    value.data = on ? 1 : 0;
    ifreq request{};
    std::memcpy(request.ifr_name, interface.c_str(), interface.size() + 1);
    request.ifr_data = reinterpret_cast<char*>(&value);
    const int rc = ::ioctl(fd, SIOCETHTOOL, &request);
    const int err = errno;
    ::close(fd);
    if (rc != 0) {
      return base::failErrno(
          std::string("setting ") + what + " on " + interface + " in " + std::string(netns), err);
    }
    return {};
  });
}

}  // namespace

base::Status setTxChecksumming(std::string_view netns, const std::string& interface, bool on) {
  return setFeature(netns, interface, ETHTOOL_STXCSUM, on, "tx checksumming");
}

base::Status attachXdpPass(std::string_view netns, const std::string& interface) {
  return runInNetns(netns, [&]() -> base::Status {
    const unsigned ifindex = if_nametoindex(interface.c_str());
    if (ifindex == 0) return base::failErrno("interface " + interface, errno);
    lab_xdp_pass* skel = lab_xdp_pass::open_and_load();
    if (skel == nullptr) return base::failErrno("loading the lab's XDP pass program", errno);
    // The attachment holds the program; the skeleton can go.
    const int rc = bpf_xdp_attach(static_cast<int>(ifindex), bpf_program__fd(skel->progs.xdp_pass),
                                  XDP_FLAGS_DRV_MODE, nullptr);
    lab_xdp_pass::destroy(skel);
    if (rc != 0) {
      return base::failErrno("attaching XDP pass to " + interface + " in " + std::string(netns),
                             -rc);
    }
    return {};
  });
}

}  // namespace sluice::lab
