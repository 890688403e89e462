#include "sluice/lab/run_in_netns.h"

#include <fcntl.h>
#include <sched.h>

#include <cerrno>
#include <exception>
#include <thread>

#include "sluice/lab/unique_fd.h"

namespace sluice::lab {

std::string netnsPath(std::string_view netns) { return "/run/netns/" + std::string(netns); }

base::Status runOnThreadInNetns(std::string_view netns, const std::function<void()>& body) {
  if (netns.empty()) {
    body();
    return {};
  }
  const std::string path = netnsPath(netns);
  const UniqueFd netns_fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!netns_fd.valid()) {
    return base::failErrno("open network namespace " + path + " (does it exist? `ip netns list`)",
                           errno);
  }
  int setns_errno = 0;
  std::exception_ptr thrown;
  // A thread joins a network namespace on its own (setns(CLONE_NEWNET) is per thread), and the
  // namespace goes away with the thread; the rest of the process never moves.
  std::thread worker([&] {
    if (::setns(netns_fd.get(), CLONE_NEWNET) != 0) {
      setns_errno = errno;
      return;
    }
    try {
      body();
    } catch (...) {
      thrown = std::current_exception();
    }
  });
  worker.join();
  if (setns_errno != 0) {
    return base::failErrno("setns into network namespace " + std::string(netns), setns_errno);
  }
  if (thrown) std::rethrow_exception(thrown);
  return {};
}

}  // namespace sluice::lab
