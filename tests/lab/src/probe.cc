#include "sluice/lab/probe.h"

#include <sys/socket.h>

#include <cerrno>
#include <string>

#include "sluice/lab/run_in_netns.h"

namespace sluice::lab {

std::string_view failureKindName(FailureKind kind) noexcept {
  switch (kind) {
    case FailureKind::kTimeout: return "timeout";
    case FailureKind::kReset: return "reset";
    case FailureKind::kRefused: return "refused";
    case FailureKind::kUnreachable: return "unreachable";
    case FailureKind::kClosed: return "closed";
    case FailureKind::kOther: return "other";
  }
  return "other";
}

FailureKind classifyFailure(const base::Error& error) noexcept {
  if (error.code() == base::Errc::kTimeout) return FailureKind::kTimeout;
  switch (error.sysErrno()) {
    case ECONNRESET:
    case EPIPE: return FailureKind::kReset;
    case ECONNREFUSED: return FailureKind::kRefused;
    case EHOSTUNREACH:
    case ENETUNREACH: return FailureKind::kUnreachable;
    case ETIMEDOUT: return FailureKind::kTimeout;
    case 0:
      if (error.code() == base::Errc::kUnavailable) return FailureKind::kClosed;
      break;
    default: break;
  }
  return FailureKind::kOther;
}

base::Error closedByPeerError(std::string_view what) {
  return {base::Errc::kUnavailable, std::string(what) + ": connection closed by the peer"};
}

base::Result<UniqueFd> openSocket(std::string_view netns, int family, int type) {
  auto fd = runInNetns(netns, [&]() -> base::Result<UniqueFd> {
    UniqueFd socket_fd(::socket(family, type | SOCK_CLOEXEC, 0));
    if (!socket_fd.valid()) return base::failErrno("socket", errno);
    return socket_fd;
  });
  if (!fd && !netns.empty()) {
    return base::fail(
        std::move(fd.error()).withContext("in network namespace " + std::string(netns)));
  }
  return fd;
}

}  // namespace sluice::lab
