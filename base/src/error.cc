#include "sluice/base/error.h"

#include <cerrno>
#include <cstring>
#include <string>

namespace sluice::base {

std::string_view errcName(Errc code) noexcept {
  switch (code) {
    case Errc::kInvalidArgument: return "invalid argument";
    case Errc::kNotFound: return "not found";
    case Errc::kAlreadyExists: return "already exists";
    case Errc::kOutOfRange: return "out of range";
    case Errc::kPermissionDenied: return "permission denied";
    case Errc::kUnavailable: return "unavailable";
    case Errc::kTimeout: return "timeout";
    case Errc::kIo: return "i/o error";
    case Errc::kInternal: return "internal error";
  }
  return "unknown error";
}

Error Error::fromErrno(std::string_view what, int err) {
  Errc code = Errc::kIo;
  if (err == EPERM || err == EACCES) code = Errc::kPermissionDenied;
  if (err == ENOENT || err == ESRCH) code = Errc::kNotFound;
  if (err == EEXIST) code = Errc::kAlreadyExists;
  if (err == EINVAL) code = Errc::kInvalidArgument;
  if (err == ETIMEDOUT) code = Errc::kTimeout;
  std::string message(what);
  message += ": ";
  message += std::strerror(err);  // NOLINT(concurrency-mt-unsafe): glibc returns static strings
  return {code, std::move(message), err};
}

Error Error::withContext(std::string_view context) && {
  std::string message(context);
  message += ": ";
  message += message_;
  message_ = std::move(message);
  return std::move(*this);
}

std::string Error::toString() const {
  std::string out(errcName(code_));
  out += ": ";
  out += message_;
  return out;
}

}  // namespace sluice::base
