// Socket file checks for the local API (see unix_socket.h).
#include "sluice/rpc/unix_socket.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "sluice/base/unique_fd.h"

namespace sluice::rpc {
namespace {

using base::Errc;
using base::fail;
using base::failErrno;

base::Status checkLength(const std::string& path) {
  if (path.empty()) return fail(Errc::kInvalidArgument, "API socket path is empty");
  if (path.size() >= sizeof(sockaddr_un::sun_path)) {
    return fail(Errc::kInvalidArgument, "API socket path " + path + " is " +
                                            std::to_string(path.size()) +
                                            " bytes; a unix socket path must be shorter than " +
                                            std::to_string(sizeof(sockaddr_un::sun_path)));
  }
  return {};
}

// mkdir -p of the parent, each missing directory 0755.
base::Status makeParents(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::vector<std::filesystem::path> missing;
  for (std::filesystem::path dir = parent; !dir.empty(); dir = dir.parent_path()) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0) break;
    if (const int err = errno; err != ENOENT) {
      return failErrno("API socket directory " + dir.string(), err);
    }
    missing.push_back(dir);
    if (dir == dir.parent_path()) break;
  }
  std::ranges::reverse(missing);  // outermost first
  for (const std::filesystem::path& dir : missing) {
    if (::mkdir(dir.c_str(), 0755) != 0) {
      const int err = errno;
      if (err == EEXIST) continue;  // made by someone else meanwhile: theirs, mode and all
      return failErrno("cannot create API socket directory " + dir.string(), err);
    }
    // Exactly 0755, whatever the process umask: the socket's own mode is what keeps others out.
    if (::chmod(dir.c_str(), 0755) != 0) {
      const int err = errno;
      return failErrno("cannot set the mode of API socket directory " + dir.string(), err);
    }
  }
  return {};
}

}  // namespace

int probeConnect(const std::string& path) noexcept {
  sockaddr_un addr{};
  if (path.size() >= sizeof(addr.sun_path)) return ENAMETOOLONG;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  base::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return errno;
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0) return 0;
  const int err = errno;
  return err == EAGAIN ? 0 : err;  // EAGAIN: a listener whose backlog is full
}

base::Status prepareListenPath(const std::string& path) {
  if (auto ok = checkLength(path); !ok) return ok;
  if (auto ok = makeParents(path); !ok) return ok;

  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT) return {};
    return failErrno("API socket " + path, err);
  }
  if (!S_ISSOCK(st.st_mode)) {
    return fail(Errc::kAlreadyExists,
                "API socket path " + path + " exists and is not a socket; refusing to replace it");
  }
  switch (const int err = probeConnect(path)) {
    case 0:
      return fail(Errc::kAlreadyExists,
                  "another process (a running sluice-agent?) already serves " + path +
                      "; stop it first or choose another socket path");
    case ECONNREFUSED: break;  // stale: left behind by an agent that did not stop cleanly
    case ENOENT: return {};    // gone meanwhile
    default: return failErrno("cannot check whether " + path + " is in use", err);
  }
  if (::unlink(path.c_str()) != 0) {
    const int err = errno;
    if (err != ENOENT) return failErrno("cannot remove stale API socket " + path, err);
  }
  return {};
}

}  // namespace sluice::rpc
