#include "fd_wait.h"

#include <poll.h>

#include <cerrno>
#include <string>

namespace sluice::lab::detail {

base::Result<int> waitForFd(int fd, short events, Deadline deadline, std::string_view what) {
  const auto start = Clock::now();
  while (true) {
    pollfd entry{.fd = fd, .events = events, .revents = 0};
    const int ready = ::poll(&entry, 1, pollTimeoutUntil(deadline));
    if (ready > 0) return static_cast<int>(entry.revents);
    if (ready < 0 && errno != EINTR) return base::failErrno("poll " + std::string(what), errno);
    if (ready == 0 && Clock::now() >= deadline) {
      const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - start);
      return base::fail(base::Errc::kTimeout, "timed out after " + std::to_string(waited.count()) +
                                                  " ms " + std::string(what));
    }
  }
}

}  // namespace sluice::lab::detail
