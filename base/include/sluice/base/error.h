// Error and Result: how every fallible function in Sluice reports failure.
//
// Result<T> is std::expected<T, Error>. An Error carries a category (what kind of failure, for
// callers that branch on it), a message that says what failed, where, and what to do, and the
// errno of a failed system call when there was one.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace sluice::base {

enum class Errc {
  kInvalidArgument,   // the caller's input is wrong; retrying the same call will fail again
  kNotFound,          // the named thing does not exist
  kAlreadyExists,     // it exists and must not
  kOutOfRange,        // a number or size is outside what is supported
  kPermissionDenied,  // missing privilege (root, CAP_BPF, CAP_NET_ADMIN ...)
  kUnavailable,       // transient: the peer, kernel feature or resource is not there now
  kTimeout,           // a deadline passed
  kIo,                // a system call failed
  kInternal,          // a bug in Sluice
};

[[nodiscard]] std::string_view errcName(Errc code) noexcept;

class Error {
 public:
  Error(Errc code, std::string message, int sys_errno = 0)
      : code_(code), message_(std::move(message)), errno_(sys_errno) {}

  // An Error for a failed system call: "<what>: <strerror(err)>". Takes errno explicitly so
  // callers capture it before anything else can overwrite it.
  [[nodiscard]] static Error fromErrno(std::string_view what, int err);

  [[nodiscard]] Errc code() const noexcept { return code_; }
  [[nodiscard]] const std::string& message() const noexcept { return message_; }
  [[nodiscard]] int sysErrno() const noexcept { return errno_; }

  // Prepends context: Error("bind: EADDRINUSE").withContext("echo server p1a") reads
  // "echo server p1a: bind: EADDRINUSE".
  [[nodiscard]] Error withContext(std::string_view context) &&;

  // "<category>: <message>", for logs and test failure output.
  [[nodiscard]] std::string toString() const;

 private:
  Errc code_;
  std::string message_;
  int errno_;
};

template <typename T>
using Result = std::expected<T, Error>;
using Status = Result<void>;

// return fail(Errc::kInvalidArgument, "table size 10 is not prime");
[[nodiscard]] inline std::unexpected<Error> fail(Errc code, std::string message) {
  return std::unexpected<Error>(std::in_place, code, std::move(message));
}
[[nodiscard]] inline std::unexpected<Error> fail(Error error) {
  return std::unexpected<Error>(std::move(error));
}
[[nodiscard]] inline std::unexpected<Error> failErrno(std::string_view what, int err) {
  return std::unexpected<Error>(Error::fromErrno(what, err));
}

}  // namespace sluice::base
