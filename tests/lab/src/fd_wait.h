// Waiting for one file descriptor to become ready, with a deadline (poll(2), EINTR retried).
// Internal to the lab libraries.
#pragma once

#include <string_view>

#include "sluice/base/error.h"
#include "sluice/lab/deadline.h"

namespace sluice::lab::detail {

// Returns poll's revents once `fd` reports any of `events` (or an error/hangup). Fails with
// Errc::kTimeout — "timed out after N ms <what>" — when the deadline comes first.
[[nodiscard]] base::Result<int> waitForFd(int fd, short events, Deadline deadline,
                                          std::string_view what);

}  // namespace sluice::lab::detail
