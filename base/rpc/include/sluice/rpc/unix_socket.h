// The unix socket file behind the local API: checks done before listening on it (directory,
// length, is somebody already there) and the probe a client makes before speaking gRPC, which
// yields a precise reason ("No such file or directory", "Permission denied") where gRPC would only
// say "unavailable".
#pragma once

#include <string>

#include "sluice/base/error.h"

namespace sluice::rpc {

// connect() to the socket at `path` and close again. 0 when something accepts connections (a
// full backlog counts too), else the errno (ENOENT, ECONNREFUSED for a stale file, EACCES, ...).
[[nodiscard]] int probeConnect(const std::string& path) noexcept;

// Makes `path` ready for a listener: the length fits a sockaddr_un, missing parent directories
// are created (0755), a stale socket file is removed. kAlreadyExists when a live listener is on
// it or the path is not a socket (neither is touched).
[[nodiscard]] base::Status prepareListenPath(const std::string& path);

}  // namespace sluice::rpc
